"""Turning an enrollment's due step into a queued follow-up, and moving on after a send."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.gating import step_spaced
from followup.domain.ids import followup_id, manual_followup_id
from followup.domain.journey import must_stop, send_at
from followup.domain.rule import Step
from followup.domain.stamps import may_follow
from followup.services.callbacks import after_call_back
from followup.services.other_form import with_other_form_stops
from followup.services.ports import (
    EMAIL_HELD,
    Change,
    CommitRejected,
    EnrollmentChange,
    FollowUpChange,
    NewEnrollment,
    NewFollowUp,
    Slot,
    SlotChange,
    Versioned,
)
from followup.services.stats import sent_again

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from followup.domain.channels import Channel
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

_A_MOMENT = timedelta(seconds=1)
SENT_BY_HAND = "sent_by_hand"
"""A counsellor sent the rule's first step by hand (send-now) in this silence: the rule
does not send it again."""
COUNTED_WITHIN = timedelta(minutes=15)
"""How long a sent follow-up keeps its contact's slot while the contact does not count it
yet: the follow-up stream applies it within a minute or so; past this it is taken to be
stuck, and the contact is not held up for it any longer."""
CLAIM_LEASE = timedelta(minutes=15)
"""How long a slot taken for a follow-up not written yet stays taken: the planner that took
it writes the follow-up next, within the same invocation (no Lambda runs longer than
15 minutes); past this it died first, and the slot is free."""


class Outcome(StrEnum):
    QUEUED = "queued"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    EXITED = "exited"
    LOST_RACE = "lost_race"
    STEPPED = "stepped"
    """Went through steps that send nothing (waits that ended, branches, actions)."""


def moved(enrollment_v: Versioned[Enrollment], to: Enrollment) -> Change:
    """The write that moves the enrollment to `to`: an insert for one not stored yet
    (revision 0, enrolled in the same commit as its first step), else a change of the
    revision read."""
    if enrollment_v.revision == 0:
        return NewEnrollment(to)
    return EnrollmentChange(to, enrollment_v.revision, enrollment_v.item)


def after_send(
    enrollment: Enrollment,
    rule: Rule,
    sent_at: datetime,
    contact: Contact,
    settings: WorkspaceSettings,
    channel_index: int = 0,
) -> Enrollment:
    """The enrollment once its current step went out (on the step's `channel_index`-th
    channel): its next fallback channel, the next repeat, next step, or done."""
    progressed = _went_out(enrollment, sent_at).model_copy(update={"channel_index": 0})
    tz = contact.zone(settings.zone)
    step = rule.send_step(enrollment.step_index)
    no_reply = step.fallback_when.no_reply_within
    if no_reply is not None and channel_index + 1 < len(step.chain):
        return progressed.model_copy(
            update={"channel_index": channel_index + 1, "next_due_at": no_reply.after(sent_at, tz)}
        )
    return _onward(progressed, rule, sent_at, contact, tz)


def _went_out(enrollment: Enrollment, sent_at: datetime) -> Enrollment:
    """The enrollment once its current step's message went at `sent_at`. A step's message
    counts one send of `max_sends` whichever channels carried it, as the stats count it:
    counted as it first goes, on the channel the step was planned on, it counts nothing
    more when the step then goes on a later channel (no reply came, or WhatsApp reported
    that first send failed). A step sent on its next channel without waiting for a reply,
    or sent again after a policy error or a rate limit, is a follow-up of no enrollment:
    it moves none."""
    counted = 1 if counts_toward_max_sends(enrollment.channel_index) else 0
    return enrollment.model_copy(
        update={"sends": enrollment.sends + counted, "last_sent_at": sent_at}
    )


def counts_toward_max_sends(channel_index: int) -> bool:
    """Whether a step's send on its `channel_index`-th channel counts one of `max_sends`:
    only on the channel the step was planned on, a later channel carrying the same
    message."""
    return channel_index == 0


def _onward(
    enrollment: Enrollment,
    rule: Rule,
    sent_at: datetime,
    contact: Contact,
    tz: ZoneInfo,
    *,
    again: bool = True,
) -> Enrollment:
    """Past the current step's channels, timed from its send at `sent_at`: done when the
    journey sent its `max_sends` steps' messages, else its next repeat (unless not `again`),
    else the next step."""
    if rule.max_sends is not None and enrollment.sends >= rule.max_sends:
        return enrollment.end("max_sends", EnrollmentState.COMPLETED)
    step = rule.send_step(enrollment.step_index)
    if again and step.repeat and enrollment.repeat_index < step.repeat.times:
        return enrollment.model_copy(
            update={
                "repeat_index": enrollment.repeat_index + 1,
                "next_due_at": step.repeat.every.after(sent_at, tz),
            }
        )
    return enrollment.arrive(rule, enrollment.step_index + 1, sent_at, contact, tz)


def past_fallbacks(
    enrollment: Enrollment, rule: Rule, contact: Contact, settings: WorkspaceSettings
) -> Enrollment:
    """The enrollment past its step's remaining channels, as after its last: the next
    repeat or step, timed from the step's send."""
    sent_at = enrollment.last_sent_at or enrollment.enrolled_at
    back = enrollment.model_copy(update={"channel_index": 0})
    return _onward(back, rule, sent_at, contact, contact.zone(settings.zone))


