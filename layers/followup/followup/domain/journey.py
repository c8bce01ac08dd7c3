"""One rule meeting one contact: whether its sequence must stop, when a step is due, and
where a step that sends nothing leads.

Enqueue, the sender and the preview ask these same questions; the answers live here once.
Pure: the enqueue tick applies actions through the services and stores where the
enrollment stands; this module only says whether, when and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from followup.domain.conditions import Facts, moved_moment, parse_moment
from followup.domain.contact import Contact
from followup.domain.durations import Duration
from followup.domain.followup import Reason
from followup.domain.gating import gate
from followup.domain.localtime import to_utc, utc
from followup.domain.phones import country_of
from followup.domain.policy import SendWindow
from followup.domain.rule import BranchStep, Rule, Step, WaitStep
from followup.domain.settings import WorkspaceSettings
from followup.domain.triggers import DateTrigger, EventTrigger

DONE = "sequence_done"
"""Why an enrollment that walked past its last step completed."""


@dataclass(frozen=True)
class Stop:
    """Why a rule's step must not go to a contact.

    `gated` when policy passes this one send by (a hot lead, a cap); otherwise the rule's
    exit conditions hold (opted out, a closed conversation the rule does not send into,
    replied since the silence began, an exit stage or event) or its goal (a stage, or an
    event since the silence began, or within the look-back before a date rule's date came
    round) was reached.
    """

    reason: Reason
    gated: bool


def must_stop(
    contact: Contact,
    rule: Rule,
    silence_key: str,
    settings: WorkspaceSettings,
    now: datetime,
    *,
    manual: bool = False,
) -> Stop | None:
    """Why the step of `rule` for the silence `silence_key` must not go now, or None."""
    if contact.opted_out:
        return Stop(Reason.OPTED_OUT, gated=False)
    if rule.closed_to(contact):
        return Stop(Reason.CONVERSATION_CLOSED, gated=False)
    if rule.exit.on_reply and contact.replied_since(datetime.fromisoformat(silence_key)):
        return Stop(Reason.REPLIED, gated=False)
    if not manual and broke_early(contact, rule, silence_key):
        return Stop(Reason.SILENCE_BROKEN, gated=False)
    if not manual and spoken_over(contact, rule):
        return Stop(Reason.SPEAKER_CHANGED, gated=False)
    if not manual and said_reached(contact, rule, now):
        return Stop(Reason.SAID_DONE, gated=False)
    since = events_since(rule, silence_key, settings.trigger_lookback.approx())
    reached = stage_ends(rule, contact.stage) or events_end(rule, contact, since)
    if reached is not None:
        return Stop(reached, gated=False)
    blocked = gate(contact, settings.gating, now, manual=manual, asked=rule.calls_back)
    return Stop(blocked, gated=True) if blocked is not None else None


def broke_early(contact: Contact, rule: Rule, silence_key: str) -> bool:
    """The silence `silence_key` of a rule that fires on idle ended (a message either way,
    a stage change) before it lasted the idle time. The tick enrolls a contact ahead of
    that moment, so such a trigger never came true and its steps must not go; a silence
    that ends later ends nothing here."""
    if rule.idle is None:
        return False
    began = datetime.fromisoformat(silence_key)
    return began < contact.quiet_since < began + rule.idle.idle.approx()


def spoken_over(contact: Contact, rule: Rule) -> bool:
    """A rule for conversations one side spoke last in (a lead left unanswered, a question
    of the counsellor's left unanswered) whose other side has spoken since: the conversation
    it was for moved on, and its steps must not go. A counsellor answering the lead ends the
    rule for unanswered leads, however long after its silence crossed; the engine's own
    follow-ups change nobody's turn."""
    idle = rule.idle
    return idle is not None and not idle.spoke_last(contact)


CLAIM_HOLDS = timedelta(days=14)
"""How long a stage the lead said they reached holds back the rules it would end, while
staff neither confirm it nor move the lead otherwise."""


def said_reached(contact: Contact, rule: Rule, now: datetime) -> bool:
    """The lead said they reached a stage that ends this rule's journeys ("I already paid"
    to a payment reminder that ends at `paid`), and staff have not moved their stage since,
    within `CLAIM_HOLDS`: the rule waits for staff to confirm it rather than ask the lead
    again for what they say is done. Once staff move the lead, to that stage or another,
    the stage decides; once the claim is older, the rule may ask again."""
    claim = contact.claimed_stage
    if claim is None or stage_ends(rule, claim.stage) is None or now - claim.at > CLAIM_HOLDS:
        return False
    moved = contact.stage_changed_at
    return moved is None or moved < claim.at


def stage_ends(rule: Rule, stage: str) -> Reason | None:
    """Why being in `stage` ends a journey in `rule`: its goal, an exit stage, or not."""
    if stage in rule.goal.stages:
        return Reason.GOAL
    return Reason.EXIT_STAGE if stage in rule.exit.stages else None


def event_ends(rule: Rule, name: str) -> Reason | None:
    """Why the custom event `name` ends a journey in `rule`: its goal, an exit, or not."""
    if name in rule.goal.events:
        return Reason.GOAL
    return Reason.EXIT_EVENT if name in rule.exit.events else None


def events_since(rule: Rule, silence_key: str, lookback: timedelta) -> datetime:
    """From when the contact's custom events end a journey in `rule` for the silence
    `silence_key`: when it began; for a date rule (whose silence begins as the date comes
    round) one look-back earlier, the same reach that lets a date just past still enroll.
    A payment made days before a renewal's reminder is for that renewal; one made for last
    year's is not."""
    began = datetime.fromisoformat(silence_key)
    return began - lookback if isinstance(rule.trigger, DateTrigger) else began


def after_start(rule: Rule, name: str, at: datetime, since: datetime) -> bool:
    """Whether the custom event `name` at `at` comes within the journey that began at
    `since`: after it, or at that very moment (a payment the bus stamped with its order's
    second), unless it is the event that started the journey."""
    started = isinstance(rule.trigger, EventTrigger) and rule.trigger.name == name
    return at > since or (at == since and not started)


def events_end(rule: Rule, contact: Contact, since: datetime) -> Reason | None:
    """Why the custom events the contact had after `since` (see `events_since`) end a
    journey in `rule`: its goal, an exit, or not. One heard before the journey started
    counts as well: the lead reached the goal in the silence (or date) it serves."""
    reasons = {
        event_ends(rule, name)
        for name, at in contact.events_at.items()
        if after_start(rule, name, at, since)
    }
    if Reason.GOAL in reasons:
        return Reason.GOAL
    return Reason.EXIT_EVENT if Reason.EXIT_EVENT in reasons else None


def send_at(
    due: datetime, now: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings
) -> datetime:
    """When a step due at `due` goes: never before `now`, at the send window's next opening
    (business hours, blackout days and holidays in the contact's zone)."""
    return next_opening(max(due, now), contact, rule, settings)


def next_opening(
    due: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings
) -> datetime:
    """The first moment at or after `due` when this rule may message this contact."""
    if rule.send_anytime:
        return due
    return window(contact, rule, settings).next_opening(due, contact.zone(settings.zone))


def is_open(at: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings) -> bool:
    """Whether this rule may message this contact at `at`."""
    if rule.send_anytime:
        return True
    return window(contact, rule, settings).is_open(at, contact.zone(settings.zone))


def window(contact: Contact, rule: Rule, settings: WorkspaceSettings) -> SendWindow:
    """The send window this rule meets for this contact: the rule's hours, else the
    workspace's, with the workspace's holidays, of the country calendars only those of the
    contact's country (from their number or user id; all of them when it is unknown)."""
    meets = rule.window(settings.send_window)
    if not meets.holiday_countries:  # the numbering plan loads only where a calendar is named
        return meets
    addresses = (contact.wa_id, contact.phone, contact.user_id)
    return meets.for_country(next(filter(None, map(country_of, addresses)), None))


@dataclass(frozen=True)
class Exit:
    """The journey cannot go on for this contact, and why."""

    reason: str


def due_at(
    rule: Rule, index: int, start: datetime, contact: Contact, zone: ZoneInfo
) -> datetime | Exit:
    """When the step at `index` is due for an enrollment that reached it at `start`:
    a send after its wait, a wait when it ends, a branch or an action at once."""
    step = rule.steps[index]
    if isinstance(step, Step):
        return step.wait.after(start, zone)
    if isinstance(step, WaitStep):
        return wait_ends(step, start, contact, zone)
    return utc(start)


def wait_ends(step: WaitStep, start: datetime, contact: Contact, zone: ZoneInfo) -> datetime | Exit:
    """The moment a wait that began at `start` ends, in the contact's zone."""
    if step.for_ is not None:
        return step.for_.after(start, zone)
    if step.until_time is not None:
        return next_time_of_day(start, step.until_time, zone)
    name = step.until_attribute or ""
    text = contact.attributes.get(name)
    if text is None:
        return Exit(f"attribute_missing:{name}")
    moment = parse_moment(text, zone)
    if moment is None:
        return Exit(f"attribute_invalid:{name}")
    offset = step.offset or Duration.of(0, "days")
    target = moved_moment(text, offset, step.before, zone)
    if target is None:  # moved, or read in UTC, out of the calendar's years
        return Exit(f"attribute_invalid:{name}")
    if target is not None and target >= start:
        return target
    if step.before and moment < start:
        return Exit(f"attribute_passed:{name}")
    return utc(start)


@dataclass(frozen=True)
class Passed:
    """A message of a reminder `before` a date that would go once the date has come, and
    why it goes no more (`attribute_passed:<name>`, as a `before` wait's date passed).
    `timed` is when the rule meant it to go: the journey goes on from there, so its steps
    for the date itself still go when the rule times them."""

    reason: str
    timed: datetime


def timed_from_date(rule: Rule, index: int, contact: Contact, zone: ZoneInfo) -> datetime | None:
    """When the step at `index` of a date rule goes as the rule times it from the date:
    the trigger's moment, then each step's wait after the step before it, in the rule's
    order, as if each went on time (a send the send window or a pause puts off is still
    the message its step's timing says). None for another rule, a date the contact lacks,
    or a wait that would end the journey first."""
    trigger = rule.trigger
    if not isinstance(trigger, DateTrigger):
        return None
    timed = trigger.due(contact.attributes, zone)
    for number in range(index + 1):
        if timed is None:
            return None
        found = due_at(rule, number, timed, contact, zone)
        timed = None if isinstance(found, Exit) else found
    return timed


def date_passed(
    rule: Rule, index: int, contact: Contact, zone: ZoneInfo, now: datetime
) -> Passed | None:
    """Whether the send of step `index` comes too late at `now`: its rule reminds `before`
    a date, times the step before that date (`timed_from_date`), and the date has come in
    the contact's zone (`DateTrigger.passed`): "your payment is due tomorrow" put off by a
    weekend past the due date. A step the rule times on the date or after it ("renews
    today", a day after "renews in a week") goes: that is when its author meant it."""
    trigger = rule.trigger
    if not isinstance(trigger, DateTrigger) or not trigger.before:
        return None
    timed = timed_from_date(rule, index, contact, zone)
    if timed is None or not trigger.passed(contact.attributes, zone, now, timed):
        return None
    return Passed(f"attribute_passed:{trigger.attribute}", timed)


def still_for_the_date(rule: Rule, contact: Contact, zone: ZoneInfo, now: datetime) -> bool:
    """Whether a rule reminding `before` a date that has come still has a message for the
    contact: a send it times on the date or after it, on a day not over yet in the
    contact's zone. A customer written on their renewal day still hears "renews today";
    one written the day after hears nothing of yesterday's."""
    today = now.astimezone(zone).date()
    for index, step in enumerate(rule.steps):
        if not isinstance(step, Step):
            continue
        timed = timed_from_date(rule, index, contact, zone)
        late = date_passed(rule, index, contact, zone, now) is not None
        if timed is not None and not late and timed.astimezone(zone).date() >= today:
            return True
    return False


def ends_now(
    rule: Rule, index: int, planned: datetime, contact: Contact, zone: ZoneInfo
) -> datetime | Exit:
    """When the step at `index`, timed to end at `planned`, ends as the contact stands now.
    A wait until a date attribute reads the date again: a date moved later moves its end
    later, and one gone or unreadable (or, for a `before` wait, passed) ends the journey as
    it would have when the wait began; any other step ends as planned."""
    step = rule.steps[index]
    if not isinstance(step, WaitStep) or step.until_attribute is None:
        return planned
    return wait_ends(step, planned, contact, zone)


def ends_sooner(
    rule: Rule, index: int, planned: datetime, contact: Contact, zone: ZoneInfo, now: datetime
) -> datetime | None:
    """When the step at `index`, timed to end at `planned`, ends sooner, its date having
    been moved earlier by `now`: a wait until a date attribute ends at the new moment, or
    at `now` when that has passed or is no longer a moment to wait for (the tick reads the
    date again then, as for any wait that ends). None: it ends as planned (another step,
    or a date moved later, which the tick finds when the wait ends: see `ends_now`)."""
    step = rule.steps[index]
    if not isinstance(step, WaitStep) or step.until_attribute is None:
        return None
    ends = wait_ends(step, now, contact, zone)
    sooner = now if isinstance(ends, Exit) else ends
    return sooner if sooner < planned else None


def next_time_of_day(start: datetime, hhmm: str, zone: ZoneInfo) -> datetime:
    """The first moment at or after `start` whose wall clock in `zone` reads `hhmm` (a time
    a DST gap skips reads as the same time after the jump: 02:30 becomes 03:30; in an hour
    that happens twice only the first counts, so a wait never ends twice in one night)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    day = start.astimezone(zone).date()
    for _ in range(3):
        found = to_utc(datetime.combine(day, time(hour, minute)), zone)
        if found >= start:
            return found
        day += timedelta(days=1)
    raise ValueError(f"no {hhmm} after {start.isoformat()} in {zone.key}")


def next_index(rule: Rule, index: int, contact: Contact, facts: Facts) -> int:
    """Where a step that sends nothing leads: a branch to its target, others onward."""
    step = rule.steps[index]
    if not isinstance(step, BranchStep):
        return index + 1
    if step.if_ is None or step.if_.holds(contact, facts):
        return step.then
    return index + 1 if step.else_ is None else step.else_
