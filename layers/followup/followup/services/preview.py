"""What a rule would do if switched on now: who it enrolls, when each message would go,
and what those first messages would cost."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.channels import fit_sms
from followup.domain.costs import RateCard, message_cost, rate_card, sms_pricing, would_be_priced
from followup.domain.messaging import compose, render_text, window_open
from followup.services.channels import first_reachable
from followup.services.messaging_limit import counts_against_caps
from followup.services.other_form import with_other_form_stops
from followup.services.preview_caps import within_caps
from followup.services.preview_gates import first_step, goes

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Planned:
    """`send_at`: when the journey's first message goes (past the waits before it, in the send
    window)."""

    contact_id: str
    name: str
    send_at: datetime
    waits_for: str | None = None
    """What puts the send off: another rule's pending follow-up (`pending_followup`: it goes
    at the first tick after that one), the portfolio's messaging limit (`messaging_limit`),
    or the warm-up cap of the new number it goes from (`warm_up`: today's is spent, it goes
    on a later day)."""


@dataclass(frozen=True)
class Excluded:
    """A contact the trigger found that would not be messaged, and the code of why."""

    contact_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class MarketCost:
    """The first messages to one market's contacts, and what they would cost."""

    market: str
    contacts: int
    cost_usd: float


@dataclass(frozen=True)
class Preview:
    now_count: int
    planned: list[Planned]
    next_hour: int
    next_day: int
    estimated_cost_usd: float = 0.0
    cost_by_market: list[MarketCost] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    """Contacts the trigger found that the rule leaves alone, counted by the code of why
    (`other_number`, `reentry_never`, `opted_out`, `hot_contact`, `window_closed`,
    `sent_by_hand`, ...)."""
    excluded: list[Excluded] = field(default_factory=list)
    """The first of them (a sample), each with its code."""
    due_now: int = 0
    """Of `now_count`, those whose message would go at once (the others wait for the send
    window, another rule's pending follow-up, the messaging limit or a warm-up cap)."""


def preview(deps: Deps, rule: Rule, sample: int = 100, excluded_sample: int = 20) -> Preview:
    """Contacts the rule would enroll at once, and how many more join in the next hour/day;
    and those the trigger found that enqueue or the sender would leave alone, and why.

    Only an idle trigger enrolls contacts by itself; the others wait for their occurrence
    (a reply, a stage entered, an event), so their preview is empty."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    planned: list[Planned] = []
    excluded: list[Excluded] = []
    later: list[datetime] = []
    card = rate_card().overridden(settings.message_rates, settings.email_rate)
    costs: dict[str, list[float]] = defaultdict(list)
    skipped: Counter[str] = Counter()
    counted: dict[str, Contact] = {}
    trigger = rule.idle
    if trigger is None:
        return Preview(now_count=0, planned=[], next_hour=0, next_day=0)
    idle = trigger.idle.approx()
    lookback = rule.lookback(settings.trigger_lookback.approx())
    for stage in trigger.stages or settings.stages:
        for contact_v in deps.contacts.quiet_contacts(
            stage, now - idle - lookback, now + DAY - idle
        ):
            contact = contact_v.item
            crosses = contact.quiet_since + idle
            if not (
                trigger.matches(contact) and rule.conditions.hold(contact, crosses, settings.zone)
            ):
                continue
            # Stopped as the contact under the other form of its number is: the same person.
            contact = with_other_form_stops(deps, contact)
            going = goes(deps, rule, trigger, contact, now)
            if isinstance(going, str):
                skipped[going] += 1
                if len(excluded) < excluded_sample:
                    excluded.append(Excluded(contact.id, contact.name, going))
                continue
            if crosses > now:
                later.append(crosses)
                continue
            at, waits_for = going
            planned.append(Planned(contact.id, contact.name, at, waits_for))
            if counts_against_caps(first_step(rule), contact, at):
                counted[contact.id] = contact
            market, cost = _first_cost(deps, rule, contact, at, card)
            costs[market].append(cost)
    planned = within_caps(deps, rule, planned, counted, now)
    by_market = [
        MarketCost(market, len(each), sum(each))
        for market, each in sorted(costs.items(), key=lambda item: -sum(item[1]))
    ]
    return Preview(
        now_count=len(planned),
        planned=planned[:sample],
        next_hour=sum(1 for at in later if at <= now + HOUR),
        next_day=len(later),
        estimated_cost_usd=sum(m.cost_usd for m in by_market),
        cost_by_market=by_market,
        skipped=dict(skipped),
        excluded=excluded,
        due_now=sum(1 for p in planned if p.send_at <= now),
    )


def _first_cost(
    deps: Deps, rule: Rule, contact: Contact, at: datetime, card: RateCard
) -> tuple[str, float]:
    """The contact's market and what the rule's first message to them at `at` would cost
    on the channel the sender would pick (`first_reachable`): by WhatsApp, the free text
    inside the window, else the template in its category; by SMS, its market's price for
    each part the text goes out as; by email, the price of one; nothing when it sends none.
    A WhatsApp message that cannot go (free text only, outside the window) costs what the
    next channel bills when the step goes on to it as undeliverable."""
    market = card.market_of(contact.wa_id or "")
    step = first_step(rule)
    if step is None:
        return market, 0.0
    channel = first_reachable(deps, contact, step, 0)
    if channel == "whatsapp":
        message = compose(step, contact, at)
        if message is not None:
            category = step.template.category if step.template else None
            expected = would_be_priced(message.kind, category, window_open(contact, at))
            return market, message_cost(expected, market, at, card)
        undeliverable = step.fallback_when.undeliverable
        channel = first_reachable(deps, contact, step, 1) if undeliverable else None
    if channel == "sms":
        text = fit_sms(render_text(step.text or "", contact))
        priced = sms_pricing(contact.address("sms") or "", text, card)
        return priced.market or market, priced.cost_usd
    if channel == "email":
        return market, card.email_rate
    return market, 0.0