def past_answered(
    enrollment: Enrollment, rule: Rule, contact: Contact, settings: WorkspaceSettings
) -> Enrollment:
    """The enrollment past its step's remaining channels and repeats, the lead having
    answered the step: the next step, timed from the step's last send."""
    sent_at = enrollment.last_sent_at or enrollment.enrolled_at
    back = enrollment.model_copy(update={"channel_index": 0})
    return _onward(back, rule, sent_at, contact, contact.zone(settings.zone), again=False)


def past_date(
    enrollment: Enrollment,
    rule: Rule,
    timed: datetime,
    contact: Contact,
    settings: WorkspaceSettings,
) -> Enrollment:
    """The enrollment past its step's channels and repeats, a reminder before a date that
    has come (`journey.date_passed`): the next step, timed from when the rule meant the
    step to go, so a step for the date itself goes when the rule times it."""
    back = enrollment.model_copy(update={"channel_index": 0})
    return _onward(back, rule, timed, contact, contact.zone(settings.zone), again=False)


def answered_since_send(rule: Rule, enrollment: Enrollment, contact: Contact) -> bool:
    """The due send follows on the step's own last send, the lead wrote after that send,
    and so there is nothing to follow on: the step on its next channel waiting for "no
    reply within" the send, or the step sent again (`repeat`: until the contact replies,
    in a rule whose journey a reply does not end)."""
    sent_at = enrollment.last_sent_at
    if sent_at is None or contact.last_inbound_at is None:
        return False
    if enrollment.channel_index > 0:
        step = rule.send_step(enrollment.step_index)
        follows = step.fallback_when.no_reply_within is not None
    else:
        follows = enrollment.repeat_index > 0
    return follows and may_follow(contact.last_inbound_at, sent_at)


