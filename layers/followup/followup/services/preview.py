"""What a rule would do if switched on now: who it enrolls, when each message would go,
and what those first messages would cost."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.costs import RateCard, message_cost, rate_card, would_be_priced
from followup.domain.journey import Exit, first_send, must_stop
from followup.domain.messaging import compose, window_open
from followup.domain.numbers import OTHER_NUMBER
from followup.domain.rule import Step

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Planned:
    """`send_at`: when the first step goes (a journey's first wait ends, or it starts)."""

    contact_id: str
    name: str
    send_at: datetime


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
    """Contacts the trigger found that the rule leaves alone, by why (`other_number`: they
    talk to a number the rule does not send from)."""


def preview(deps: Deps, rule: Rule, sample: int = 100) -> Preview:
    """Contacts the rule would enroll at once, and how many more join in the next hour/day.

    Only an idle trigger enrolls contacts by itself; the others wait for their occurrence
    (a reply, a stage entered, an event), so their preview is empty."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    planned: list[Planned] = []
    later: list[datetime] = []
    card = rate_card().overridden(settings.message_rates)
    costs: dict[str, list[float]] = defaultdict(list)
    skipped: Counter[str] = Counter()
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
            if not (trigger.matches(contact) and rule.conditions.hold(contact, now, settings.zone)):
                continue
            if must_stop(contact, rule, contact.silence_key, settings.gating, now) is not None:
                continue
            if deps.numbers.refusal(contact.phone_number_id, rule.numbers) is not None:
                skipped[OTHER_NUMBER] += 1
                continue
            trigger_at = contact.quiet_since + idle
            if trigger_at > now:
                later.append(trigger_at)
                continue
            goes = first_send(rule, trigger, contact, settings, now)
            if isinstance(goes, Exit):
                continue  # the journey would end at once (e.g. no such date attribute)
            planned.append(Planned(contact.id, contact.name, goes))
            market = card.market_of(contact.wa_id or "")
            costs[market].append(_first_cost(rule, contact, goes, market, card))
    planned.sort(key=lambda p: p.send_at)
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
    )


def _first_cost(rule: Rule, contact: Contact, at: datetime, market: str, card: RateCard) -> float:
    """What the rule's first WhatsApp message to `contact` at `at` would cost: the free
    text inside the window, else the template in its category; nothing when it sends none."""
    step = next((s for s in rule.steps if isinstance(s, Step)), None)
    if step is None or step.chain[0] != "whatsapp":
        return 0.0
    message = compose(step, contact, at)
    if message is None:
        return 0.0
    category = step.template.category if step.template else None
    expected = would_be_priced(message.kind, category, window_open(contact, at))
    return message_cost(expected, market, at, card)
