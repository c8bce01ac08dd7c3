"""What is scheduled next for a contact: the later steps of each journey it is in, with
when they fall due and, for a send, when the send window lets it go, in the lead's time.

Each step falls due as the engine works it out (`due_at`), from the moment the step before
it falls due (or the journey's queued send goes), on the first of its channels that may
reach the lead (the journey ends at a step none of them reaches, as the sender ends it). A
send's channels for no reply that may reach the lead follow it, each when the tick plans
it, the next step timed from the last of them (`upcoming_fallbacks`). A branch makes what
follows depend on what the contact does, so the list of a journey stops there, as it does
at a wait for a date the contact lacks (the journey would end). The list asks what the
enqueue tick asks, with the same checks: a journey the tick would end promises nothing, and
a first step a counsellor sent by hand is shown so, the journey going on from that send. A
send the caps would hold back is not promised, nor what follows it, and one they may put
off is marked so (`upcoming_caps`); nor is what follows the step whose message reaches the
rule's `max_sends`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import EnrollmentState
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.followup import FollowUp, Reason
from followup.domain.gating import messaged, step_spaced
from followup.domain.ids import followup_id
from followup.domain.journey import Exit, date_passed, due_at, must_stop, send_at
from followup.domain.rule import BranchStep, Step, WaitStep
from followup.domain.triggers import DateTrigger
from followup.services import reentry
from followup.services.callbacks import after_call_back
from followup.services.date_triggers import date_enrollment, date_rules, due_for, lets_in
from followup.services.number_pause import holder
from followup.services.other_form import with_other_form_stops
from followup.services.planning import (
    after_send,
    answered_since_send,
    claim,
    counts_toward_max_sends,
    deferred,
    first_channel,
    manual_send,
    past_answered,
    went_by_hand,
)
from followup.services.ports import EMAIL_HELD
from followup.services.upcoming_caps import Going, limit_full, may_defer, skipped, to_go
from followup.services.upcoming_fallbacks import for_no_reply, taken_from

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from zoneinfo import ZoneInfo

    from followup.domain.contact import Contact
    from followup.domain.enrollment import Enrollment
    from followup.domain.rule import AnyStep, Rule
    from followup.services.deps import Deps

SHOWN_STEPS = 5
"""Later steps listed per journey at most."""


@dataclass(frozen=True)
class Upcoming:
    """One step to come: `due` by the rule's waits, `at` when it happens (a send at the
    send window's next opening). None when the journey would end there instead. `held`:
    its rule is off; `by_hand`: a counsellor sent it by hand (or is sending it), `at` when;
    `paused`: a send a pause holds until sending resumes (the workspace's, that of the
    number it goes from when it goes by WhatsApp, or email's when it goes by email), and
    `email_paused` when the pause is email's: it goes once an admin resumes email;
    `may_defer`: what may put a send off at send time (`messaging_limit`, `warm_up`), or
    None; `starts`: the journey has not begun, its date comes round then."""

    rule_id: str
    rule_name: str
    step: int
    kind: str
    does: str
    due: datetime | None
    at: datetime | None
    zone: ZoneInfo
    held: bool
    by_hand: bool = False
    paused: bool = False
    email_paused: bool = False
    may_defer: str | None = None
    starts: bool = False

    def as_json(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "rule_name": self.rule_name,
            "step": self.step + 1,
            "kind": self.kind,
            "does": self.does,
            "due": self.due.isoformat() if self.due else None,
            "at": self.at.isoformat() if self.at else None,
            "local": self.at.astimezone(self.zone).isoformat() if self.at else None,
            "zone": self.zone.key,
            "held": self.held,
            "by_hand": self.by_hand,
            "paused": self.paused,
            "email_paused": self.email_paused,
            "may_defer": self.may_defer,
            "starts": self.starts,
        }


def upcoming(deps: Deps, contact: Contact) -> list[Upcoming]:
    """The next steps of every journey the contact is running, and of each an active date
    rule will begin for it, soonest first."""
    # Stopped as the contact under the other form of its number is: the same person.
    contact = with_other_form_stops(deps, contact)
    now = deps.clock.now()
    zone = contact.zone(deps.catalog.settings().zone)
    followups = list(deps.followups.followups_of(contact.id))
    queued = {f.rule_id: f.scheduled_at for f in followups if f.status.unsent and not f.manual}
    going = to_go(followups, now, lambda f: _calls_back(deps, f))
    full = limit_full(deps, now)
    found: list[Upcoming] = []
    enrollments = [read.item for read in deps.followups.enrollments_of(contact.id)]
    for enrollment in enrollments:
        rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
        if enrollment.state is EnrollmentState.ACTIVE and rule is not None:
            steps = _journey(deps, rule, enrollment, queued.get(rule.id), contact, now, going)
            found += [may_defer(deps, rule, shown, contact, full=full) for shown in steps]
    history = reentry.History(deps, contact.id, enrollments)
    for rule, steps in _to_begin(deps, contact, now, going, history):
        found += [may_defer(deps, rule, shown, contact, full=full) for shown in steps]
    last = datetime.max.replace(tzinfo=zone)
    return sorted(found, key=lambda u: (u.at or last, u.rule_name, u.step))


def _to_begin(
    deps: Deps, contact: Contact, now: datetime, going: list[Going], history: reentry.History
) -> Iterator[tuple[Rule, list[Upcoming]]]:
    """Each active date rule whose date for the contact is still to come, with the steps
    of the journey it would begin then (marked `starts`), when the tick would enroll the
    contact: the rule's conditions hold on the date, it sends from the contact's number,
    its re-entry policy lets it in (judged on its enrollments, `history`), and it is not
    in that journey already."""
    settings = deps.catalog.settings()
    zone = contact.zone(settings.zone)
    for rule, _ in date_rules(deps):
        trigger, due = rule.trigger, due_for(rule, contact, settings.zone)
        if not isinstance(trigger, DateTrigger) or due is None or due <= now:
            continue
        if not lets_in(deps, rule, contact, due):
            continue
        begun = date_enrollment(rule, trigger, contact, due, now, zone)
        if history.holds(begun) or history.refused(rule, begun) is not None:
            continue
        steps = _journey(deps, rule, begun, None, contact, now, going)
        yield rule, [replace(step, starts=True) for step in steps]


def _calls_back(deps: Deps, followup: FollowUp) -> bool:
    """Whether `followup` is a call back the lead asked for (its rule's version follows
    call backs up), which the caps let go."""
    rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
    return rule is not None and rule.calls_back


def _journey(
    deps: Deps,
    rule: Rule,
    enrollment: Enrollment,
    queued_at: datetime | None,
    contact: Contact,
    now: datetime,
    going: list[Going],
) -> list[Upcoming]:
    """The journey's next steps as the tick takes them: none where it ends the journey
    (`must_stop`: an opt-out, a reply, an exit stage), no fallback for no reply nor repeat
    of a send the lead wrote after (`planning.answered_since_send`: the journey goes on past
    the step's channels and repeats), none past the step whose message reaches the rule's
    `max_sends` (counted as `planning` counts: once per step, whichever channels carry it;
    that step's next channel still listed), none from the next send on
    where gating skips it (score, frequency cap: counting the sends `going` before it, and the
    journey's own listed before it), its due step sent by hand (or going) shown so,
    the journey timed on from that send (`planning.manual_send`, `after_send`), its due
    send put off while another follow-up of the contact holds the slot, and its sends
    marked held where the sender holds them: while the workspace is paused, while the
    number they go from is and they go by WhatsApp, or while email is and they go by
    email."""
    settings = deps.catalog.settings()
    zone = contact.zone(settings.zone)
    asked = max(enrollment.next_due_at or queued_at or now, now)
    stop = must_stop(contact, rule, enrollment.silence_key, settings, asked)
    if stop is not None and not stop.gated:
        return []
    if stop is not None and stop.reason is Reason.FREQUENCY_CAP:
        stop = None  # the cap is judged below, when each send goes (as the tick does)
    if stop is None and answered_since_send(rule, enrollment, contact):
        enrollment = past_answered(enrollment, rule, contact, settings)
        if enrollment.state is not EnrollmentState.ACTIVE:
            return []
    shown: list[Upcoming] = []
    step = rule.steps[enrollment.step_index]
    manual = None
    lead = contact  # as the step reads the last message sent to them
    if stop is None and enrollment.next_due_at is not None and isinstance(step, Step):
        manual = manual_send(deps, enrollment, contact)
        if manual is None:
            enrollment, pending = _after_pending(deps, enrollment, contact, now, rule)
            lead = contact if pending is None else messaged(contact, pending)
    number = deps.numbers.sender(contact.phone_number_id, rule.numbers)
    paused = deps.catalog.sending_paused(number) or deps.catalog.email_paused()
    if manual is not None:
        gone = went_by_hand(manual)
        went = gone or max(manual.scheduled_at, now)
        kind, does = _described(step)
        index, held = enrollment.step_index, enrollment.held
        by_hand = Upcoming(rule.id, rule.name, index, kind, does, went, went, zone, held, True)
        held_by = holder(deps, manual, contact, rule, number) if paused and gone is None else None
        shown.append(_paused(by_hand, held_by))
        enrollment = after_send(enrollment, rule, went, contact, settings)
        if enrollment.state is not EnrollmentState.ACTIVE:
            return shown

    def opening(due: datetime) -> datetime | None:
        """When a send due at `due` goes: the send window's opening from then, kept the
        least gap after the last message the lead was sent, and after a call back still to
        come (`callbacks.after_call_back`)."""
        gap = step_spaced(due, lead, settings.gating, rule, enrollment)
        waits = after_call_back(deps, contact, rule, gap, now)
        try:
            return send_at(waits, now, contact, rule, settings)
        except RULE_DATA_ERRORS:
            return None  # a window that never opens: the tick reports it on the rule

    steps = _steps(deps, rule, enrollment, queued_at, contact, opening, gated=stop is not None)
    sends = enrollment.sends
    if enrollment.next_due_at is None and counts_toward_max_sends(enrollment.channel_index):
        sends += 1  # the journey's queued send, counted as it goes
    for due, channel in steps:
        if _capped(rule, sends) and counts_toward_max_sends(channel):
            break  # the step that reached max_sends is past its channels: the journey ends
        at = due.due
        if at is not None and due.kind == "send":
            at = opening(at)
        if at is not None and due.kind == "send":
            if skipped(contact, going, settings.gating, at, asked=rule.calls_back):
                break  # gating skips the send, and the journey ends there
            going = [*going, Going(at, False, rule.calls_back)]
        if due.kind == "send" and counts_toward_max_sends(channel):
            sends += 1
        held_by = None
        if paused and due.kind == "send":
            held_by = _held(deps, rule, enrollment, contact, number, due.step, channel, now)
        shown.append(_paused(replace(due, at=at), held_by))
    return shown


def _paused(step: Upcoming, held_by: tuple[str, str] | None) -> Upcoming:
    """`step` marked as a pause holds it (`number_pause.holder`: why, and the name it is
    held under), saying so when the pause is email's."""
    if held_by is None:
        return step
    return replace(step, paused=True, email_paused=held_by[1] == EMAIL_HELD)


def _capped(rule: Rule, sends: int) -> bool:
    """Whether the journey sent the rule's `max_sends` steps' messages."""
    return rule.max_sends is not None and sends >= rule.max_sends


def _held(
    deps: Deps,
    rule: Rule,
    enrollment: Enrollment,
    contact: Contact,
    number: str,
    step: int,
    channel: int,
    now: datetime,
) -> tuple[str, str] | None:
    """Why a pause holds the send of step `step` from channel `channel` on and the name
    it is held under, as the sender judges it now (`number_pause.holder`), or None: the
    workspace's holds every send, the number's only one that goes by WhatsApp, email's
    only one that goes by email."""
    planned = FollowUp.planned(
        followup_id=followup_id(enrollment.id, step, 0, channel),
        contact_id=contact.id,
        rule_id=rule.id,
        rule_version=rule.version,
        silence_key=enrollment.silence_key,
        at=now,
        scheduled_at=now,
        step_index=step,
        channel_index=channel,
    )
    return holder(deps, planned, contact, rule, number)


def _after_pending(
    deps: Deps, enrollment: Enrollment, contact: Contact, now: datetime, rule: Rule
) -> tuple[Enrollment, datetime | None]:
    """The enrollment as the tick defers its due send while another follow-up of the
    contact, due no sooner, holds the contact's slot (`planning.claim`), and when that
    one goes (None when none holds it)."""
    due = enrollment.next_due_at
    fid = followup_id(
        enrollment.id, enrollment.step_index, enrollment.repeat_index, enrollment.channel_index
    )
    channel = first_channel(rule, enrollment)
    calls_back = rule.calls_back
    busy_until = claim(deps, contact, fid, now, channel=channel, calls_back=calls_back).busy_until
    if due is None or busy_until is None or busy_until < due:
        return enrollment, busy_until
    return deferred(enrollment, busy_until, now), busy_until


def _steps(
    deps: Deps,
    rule: Rule,
    enrollment: Enrollment,
    queued_at: datetime | None,
    contact: Contact,
    opening: Callable[[datetime], datetime | None],
    *,
    gated: bool,
) -> list[tuple[Upcoming, int]]:
    """The steps to come, as the tick takes them, each with the channel it goes from: a
    send's channels for no reply (`upcoming_fallbacks`) and its repeats before the next
    step, each timed from the send before it, from when that send goes (`opening` of its
    due time, as the tick times the next step from the real send). The enrollment's own
    step goes from the channel it stands at, every later one from its first. A send
    the sender passes by, a reminder before a date come by its opening, is not listed:
    the step after it is timed from when the rule meant it (`journey.date_passed`)."""
    number, repeat = enrollment.step_index, enrollment.repeat_index
    channel, held = enrollment.channel_index, enrollment.held
    zone = contact.zone(deps.catalog.settings().zone)
    if enrollment.next_due_at is not None:
        when: datetime | None = enrollment.next_due_at  # already holds this step's wait
        show = True
    elif queued_at is not None:
        when, show = queued_at, False  # the queued send is listed as such: what follows it
    else:
        return []
    shown: list[tuple[Upcoming, int]] = []
    while number < len(rule.steps) and len(shown) < SHOWN_STEPS:
        step = rule.steps[number]
        late = _late(rule, number, contact, zone, when, opening)
        if late is not None:
            # The sender passes it by, and the journey goes on from when it was meant.
            number, repeat, channel, show = number + 1, 0, 0, True
            if number < len(rule.steps):
                when = _due(rule, number, late, contact, zone)
            continue
        if show:
            if gated and isinstance(step, Step):
                break  # gating skips the send, and the journey ends there
            kind, does = _described(step)
            if isinstance(step, Step):
                taken = taken_from(deps, contact, step, channel)
                if taken is None:
                    break  # no channel reaches the lead: the sender ends the journey there
                channel = taken
                does = step.chain[channel]  # the channel passed on to, or waited on
            entry = Upcoming(rule.id, rule.name, number, kind, does, when, when, zone, held)
            shown.append((entry, channel))
            if isinstance(step, BranchStep) or when is None:
                break
        show = True
        if isinstance(step, Step) and when is not None:
            when = opening(when)
            fallbacks, goes_on = for_no_reply(deps, contact, step, channel, when, opening)
            for f in fallbacks:
                does = step.chain[f.channel]
                entry = Upcoming(rule.id, rule.name, number, "send", does, f.due, f.due, zone, held)
                shown.append((entry, f.channel))
            if not goes_on:
                break  # a channel for no reply reaches the lead on none: the journey ends
            when = fallbacks[-1].at if fallbacks else when
        channel = 0
        if isinstance(step, Step) and step.repeat and repeat < step.repeat.times:
            repeat += 1
            when = step.repeat.every.after(when, zone) if when is not None else None
            continue
        number, repeat = number + 1, 0
        if number < len(rule.steps) and when is not None:
            when = _due(rule, number, when, contact, zone)
    return shown[:SHOWN_STEPS]


def _late(
    rule: Rule,
    number: int,
    contact: Contact,
    zone: ZoneInfo,
    when: datetime | None,
    opening: Callable[[datetime], datetime | None],
) -> datetime | None:
    """When the rule meant step `number` to go, when it is a send due at `when` that goes
    no more at its opening (`journey.date_passed`: a reminder before a date that has come
    by then); None when it goes."""
    if not isinstance(rule.steps[number], Step) or when is None:
        return None
    at = opening(when)
    passed = date_passed(rule, number, contact, zone, at) if at is not None else None
    return passed.timed if passed is not None else None


def _due(
    rule: Rule, number: int, after: datetime, contact: Contact, zone: ZoneInfo
) -> datetime | None:
    """When step `number` is due after the step before it at `after`; None when the
    journey would end there (or the rule's own data is broken: the tick reports it)."""
    try:
        found = due_at(rule, number, after, contact, zone)
    except RULE_DATA_ERRORS:
        return None
    return None if isinstance(found, Exit) else found


def _described(step: AnyStep) -> tuple[str, str]:
    """(kind, what it does): the channel of a send, the action's name, how a wait ends."""
    if isinstance(step, Step):
        return "send", step.channel
    if isinstance(step, WaitStep):
        return "wait", "for" if step.for_ is not None else "until"
    if isinstance(step, BranchStep):
        return "branch", "branch"
    return "action", step.do