def advance(
    deps: Deps,
    enrollment_v: Versioned[Enrollment],
    contact_v: Versioned[Contact],
    rule: Rule | None,
    now: datetime,
    *,
    guess_slot: bool = False,
) -> tuple[Outcome, str | None]:
    """Queue the enrollment's due step at its next send opening, or end or defer it
    (`guess_slot`: see `claim`)."""
    if rule is None:
        return _exit(deps, enrollment_v, Reason.RULE_DELETED, now)
    # Stopped as the contact under the other form of its number is: the same person.
    enrollment, contact = enrollment_v.item, with_other_form_stops(deps, contact_v.item)
    settings = deps.catalog.settings()
    stop = must_stop(contact, rule, enrollment.silence_key, settings, now)
    if stop is not None and not stop.gated:
        return _exit(deps, enrollment_v, stop.reason, now)
    fid = followup_id(
        enrollment.id, enrollment.step_index, enrollment.repeat_index, enrollment.channel_index
    )
    if stop is not None and stop.reason is Reason.FREQUENCY_CAP:
        # The cap counts the sends of the day before the step goes: one the least gap, a
        # call back or the send window puts off (after hours, a holiday) may find it free
        # by then.
        going = _going(deps, enrollment, contact, rule, now)[-1]
        stop = must_stop(contact, rule, enrollment.silence_key, settings, going)
    if stop is not None:
        skipped = _followup(fid, enrollment, contact, now, now, stop.reason)
        exited = enrollment.end(stop.reason, EnrollmentState.EXITED)
        changes: list[Change] = [NewFollowUp(skipped), moved(enrollment_v, exited)]
        return _commit(deps, changes, now, Outcome.SKIPPED, stop.reason)
    if answered_since_send(rule, enrollment, contact):
        onward = past_answered(enrollment, rule, contact, settings)
        return _commit(deps, [moved(enrollment_v, onward)], now, Outcome.SKIPPED, Reason.REPLIED)
    by_hand = sent_by_hand(deps, enrollment, contact)
    if by_hand is not None:
        went = after_send(enrollment, rule, by_hand, contact, settings)
        return _commit(deps, [moved(enrollment_v, went)], now, Outcome.SKIPPED, SENT_BY_HAND)
    channel = first_channel(rule, enrollment)
    claimed = claim(
        deps, contact, fid, now, guess=guess_slot, channel=channel, calls_back=rule.calls_back
    )
    if claimed.busy_until is not None:
        return _wait_for_slot(deps, enrollment_v, claimed.busy_until, now, held=claimed.held)
    due, gap, waits, scheduled = _going(deps, enrollment, contact, rule, now)
    # Due once the gap is kept: a wider window never brings it sooner than that.
    note = Reason.CALL_BACK_PENDING if waits > gap else Reason.SPACED if gap > due else None
    queued = _followup(fid, enrollment, contact, now, scheduled, None, waits, note)
    if enrollment.channel_index:
        queued = queued.model_copy(update={"follows_on": _follows_on(deps, enrollment)})
    # Taken at the clock's time, not the tick's (a retried tick runs hours after it).
    taken = Slot(contact.id, fid, scheduled, deps.clock.now(), claimed.keeps)
    slot = SlotChange(taken, claimed.revision)
    return _queue(deps, enrollment_v, slot, queued, now, rule, contact)


def _going(
    deps: Deps, enrollment: Enrollment, contact: Contact, rule: Rule, now: datetime
) -> tuple[datetime, datetime, datetime, datetime]:
    """When the enrollment's due step goes, each thing that may put it off applied in turn:
    its due time, then the least gap after the last message, then a call back the lead
    asked for, then the send window (the time it is queued for)."""
    settings = deps.catalog.settings()
    due = max(enrollment.next_due_at or now, now)
    gap = step_spaced(due, contact, settings.gating, rule, enrollment)
    waits = after_call_back(deps, contact, rule, gap, now)
    return due, gap, waits, send_at(waits, now, contact, rule, settings)


def _follows_on(deps: Deps, enrollment: Enrollment) -> bool:
    """Whether the step the enrollment sends on a later channel already went on an earlier
    one, and that send stands (no reply came to it): this one follows on it. One that went
    in place of a send WhatsApp reported failed (`fell_back`) is the step's send."""
    for index in range(enrollment.channel_index):
        fid = followup_id(enrollment.id, enrollment.step_index, enrollment.repeat_index, index)
        earlier = deps.followups.followup(fid)
        if earlier is not None and earlier.sent_at is not None and not sent_again(earlier):
            return True
    return False


