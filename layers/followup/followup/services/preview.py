"""What a rule would do if switched on now: who it enrolls, when each message would go,
and what those first messages would cost.

An idle rule enrolls the leads quiet long enough at once, and those who cross its idle time
later: the preview lists the first, and counts the others. A date rule enrolls no one at
once (a date that passed is not replayed): the preview lists those whose date comes round
in the next day, read from the whole funnel (the date has no index until the rule is on).
Either is read, and each lead found asked what the tick and the sender would ask, for up
to `READ_TIME` seconds (a lead at least): past that the counts are of the leads read, and
the preview says so. Any other trigger waits for an occurrence (a reply, a stage entered,
an event): its preview only says so.

A date rule's whole future is in its contacts' dates: its preview, and `busiest_day`, count
the day whose date reaches the most of them, the mass send switching it on sets off."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from followup.domain.channels import fit_sms
from followup.domain.costs import RateCard, message_cost, sms_pricing, would_be_priced
from followup.domain.enrollment import enroll
from followup.domain.messaging import compose, render_text, window_open
from followup.domain.triggers import DateTrigger
from followup.services.channels import first_reachable
from followup.services.date_triggers import BACKFILL_PAGE, date_enrollment, for_seconds
from followup.services.messaging_limit import counts_against_caps
from followup.services.other_form import with_other_form_stops
from followup.services.preview_caps import within_caps
from followup.services.preview_gates import first_step, goes

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.enrollment import Enrollment
    from followup.domain.rule import IdleTrigger, Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
READ_TIME = 10.0
"""Seconds a preview reads and asks about leads for, at most: API Gateway gives a request
30, and each lead found costs a few reads."""

Found = tuple["Contact", datetime, "Enrollment"]
"""A lead the trigger finds, the moment it fires for them, and their enrollment then."""


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
    (`other_number`, `silence_played`, `in_journey`, `reentry_never`, `opted_out`,
    `hot_contact`, `window_closed`, `sent_by_hand`, ...)."""
    excluded: list[Excluded] = field(default_factory=list)
    """The first of them (a sample), each with its code."""
    due_now: int = 0
    """Of `now_count`, those whose message would go at once (the others wait for the send
    window, another rule's pending follow-up, the messaging limit or a warm-up cap)."""
    fires: Literal["idle", "date", "occurrence"] = "idle"
    """How the trigger enrolls: an idle time crossed (`planned`: those enrolled now), a
    date come round (`planned`: those of the next day), or an occurrence it waits for (a
    reply, a stage entered, an event: no one by itself, and the counts are naught)."""
    complete: bool = True
    """False when the preview could not read every lead the trigger finds in `READ_TIME`:
    its counts are of the leads read."""
    busiest: tuple[date, int] | None = None
    """A date rule's busiest day to come (the workspace's calendar) and how many leads its
    date reaches then (`_reaches`); None for the other triggers, or no date to come."""


