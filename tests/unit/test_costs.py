"""What a send costs: the rate card, its markets, and the price WhatsApp named."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from followup.domain.costs import Pricing, email_pricing, message_cost, rate_card, sms_pricing
from followup.domain.settings import WorkspaceSettings
from followup.domain.stored import STORED

NOVEMBER_2026 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SEPTEMBER_2026 = datetime(2026, 9, 30, 12, 0, tzinfo=UTC)


def priced(category: str, billable: bool = True, kind: str = "regular") -> Pricing:
    return Pricing(billable=billable, category=category, type=kind)


def test_the_card_names_its_date_and_source() -> None:
    card = rate_card()
    assert card.effective == date(2025, 7, 1)
    assert "Meta" in card.source
    assert card.currency == "USD"


@pytest.mark.parametrize(
    ("number", "market"),
    [
        ("6281100000301", "indonesia"),
        ("5511987654321", "brazil"),
        ("14155550100", "north_america"),
        ("12425550100", "rest_of_latin_america"),
        ("351910000001", "rest_of_western_europe"),
        ("4915123456789", "other"),
        # a business-scoped user id, by the country its prefix names
        ("BR.1502576394655843", "brazil"),
        ("ID.2233445566778899", "indonesia"),
        ("XX.2233445566778899", "other"),
    ],
)
def test_a_number_falls_in_the_market_of_its_longest_calling_code(number: str, market: str) -> None:
    assert rate_card().market_of(number) == market


def test_a_billable_message_costs_its_markets_rate_for_its_category() -> None:
    card = rate_card()
    marketing = message_cost(priced("marketing"), "brazil", NOVEMBER_2026, card)
    utility = message_cost(priced("utility"), "brazil", NOVEMBER_2026, card)
    assert marketing == card.rate("brazil", "marketing") > 0
    assert 8 < marketing / utility < 10  # marketing costs about 9x utility in Brazil


def test_free_messages_cost_nothing() -> None:
    card = rate_card()
    assert message_cost(priced("marketing", billable=False), "indonesia", NOVEMBER_2026, card) == 0
    entry = priced("referral_conversion", billable=False, kind="free_entry_point")
    assert message_cost(entry, "indonesia", NOVEMBER_2026, card) == 0


def test_service_messages_inside_the_window_cost_the_utility_rate_since_october_2026() -> None:
    card = rate_card()
    service = priced("service", billable=False, kind="free_customer_service")
    assert message_cost(service, "indonesia", SEPTEMBER_2026, card) == 0
    assert message_cost(service, "indonesia", NOVEMBER_2026, card) == card.rate(
        "indonesia", "utility"
    )


def test_a_market_without_the_category_falls_back_on_its_base_category() -> None:
    card = rate_card()
    international = priced("authentication-international")
    assert message_cost(international, "brazil", NOVEMBER_2026, card) == card.rate(
        "brazil", "authentication"
    )


def test_workspace_rates_override_the_card() -> None:
    settings = WorkspaceSettings.model_validate(
        {"message_rates": {"indonesia": {"marketing": 0.05}}}
    )
    card = rate_card().overridden(settings.message_rates)
    assert message_cost(priced("marketing"), "indonesia", NOVEMBER_2026, card) == 0.05
    assert card.rate("indonesia", "utility") == rate_card().rate("indonesia", "utility")


@pytest.mark.parametrize(
    "rates",
    [
        {"indonesia": {"marketing": -0.01}},
        {"indonesia": {"promotions": 0.01}},
        {"": {"utility": 1}},
    ],
)
def test_an_override_must_name_a_category_and_a_rate_of_zero_or_more(
    rates: dict[str, dict[str, float]],
) -> None:
    with pytest.raises(ValidationError):
        WorkspaceSettings.model_validate({"message_rates": rates})


def test_an_override_for_a_market_the_card_does_not_name_is_refused_unless_stored() -> None:
    rates = {"indonesia": {"marketing": 0.05}, "Indonesia": {"marketing": 0.05}}
    with pytest.raises(ValidationError, match="unknown market 'Indonesia'") as refused:
        WorkspaceSettings.model_validate({"message_rates": rates})
    assert [e["loc"] for e in refused.value.errors()] == [("message_rates",)]
    stored = WorkspaceSettings.model_validate({"message_rates": rates}, context=STORED)
    assert stored.message_rates == rates


@pytest.mark.parametrize("rate", [-0.0001, 2, "cheap"])
def test_a_workspace_email_price_must_be_a_dollar_amount_up_to_one(rate: object) -> None:
    with pytest.raises(ValidationError) as refused:
        WorkspaceSettings.model_validate({"email_rate": rate})
    assert [error["loc"] for error in refused.value.errors()] == [("email_rate",)]


def test_an_sms_costs_its_markets_price_for_each_part() -> None:
    card = rate_card()
    short = sms_pricing("+6281100000301", "Still keen?", card)
    assert (short.category, short.market) == ("sms", "indonesia")
    assert short.cost_usd == card.sms_rate("indonesia") > 0
    three_parts = sms_pricing("+6281100000301", "x" * 400, card)  # 153 GSM-7 to a part
    assert three_parts.cost_usd == pytest.approx(3 * card.sms_rate("indonesia"))
    two_in_unicode = sms_pricing("+6281100000301", "é" * 70 + "😀", card)  # 67 UCS-2 to a part
    assert two_in_unicode.cost_usd == pytest.approx(2 * card.sms_rate("indonesia"))


def test_an_sms_to_a_market_without_its_own_price_costs_the_default() -> None:
    card = rate_card()
    assert card.market_of("4915123456789") == "other"
    assert card.sms_rate("rest_of_western_europe") == card.sms_rate("other") > 0
    assert sms_pricing("+4915123456789", "Hi", card).cost_usd == card.sms_rate("other")


def test_an_email_costs_ses_price_per_email() -> None:
    assert email_pricing(rate_card()).cost_usd == pytest.approx(0.10 / 1_000)


def test_workspace_prices_override_the_cards_sms_and_email_prices() -> None:
    settings = WorkspaceSettings.model_validate(
        {"message_rates": {"indonesia": {"sms": 0.03}}, "email_rate": 0.0004}
    )
    card = rate_card().overridden(settings.message_rates, settings.email_rate)
    assert card.sms_rate("indonesia") == 0.03
    assert card.sms_rate("brazil") == rate_card().sms_rate("brazil")
    assert card.rate("indonesia", "marketing") == rate_card().rate("indonesia", "marketing")
    assert email_pricing(card).cost_usd == 0.0004


def test_meta_s_other_spellings_are_priced_as_their_category() -> None:
    card = rate_card()
    # the Marketing Messages API's sends, and authentication-international with "_"
    lite = priced("marketing_lite")
    assert message_cost(lite, "indonesia", NOVEMBER_2026, card) == card.rate(
        "indonesia", "marketing"
    )
    for market in ("indonesia", "brazil"):
        underscored = priced("authentication_international")
        assert message_cost(underscored, market, NOVEMBER_2026, card) == card.rate(
            market, "authentication-international"
        )
        assert card.rate(market, "authentication_international") > 0


@pytest.mark.parametrize(("kind", "billed"), [("regular", True), ("free_entry_point", False)])
def test_a_price_without_the_deprecated_billable_is_billed_by_its_type(
    kind: str, billed: bool
) -> None:
    card = rate_card()
    named = Pricing.model_validate({"category": "marketing", "type": kind})
    cost = message_cost(named, "indonesia", NOVEMBER_2026, card)
    assert (cost > 0) is billed