def _wait_for_slot(
    deps: Deps,
    enrollment_v: Versioned[Enrollment],
    busy_until: datetime,
    now: datetime,
    *,
    held: bool = False,
) -> tuple[Outcome, str | None]:
    """Put the step off while another follow-up holds the contact's slot, to the first
    tick after the holder is settled: sent, or ended unsent by whatever path (a cancel
    from the queue, a reply, an exit). The step stays due, so every tick asks
    again, and is written only once the holder's time comes before the next tick: due
    then a moment after it (`deferred`), as it goes if the holder goes on time; and when
    it is not stored yet (inserted due). A holder `held` for its paused number has no
    time (it goes once the number is resumed): the step is not written while it waits,
    beyond that insert. Each tick the holder waits costs the waiting enrollment's entry
    in the `due` index, its contact, the slot and the holder, read again
    (docs/storage.md)."""
    enrollment = enrollment_v.item
    soonest = max(busy_until, now) + _A_MOMENT
    due = enrollment.next_due_at
    if not held and soonest <= deps.timings.horizon(now) and (due is None or due < soonest):
        waits = deferred(enrollment, busy_until, now)
        return _commit(deps, [moved(enrollment_v, waits)], now, Outcome.DEFERRED, None)
    if enrollment_v.revision == 0:
        return _commit(deps, [NewEnrollment(enrollment)], now, Outcome.DEFERRED, None)
    return Outcome.DEFERRED, None


def deferred(enrollment: Enrollment, busy_until: datetime, now: datetime) -> Enrollment:
    """The enrollment as seen going while the contact's slot is busy: due a moment after
    the follow-up holding it is (or now, if that is past), the soonest its step may go
    while the holder keeps the slot to its time (`_wait_for_slot`)."""
    return enrollment.model_copy(update={"next_due_at": max(busy_until, now) + _A_MOMENT})


def _queue(
    deps: Deps,
    enrollment_v: Versioned[Enrollment],
    slot: SlotChange,
    queued: FollowUp,
    now: datetime,
    rule: Rule,
    contact: Contact,
) -> tuple[Outcome, str | None]:
    """Queue `queued` in three conditional writes, each alone (one transaction of the
    three was billed twice), in the order that keeps the promises whatever dies or races
    between them:

    1. The contact's slot, on the revision read; lost: someone took it, nothing written.
       A slot naming a follow-up not written is taken for `CLAIM_LEASE` (this planner
       writes it next), then free: a planner that died here holds up nobody for longer,
       and its own step, planned again, takes the slot back (`claim`).
    2. The follow-up, if its id is free. The id is the step's own, so one already there
       is this step planned before, by a tick that died before step 3 or a concurrent
       one: still unsent, it is taken as written; sent or being sent for an enrollment
       not stored yet, the enrollment is inserted behind it (`_enrolled_behind`: the
       sender took it before this step was enrolled); else (ended) this lost the race.
    3. The enrollment, moved on to wait for it, on the revision read (inserted, for one
       enrolled with its first step). Lost: a reply, an exit, an admin or a concurrent
       tick changed it first. If that ended the journey, the follow-up is ended with the
       journey's reason; if the journey runs on, it keeps the follow-up (a concurrent
       tick moved it on already, its next tick takes it as in 2., or it is held and the
       follow-up still goes out).
    A process that dies after 3. lost, before ending the follow-up, leaves it queued for
    a journey that ended: the sender re-reads the enrollment and ends it unsent then
    (services.send). Until then it holds the slot, as a queued follow-up does."""
    try:
        deps.commit([slot], now)
    except CommitRejected:
        return Outcome.LOST_RACE, SlotChange.__name__
    written = _written(deps, queued, now)
    if written is not None and enrollment_v.revision == 0 and _taken_by_sender(written):
        return _enrolled_behind(deps, enrollment_v.item, written, rule, contact, now)
    if written is None or not written.status.unsent:
        return Outcome.LOST_RACE, NewFollowUp.__name__
    waiting = moved(enrollment_v, enrollment_v.item.model_copy(update={"next_due_at": None}))
    try:
        deps.commit([waiting], now)
    except CommitRejected:
        _end_if_journey_ended(deps, written, now)
        return Outcome.LOST_RACE, type(waiting).__name__
    return Outcome.QUEUED, None