def preview(
    deps: Deps,
    rule: Rule,
    sample: int = 100,
    excluded_sample: int = 20,
    time_left: Callable[[], bool] | None = None,
) -> Preview:
    """Whom the rule would message if switched on now, and when; and those the trigger
    finds that enqueue or the sender would leave alone, and why. An idle rule's `planned`
    are the leads it enrolls at once (`now_count`); a date rule's, those whose date comes
    round in the next day (`next_day`). Leads are read while `time_left()` (by default
    for `READ_TIME`), one at least."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    time_left = time_left or for_seconds(READ_TIME)
    reading = _Reading()
    days: Counter[date] = Counter()
    if rule.idle is not None:
        found = _idle(deps, rule, rule.idle, settings, now)
    elif isinstance(rule.trigger, DateTrigger):
        found = _dated(deps, rule, rule.trigger, settings, now, time_left, reading, days)
    else:
        return Preview(now_count=0, planned=[], next_hour=0, next_day=0, fires="occurrence")
    planned: list[Planned] = []
    excluded: list[Excluded] = []
    later: list[datetime] = []
    card = settings.rate_card()
    costs: dict[str, list[float]] = defaultdict(list)
    skipped: Counter[str] = Counter()
    counted: dict[str, Contact] = {}
    for n, (found_contact, fires, enrollment) in enumerate(found):
        if n and not time_left():
            reading.complete = False
            break
        # Stopped as the contact under the other form of its number is: the same person.
        contact = with_other_form_stops(deps, found_contact)
        going = goes(deps, rule, enrollment, contact, now)
        if isinstance(going, str):
            skipped[going] += 1
            if len(excluded) < excluded_sample:
                excluded.append(Excluded(contact.id, contact.name, going))
            continue
        if fires > now:
            later.append(fires)
            if rule.idle is not None:
                continue  # counted: it joins when its silence crosses the idle time
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
        now_count=len(planned) if rule.idle is not None else 0,
        planned=planned[:sample],
        next_hour=sum(1 for at in later if at <= now + HOUR),
        next_day=len(later),
        estimated_cost_usd=sum(m.cost_usd for m in by_market),
        cost_by_market=by_market,
        skipped=dict(skipped),
        excluded=excluded,
        due_now=sum(1 for p in planned if p.send_at <= now),
        fires="idle" if rule.idle is not None else "date",
        complete=reading.complete,
        busiest=days.most_common(1)[0] if days else None,
    )


@dataclass
class _Reading:
    """Whether the preview read every lead the trigger finds in its time."""

    complete: bool = True


@dataclass(frozen=True)
class Crowd:
    """The most leads a date rule's date reaches on one day of the workspace's calendar,
    and that day (None: no lead's date is still to come)."""

    count: int
    day: date | None
    complete: bool
    """False when the funnel could not all be read in time: the counts are of those read."""


def busiest_day(
    deps: Deps, rule: Rule, trigger: DateTrigger, time_left: Callable[[], bool] | None = None
) -> Crowd:
    """The day on which `trigger`'s date comes round for the most leads of the funnel
    (`_dated`): the most `rule` would message on one day, however far off. Read while
    `time_left()` (by default for `READ_TIME`), a page at least."""
    settings = deps.catalog.settings()
    reading = _Reading()
    days: Counter[date] = Counter()
    time_left = time_left or for_seconds(READ_TIME)
    for _ in _dated(deps, rule, trigger, settings, deps.clock.now(), time_left, reading, days):
        pass  # the next day's leads: counted among the days
    busiest = days.most_common(1)
    day, count = busiest[0] if busiest else (None, 0)
    return Crowd(count, day, reading.complete)


def _idle(
    deps: Deps, rule: Rule, trigger: IdleTrigger, settings: WorkspaceSettings, now: datetime
) -> Iterator[Found]:
    """The leads whose silence crossed the idle time (within the lookback) or crosses it in
    the next day, and whom the conditions let in then."""
    idle = trigger.idle.approx()
    lookback = rule.lookback(settings.trigger_lookback.approx())
    for stage in trigger.stages or settings.stages:
        for contact_v in deps.contacts.quiet_contacts(
            stage, now - idle - lookback, now + DAY - idle
        ):
            contact = contact_v.item
            crosses = contact.quiet_since + idle
            if trigger.matches(contact) and rule.conditions.hold(contact, crosses, settings.zone):
                zone = contact.zone(settings.zone)
                yield contact, crosses, enroll(rule, trigger, contact, zone, now)


def _dated(
    deps: Deps,
    rule: Rule,
    trigger: DateTrigger,
    settings: WorkspaceSettings,
    now: datetime,
    time_left: Callable[[], bool],
    reading: _Reading,
    days: Counter[date],
) -> Iterator[Found]:
    """The leads of the funnel whose date comes round in the next day, and whom the
    conditions let in on it; counting in `days`, by the day of the workspace's calendar,
    those its date reaches from now on, however far off (`_reaches`)."""
    for contact in _funnel(deps, settings, time_left, reading):
        zone = contact.zone(settings.zone)
        due = trigger.due(contact.attributes, zone)
        if due is None or due <= now or not rule.conditions.hold(contact, due, settings.zone):
            continue  # a date past is not replayed
        if _reaches(deps, rule, contact):
            days[due.astimezone(settings.zone).date()] += 1
        if due <= now + DAY:  # a later one is counted, not previewed
            yield contact, due, date_enrollment(rule, trigger, contact, due, now, zone)


def _reaches(deps: Deps, rule: Rule, contact: Contact) -> bool:
    """Whether `rule` messages `contact` when its date comes round, as far as can be told
    ahead: not opted out, and talking to a number the rule sends from."""
    refused = deps.numbers.refusal(contact.phone_number_id, rule.numbers)
    return not contact.opted_out and refused is None


def _funnel(
    deps: Deps, settings: WorkspaceSettings, time_left: Callable[[], bool], reading: _Reading
) -> Iterator[Contact]:
    """The contacts of every stage of the funnel (a date has no index until its rule is
    on), read a page at a time while `time_left()` (a page at least); `reading` says
    whether time ran out first."""
    read = False
    for stage in settings.stages:
        after: str | None = None
        while True:
            if read and not time_left():
                reading.complete = False
                return
            page = deps.contacts.contacts_in(stage, BACKFILL_PAGE, after)
            read = True
            yield from page.items
            after = page.cursor
            if after is None:
                break


def _first_cost(
    deps: Deps, rule: Rule, contact: Contact, at: datetime, card: RateCard
) -> tuple[str, float]:
    """The contact's market and what the rule's first message to them at `at` would cost
    on the channel the sender would pick (`first_reachable`): by WhatsApp, the free text
    inside the window, else the template in its category; by SMS, its market's price for
    each part the text goes out as; by email, the price of one; nothing when it sends none.
    A WhatsApp message that cannot go (free text only, outside the window) costs what the
    next channel bills when the step goes on to it as undeliverable."""
    market = card.market_of(contact.wa_id or contact.user_id or "")
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
