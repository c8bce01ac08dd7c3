"""What a rule would do if switched on now: who it enrolls, when each message would go,
and what those first messages would cost."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.costs import RateCard, message_cost, rate_card, would_be_priced
from followup.domain.enrollment import enroll
from followup.domain.followup import FollowUp, Reason
from followup.domain.ids import followup_id
from followup.domain.journey import Exit, first_send, must_stop, send_at
from followup.domain.messaging import compose, window_open
from followup.domain.messaging_limit import still_reached
from followup.domain.rule import Step
from followup.services import messaging_limit, reentry
from followup.services.channels import pick
from followup.services.planning import claim_slot
from followup.services.templates import gate

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.enrollment import Enrollment
    from followup.domain.rule import IdleTrigger, Rule
    from followup.services.deps import Deps

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
_A_MOMENT = timedelta(seconds=1)
NUMBER_PAUSED = "number_paused"
"""The number it would go from is paused: the sender holds it until someone resumes it."""
PENDING = "pending_followup"
LIMIT = "messaging_limit"
NO_CHANNEL = "no_channel"
"""No channel of the step reaches the contact (no WhatsApp number, phone or email)."""


@dataclass(frozen=True)
class Planned:
    """`send_at`: when the first step goes (a journey's first wait ends, or it starts)."""

    contact_id: str
    name: str
    send_at: datetime
    waits_for: str | None = None
    """What puts the send off: another rule's pending follow-up (`pending_followup`), or
    the portfolio's messaging limit (`messaging_limit`)."""


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
    (`other_number`, `reentry_never`, `opted_out`, `hot_contact`, `window_closed`, ...)."""
    excluded: list[Excluded] = field(default_factory=list)
    """The first of them (a sample), each with its code."""
    due_now: int = 0
    """Of `now_count`, those whose message would go at once (the others wait for the send
    window, another rule's pending follow-up or the messaging limit)."""


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
    card = rate_card().overridden(settings.message_rates)
    costs: dict[str, list[float]] = defaultdict(list)
    skipped: Counter[str] = Counter()
    limited: set[str] = set()
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
            goes = _goes(deps, rule, trigger, contact, now)
            if isinstance(goes, str):
                skipped[goes] += 1
                if len(excluded) < excluded_sample:
                    excluded.append(Excluded(contact.id, contact.name, goes))
                continue
            if crosses > now:
                later.append(crosses)
                continue
            at, waits_for = goes
            planned.append(Planned(contact.id, contact.name, at, waits_for))
            if _limited(rule, contact, at):
                limited.add(contact.id)
            market = card.market_of(contact.wa_id or "")
            costs[market].append(_first_cost(rule, contact, at, market, card))
    planned = _within_limit(deps, sorted(planned, key=lambda p: p.send_at), limited, now)
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


def _goes(
    deps: Deps, rule: Rule, trigger: IdleTrigger, contact: Contact, now: datetime
) -> tuple[datetime, str | None] | str:
    """When the rule's first message would go to `contact` (and what puts it off), or the
    code of why it would not: the questions enqueue asks (number, re-entry, `must_stop`,
    the journey, the one pending follow-up), then those the sender asks at that time
    (channel, window, template, paused number)."""
    settings = deps.catalog.settings()
    other = deps.numbers.refusal(contact.phone_number_id, rule.numbers)
    if other is not None:
        return _code(other)
    enrollment = enroll(rule, trigger, contact, contact.zone(settings.zone), now)
    refused = reentry.History(deps, contact.id).refused(rule, enrollment)
    if refused is not None:
        return refused
    stop = must_stop(contact, rule, enrollment.silence_key, settings.gating, now)
    if stop is not None:
        return stop.reason.value
    goes = first_send(rule, trigger, contact, settings, now)
    if isinstance(goes, Exit):
        return _code(goes.reason)
    fid = followup_id(enrollment.id, enrollment.step_index, enrollment.repeat_index)
    busy_until, _ = claim_slot(deps, contact, fid, now)
    waits_for = None
    if busy_until is not None:
        after = max(busy_until, now) + _A_MOMENT
        goes, waits_for = send_at(max(goes, after), now, contact, rule, settings), PENDING
    step = next((s for s in rule.steps if isinstance(s, Step)), None)
    if step is None:
        return goes, waits_for
    why = _sender_refusal(deps, rule, step, contact, enrollment, fid, goes)
    return (goes, waits_for) if why is None else why


def _limited(rule: Rule, contact: Contact, at: datetime) -> bool:
    """Whether the first message, a WhatsApp one outside the contact's window to a user not
    reached in the last 24 h, counts against the portfolio's messaging limit
    (`messaging_limit.cleared`)."""
    step = next((s for s in rule.steps if isinstance(s, Step)), None)
    return (
        step is not None
        and step.chain[0] == "whatsapp"
        and not window_open(contact, at)
        and not still_reached(contact.reached_at, at)
    )


def _within_limit(
    deps: Deps, planned: list[Planned], limited: set[str], now: datetime
) -> list[Planned]:
    """`planned` (in send order) with the sends due now past the messaging limit's room
    put off to when it frees up, as the sender defers them."""
    found = messaging_limit.room(deps, now)
    if found is None:
        return planned
    left, freed = found
    kept: list[Planned] = []
    for plan in planned:
        if plan.contact_id in limited and plan.send_at <= now:
            if left <= 0:
                plan = replace(plan, send_at=max(plan.send_at, freed), waits_for=LIMIT)
            left -= 1
        kept.append(plan)
    return sorted(kept, key=lambda p: p.send_at)


def _sender_refusal(
    deps: Deps,
    rule: Rule,
    step: Step,
    contact: Contact,
    enrollment: Enrollment,
    fid: str,
    at: datetime,
) -> str | None:
    """Why the sender would not send the step at `at` (the checks of `send.send_one` that
    need no provider): no channel reaches the contact, the WhatsApp window is closed with
    no template, the template is unusable, or its number is paused."""
    if deps.catalog.sending_paused(deps.numbers.sender(contact.phone_number_id, rule.numbers)):
        return NUMBER_PAUSED
    followup = FollowUp.planned(
        followup_id=fid,
        contact_id=contact.id,
        rule_id=rule.id,
        rule_version=rule.version,
        silence_key=enrollment.silence_key,
        at=at,
        scheduled_at=at,
    )
    picked = pick(deps, followup, contact, step, 0)
    if picked.channel is None:
        return NO_CHANNEL
    if picked.channel != "whatsapp":
        return None
    message = compose(step, contact, at)
    if message is None:
        if step.fallback_when.undeliverable and pick(deps, followup, contact, step, 1).channel:
            return None
        return Reason.WINDOW_CLOSED.value
    if message.kind == "template" and step.template is not None:
        decided = gate(deps, message, step.template, contact.wa_id or "", [], at)
        why = decided.skipped or (decided.waiting.reason if decided.waiting else None)
        if why:
            return _code(why)
        if contact.marketing_suppressed and decided.marketing:
            return Reason.MARKETING_SUPPRESSED.value
    return None


def _code(reason: str) -> str:
    """A reason's code, without the detail after it (`attribute_missing:renewal_at`)."""
    return reason.split(":", 1)[0].strip()


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