def _written(deps: Deps, queued: FollowUp, now: datetime) -> FollowUp | None:
    """`queued` as stored: written now, or earlier (still unsent, or sent or ended
    meanwhile); None when its id is taken and nothing is found under it."""
    try:
        deps.commit([NewFollowUp(queued)], now)
    except CommitRejected:
        return deps.followups.followup(queued.id)
    return queued


def _taken_by_sender(followup: FollowUp) -> bool:
    """The sender took `followup`: it is being sent, or went out."""
    return followup.status is Status.SENDING or followup.sent_at is not None


def _enrolled_behind(
    deps: Deps,
    enrollment: Enrollment,
    taken: FollowUp,
    rule: Rule,
    contact: Contact,
    now: datetime,
) -> tuple[Outcome, str | None]:
    """Enroll `enrollment`, not stored yet, behind its step's follow-up `taken`, which a
    tick that died before enrolling it wrote, and the sender took since (the tick workflow
    dispatches whatever enqueue did): inserted waiting for it, as that tick would have
    left it, then moved on past it once it went, as the follow-up stream does for a send
    (which, applied while nothing was enrolled, moved nothing). The follow-up is read
    again after the insert, so a send recorded meanwhile moves it on too, and one that
    ended without going meanwhile ends it, with its reason, as the sender would have;
    one the stream or the sender moved first is left as it is. Entered once, counted as
    queued."""
    waiting = enrollment.model_copy(update={"next_due_at": None})
    try:
        deps.commit([NewEnrollment(waiting)], now)
    except CommitRejected:
        return Outcome.LOST_RACE, NewEnrollment.__name__
    went = deps.followups.followup(taken.id) or taken
    if went.sent_at is not None:
        onward = past_send(deps, waiting, went, went.sent_at, contact, rule)
    elif went.status.terminal:
        onward = waiting.end(went.reason or went.status.value, EnrollmentState.EXITED)
    else:
        return Outcome.QUEUED, None
    with suppress(CommitRejected):
        deps.commit([EnrollmentChange(onward, 1, waiting)], went.sent_at or now)
    return Outcome.QUEUED, None


def past_send(
    deps: Deps,
    enrollment: Enrollment,
    sent: FollowUp,
    sent_at: datetime,
    contact: Contact,
    rule: Rule | None,
) -> Enrollment:
    """The enrollment past the send of `sent`, its current step, at `sent_at`: its next
    step, or ended when none can be planned. The steps after it come from `rule`, the
    enrollment's version, which a migration may have moved on since the follow-up was
    written."""
    went = _went_out(enrollment, sent_at)
    if rule is None:
        return went.end(Reason.RULE_DELETED, EnrollmentState.EXITED)
    settings = deps.catalog.settings()
    try:
        return after_send(enrollment, rule, sent_at, contact, settings, sent.channel_index)
    except RULE_DATA_ERRORS as exc:
        # The message went out: record it, and end a sequence whose next step cannot be
        # planned rather than leave it waiting for nothing.
        return went.end(f"{Reason.RULE_ERROR.value}: {exc}", EnrollmentState.EXITED)


def _end_if_journey_ended(deps: Deps, followup: FollowUp, now: datetime) -> None:
    """End `followup` unsent, with the reason its enrollment ended for, if it did; unless
    it moved on meanwhile (the sender took it, and re-reads the enrollment)."""
    reason = journey_ended(deps, followup)
    if reason is None:
        return
    canceled = followup.ended(Status.CANCELED, now, reason)
    with suppress(CommitRejected):
        deps.commit([FollowUpChange(canceled, followup.status)], now)


def journey_ended(deps: Deps, followup: FollowUp) -> str | None:
    """Why the journey `followup` was planned for ended, read consistently; None while it
    runs (or for a follow-up of no journey)."""
    return why_ended(journey_of(deps, followup))


