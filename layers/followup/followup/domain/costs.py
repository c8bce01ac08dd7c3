"""What a send costs: for WhatsApp, the `pricing` each status webhook carries, and the rate
card (rates.toml) that turns it into dollars by the recipient's market; for SMS and email,
the card's SNS price per SMS part in that market and SES price per email."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, StringConstraints

from followup.domain.channels import sms_parts
from followup.domain.phones import country_calling_code, country_of
from followup.loading import loading

RateCategory = Literal[
    "marketing", "utility", "authentication", "authentication-international", "sms"
]
MarketName = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Rates = dict[MarketName, dict[RateCategory, Annotated[StrictFloat, Field(ge=0, le=10)]]]
"""Market → category → US dollars per delivered message, or per SMS part sent for `sms`
(workspace overrides)."""

_BASE: dict[str, str] = {
    "authentication-international": "authentication",
    "authentication_international": "authentication-international",
    "marketing_lite": "marketing",
}
"""A category a market may not price, and the one it is billed as there: Meta spells
authentication-international both ways, and prices the Marketing Messages API's sends
(`marketing_lite`) as marketing."""
OTHER = "other"


class Pricing(BaseModel):
    """WhatsApp's word on a message's price (a status webhook's `pricing`); or the price of
    an SMS or email, put on it when SNS or SES took it (`sms_pricing`, `email_pricing`)."""

    model_config = ConfigDict(defer_build=True)

    billable: bool | None = Field(
        default=None,
        description="WhatsApp's `billable`, which it deprecated: absent, a `regular` message "
        "is billed and a free one is not",
    )
    category: str = Field(
        max_length=40,
        description="marketing, utility, authentication, authentication-international, "
        "service or referral_conversion; sms or email for those channels",
    )
    type: str = Field(
        default="regular",
        max_length=40,
        description="regular, free_customer_service or free_entry_point",
    )
    market: str | None = Field(default=None, description="the recipient's, on the rate card")
    cost_usd: float = Field(default=0.0, ge=0, description="at the workspace's rates")

    def costed(self, number: str, at: datetime, card: RateCard) -> Pricing:
        """This price with the market of `number` and what it costs there."""
        market = card.market_of(number)
        cost = message_cost(self, market, at, card)
        return self.model_copy(update={"market": market, "cost_usd": cost})


@dataclass(frozen=True)
class RateCard:
    """Rates by market and category, with the card's date and source; SNS's price per SMS
    part by market (`other` for a market not listed) and SES's per email."""

    effective: date
    source: str
    currency: str
    service_billed_from: datetime
    markets: dict[str, dict[str, float]]
    calling_codes: dict[str, str] = field(default_factory=dict)
    sms: dict[str, float] = field(default_factory=dict)
    email_rate: float = 0.0

    def market_of(self, number: str) -> str:
        """The market of a phone number: its longest listed calling code's, else `other`;
        of a business-scoped user id, its country's ("ID.1502..." is Indonesia's)."""
        digits = number.lstrip("+")
        if not digits.isdigit():
            country = country_of(number)
            digits = country_calling_code(country) if country else ""
            if not digits:
                return OTHER
        for length in range(min(4, len(digits)), 0, -1):
            market = self.calling_codes.get(digits[:length])
            if market is not None:
                return market
        return OTHER

    def rate(self, market: str, category: str) -> float:
        """Dollars per delivered message; an unknown market is priced as `other`."""
        rates = self.markets.get(market) or self.markets[OTHER]
        found = rates.get(category)
        while found is None and category in _BASE:
            category = _BASE[category]
            found = rates.get(category)
        return found or 0.0

    def sms_rate(self, market: str) -> float:
        """Dollars per SMS part sent to `market`; a market not listed costs `other`'s."""
        return self.sms.get(market, self.sms.get(OTHER, 0.0))

    def overridden(self, rates: Rates, email_rate: float | None = None) -> RateCard:
        """This card with the workspace's own rates in place of the card's (an `sms` rate
        prices SMS to its market), and its own price per email when it names one."""
        markets = {name: dict(values) for name, values in self.markets.items()}
        sms = dict(self.sms)
        for market, values in rates.items():
            own = markets.setdefault(market, {})
            for category, rate in values.items():
                if category == "sms":
                    sms[market] = rate
                else:
                    own[category] = rate
        email = self.email_rate if email_rate is None else email_rate
        return replace(self, markets=markets, sms=sms, email_rate=email)


@cache
def rate_card() -> RateCard:
    """The rate card shipped with the engine (rates.toml beside this module). The TOML reader
    and the package's resources load with the first card asked for, not with the handler."""
    with loading():
        import tomllib
        from importlib import resources
    text = resources.files("followup.domain").joinpath("rates.toml").read_text()
    raw = tomllib.loads(text)
    billed_from: date = raw["service_billed_from"]
    return RateCard(
        effective=raw["effective"],
        source=raw["source"],
        currency=raw["currency"],
        service_billed_from=datetime(
            billed_from.year, billed_from.month, billed_from.day, tzinfo=UTC
        ),
        markets=raw["markets"],
        calling_codes=raw["calling_codes"],
        sms={**raw["sms"]["markets"], OTHER: raw["sms"]["default"]},
        email_rate=raw["email"]["per_message"],
    )


def message_cost(pricing: Pricing, market: str, at: datetime, card: RateCard) -> float:
    """What one delivered message cost, from the price WhatsApp named: free entry points
    cost nothing; service messages inside the window cost the utility rate from the card's
    `service_billed_from` on, nothing before; anything else not billable costs nothing."""
    if pricing.type == "free_entry_point":
        return 0.0
    service = pricing.category == "service" or pricing.type == "free_customer_service"
    if service:
        return card.rate(market, "utility") if at >= card.service_billed_from else 0.0
    billable = pricing.type == "regular" if pricing.billable is None else pricing.billable
    return card.rate(market, pricing.category) if billable else 0.0


def would_be_priced(kind: str, category: str | None, in_window: bool) -> Pricing:
    """The price WhatsApp would name for a send not made yet: free text is a service
    message; a utility template inside the window is free customer service; any other
    template is billed in its category."""
    if kind == "text":
        return Pricing(billable=False, category="service", type="free_customer_service")
    if category == "utility" and in_window:
        return Pricing(billable=False, category="utility", type="free_customer_service")
    return Pricing(billable=True, category=category or "marketing")


def sms_pricing(number: str, text: str, card: RateCard) -> Pricing:
    """What SNS bills for `text` sent to `number`: its market's price for each SMS part the
    text goes out as. SNS's answer to a publish names no part count, so the parts are
    counted as SNS splits the text (`sms_parts`: 160 GSM-7 characters or 70 UCS-2 to one
    SMS, 153 or 67 to each part of a longer one)."""
    market = card.market_of(number)
    cost = sms_parts(text).parts * card.sms_rate(market)
    return Pricing(billable=True, category="sms", market=market, cost_usd=cost)


def email_pricing(card: RateCard) -> Pricing:
    """What SES bills for one email: one flat price, wherever it goes."""
    return Pricing(billable=True, category="email", cost_usd=card.email_rate)