def journey_of(deps: Deps, followup: FollowUp) -> Enrollment | None:
    """The enrollment `followup` was planned for, read consistently; None for a follow-up
    of no journey."""
    if followup.enrollment_id is None:
        return None
    found = deps.followups.enrollment(followup.enrollment_id)
    return found.item if found is not None else None


def why_ended(enrollment: Enrollment | None) -> str | None:
    """Why `enrollment` ended; None while it runs, or for none."""
    if enrollment is None or enrollment.state is EnrollmentState.ACTIVE:
        return None
    return enrollment.exit_reason or enrollment.state.value


def sent_by_hand(deps: Deps, enrollment: Enrollment, contact: Contact) -> datetime | None:
    """When a counsellor's send of the enrollment's due step by hand in its silence went,
    or may have (`manual_send`); None if there is none, it ended without going, or it is
    still to go. One still to go, or sent and not counted yet, holds the contact's slot, so
    the step waits for it and asks again."""
    found = manual_send(deps, enrollment, contact)
    return went_by_hand(found) if found is not None else None


def manual_send(deps: Deps, enrollment: Enrollment, contact: Contact) -> FollowUp | None:
    """A counsellor's send of the enrollment's due step by hand in its silence (send-now
    sends a rule's first step) that keeps the rule from sending it: sent, of unknown
    outcome, or still to go (queued or in flight); None if there is none, or it ended
    without going. Read only when the contact notes a send by hand in the silence (or
    counts a send since it began: one noted before contacts noted them)."""
    if (enrollment.step_index, enrollment.repeat_index, enrollment.channel_index) != (0, 0, 0):
        return None
    began = datetime.fromisoformat(enrollment.silence_key)
    noted, counted = contact.manual_at, contact.last_outbound_at
    if (noted is None or noted < began) and (counted is None or counted <= began):
        return None
    _, found = tries_by_hand(deps, enrollment.rule_id, contact.id, enrollment.silence_key)
    if found is None or ended_without_going(found):
        return None
    return found


MANUAL_TRIES = 5
"""Sends by hand of one rule in one silence: pressing send now after one that ended
without going (failed before WhatsApp took it, canceled, skipped) makes the next try, up
to this many."""


def tries_by_hand(
    deps: Deps, rule_id: str, contact_id: str, silence_key: str
) -> tuple[int, FollowUp | None]:
    """The newest try of a send by hand of the rule in the silence, and its number; (0,
    None) when there is none. A try follows only one that ended without going, so the
    tries are read in order up to the first that did not (one read when there is one)."""
    newest: tuple[int, FollowUp | None] = (0, None)
    for attempt in range(MANUAL_TRIES):
        found = deps.followups.followup(
            manual_followup_id(rule_id, contact_id, silence_key, attempt)
        )
        if found is None:
            break
        newest = (attempt, found)
        if not ended_without_going(found):
            break
    return newest


def ended_without_going(manual: FollowUp) -> bool:
    """A send by hand that ended and never reached the lead, nor may have."""
    return manual.status.terminal and went_by_hand(manual) is None


def went_by_hand(manual: FollowUp) -> datetime | None:
    """When the manual send `manual` went to the lead, or may have: sent (whatever came of
    it), or claimed with an outcome not known (the provider may have taken it, and a send
    is never repeated blindly), whether WhatsApp may still tell or it was given up. None
    while it is still to go, and once it ended without going (canceled, opted out,
    skipped, failed before the provider took it)."""
    if manual.sent_at is not None:
        return manual.sent_at
    unknown = manual.status in (Status.SENDING, Status.FAILED)
    if not unknown or manual.reason != Reason.OUTCOME_UNKNOWN:
        return None
    return manual.claimed_at or manual.history[-1].at


def _exit(
    deps: Deps, enrollment_v: Versioned[Enrollment], reason: Reason, now: datetime
) -> tuple[Outcome, str | None]:
    exited = enrollment_v.item.end(reason, EnrollmentState.EXITED)
    return _commit(deps, [moved(enrollment_v, exited)], now, Outcome.EXITED, reason)


def _followup(
    fid: str,
    enrollment: Enrollment,
    contact: Contact,
    now: datetime,
    scheduled: datetime,
    skipped: str | None,
    due: datetime | None = None,
    note: str | None = None,
) -> FollowUp:
    """The enrollment's step planned at `now` for `scheduled` (put off from `due` by the
    send window when later), or skipped, saying why; `note` says why it is queued later
    than its step fell due (`Reason.SPACED`)."""
    return FollowUp.planned(
        followup_id=fid,
        contact_id=contact.id,
        rule_id=enrollment.rule_id,
        rule_version=enrollment.rule_version,
        silence_key=enrollment.silence_key,
        at=now,
        scheduled_at=scheduled,
        due=due,
        enrollment_id=enrollment.id,
        step_index=enrollment.step_index,
        repeat_index=enrollment.repeat_index,
        channel_index=enrollment.channel_index,
        note=note,
        skipped=skipped,
    )


def commit_passing_slot(
    deps: Deps, changes: list[Change], replaced: FollowUp, by: FollowUp, at: datetime
) -> None:
    """Commit `changes`, which write `by` in the place of `replaced` (its step on another
    channel, or sent again), with the contact's slot passed on from `replaced` to `by`
    while `replaced` holds it: `by` is the contact's one pending follow-up, and another
    rule's step waits for it. When another follow-up holds the slot, or takes it
    meanwhile, `changes` are committed alone, as they were before the slot existed.
    Raises CommitRejected when `changes` are refused."""
    taken = deps.contacts.slot(replaced.contact_id)
    if taken is None or taken.item.holder == replaced.id:
        slot = Slot(by.contact_id, by.id, by.scheduled_at, held=taken.item.held if taken else None)
        with suppress(CommitRejected):
            deps.commit([SlotChange(slot, taken.revision if taken else 0), *changes], at)
            return
    deps.commit(changes, at)


def first_channel(rule: Rule, enrollment: Enrollment) -> Channel | None:
    """The channel the enrollment's due step is tried on first; None when its step sends
    nothing, or names no channel at its place (a rule's data changed under it)."""
    step = rule.steps[enrollment.step_index] if enrollment.step_index < len(rule.steps) else None
    if not isinstance(step, Step) or enrollment.channel_index >= len(step.chain):
        return None
    return step.chain[enrollment.channel_index]


@dataclass(frozen=True)
class Claim:
    """What `claim` found: `busy_until` (None when the slot is free), the slot's
    `revision` to take it on, whether what keeps it is `held` for its paused number (when
    it goes is not known), and the held WhatsApp follow-up the slot `keeps` once taken."""

    busy_until: datetime | None
    revision: int = 0
    held: bool = False
    keeps: str | None = None


def claim(
    deps: Deps,
    contact: Contact,
    fid: str,
    now: datetime,
    *,
    guess: bool = False,
    channel: Channel | None = None,
    calls_back: bool = False,
) -> Claim:
    """At most one pending follow-up per contact. While another follow-up needs the
    contact's slot: when that one is scheduled (`Claim.busy_until`). Else the slot's
    revision, for a SlotChange that fails if anyone takes it meanwhile, and the held
    follow-up the slot keeps once taken.

    A number's pause is WhatsApp's: a WhatsApp follow-up held for its paused number keeps
    the slot from a step tried first on WhatsApp (or on a `channel` not given), not from
    one on SMS or email. That one takes the slot and goes, the slot keeping the held one
    (`Slot.held`): until it has gone or ended, WhatsApp steps still wait for it, and once
    the number is resumed it goes, beside the other if that is still pending.

    A slot its holder no longer needs (sent, ended, never written, handed over with its
    answer lost), or held by `fid` itself, is free, so nothing has to give it back; one
    taken ahead of writing its holder is held for `CLAIM_LEASE` meanwhile (see `_queue`).

    With `guess`, a contact never sent a follow-up is taken to have no slot, unread (a
    tick then reads no item beyond the contacts the index hands over). A wrong guess (its
    earlier follow-ups all ended unsent) only loses the commit, which writes the slot on
    the condition that there is none: the caller plans again without guessing.

    A holder sent but not yet counted on the contact (its bookkeeping follows from the
    follow-up stream, services.sent_stream) still holds the slot, for `COUNTED_WITHIN` at
    most: the next follow-up is planned against a contact that counts every send before
    it, so the frequency and cold caps see them all.

    A call back the lead asked for (`calls_back`) takes the slot from another rule's
    follow-up still queued: the sender holds that one back until after the call back
    (`callbacks.after_call_back`), so it must not keep the call back waiting behind it."""
    if guess and contact.followups_sent == 0:
        return Claim(None)
    taken = deps.contacts.slot(contact.id)
    if taken is None:
        return Claim(None)
    slot = taken.item
    kept = deps.followups.followup(slot.held) if slot.held and slot.held != fid else None
    held = kept if kept is not None and _needs_slot(contact, kept, now, "whatsapp") else None
    if held is not None and channel in (None, "whatsapp"):
        return Claim(held.scheduled_at, held=held.held_by is not None)
    keeps = held.id if held is not None else None
    if slot.holder == fid:
        return Claim(None, taken.revision, keeps=keeps)
    pending = deps.followups.followup(slot.holder)
    if pending is None:
        leased = slot.taken_at is not None and deps.clock.now() - slot.taken_at < CLAIM_LEASE
        return Claim(slot.until) if leased else Claim(None, taken.revision, keeps=keeps)
    if calls_back and _gives_way(deps, pending):
        return Claim(None, taken.revision, keeps=keeps)
    if _needs_slot(contact, pending, now, channel):
        # When it goes now: the sender may have put it off since it took the slot.
        return Claim(pending.scheduled_at, held=pending.held_by is not None)
    if pending.held_by is not None and not _settled(pending):
        keeps = pending.id  # held for its paused number: WhatsApp steps still wait for it
    return Claim(None, taken.revision, keeps=keeps)


def _gives_way(deps: Deps, pending: FollowUp) -> bool:
    """Whether `pending`, holding the contact's slot, gives it to a call back: queued (not
    yet taken by the sender, nor held for its paused number), not sent by hand, and of a
    rule that does not follow call backs up."""
    if pending.status is not Status.QUEUED or pending.held_by is not None or pending.manual:
        return False
    rule = deps.catalog.rule(pending.rule_id, pending.rule_version)
    return rule is not None and not rule.calls_back


def _settled(followup: FollowUp) -> bool:
    return followup.status.terminal or followup.status.outbound


def _needs_slot(
    contact: Contact, pending: FollowUp, now: datetime, channel: Channel | None
) -> bool:
    """Whether `pending`, holding the contact's slot, keeps it from a step tried first on
    `channel`."""
    answer_lost = pending.reason == Reason.OUTCOME_UNKNOWN  # never sent again
    if not (pending.status.terminal or pending.status.outbound or answer_lost):
        # Held by a paused number, it keeps only WhatsApp steps waiting; held while email
        # is paused, every step (it goes once email is resumed).
        held_by = pending.held_by
        return held_by in (None, EMAIL_HELD) or channel in (None, "whatsapp")
    sent_at = pending.sent_at
    return (
        sent_at is not None
        and sent_at not in contact.recent_sends
        and now - sent_at < COUNTED_WITHIN
    )


def _commit(
    deps: Deps, changes: list[Change], now: datetime, outcome: Outcome, reason: str | None
) -> tuple[Outcome, str | None]:
    """Commit; a lost race (a duplicate or a concurrent change) is left for the next tick."""
    try:
        deps.commit(changes, now)
    except CommitRejected as rejected:
        return Outcome.LOST_RACE, ",".join(type(change).__name__ for change in rejected.failed)
    return outcome, reason
