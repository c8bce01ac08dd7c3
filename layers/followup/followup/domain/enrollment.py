"""One contact's progress through one version of one rule."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from followup.domain.conditions import Facts
from followup.domain.contact import Contact
from followup.domain.followup import Reason
from followup.domain.ids import enrollment_id
from followup.domain.journey import DONE, Exit, due_at, ends_now, next_index
from followup.domain.rule import IdleTrigger, ReentryPolicy, Rule, Step
from followup.domain.stamps import stamps_after


class EnrollmentState(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    EXITED = "exited"


class Enrollment(BaseModel):
    """`next_due_at` is set only while a step waits to be queued.

    `held_at` is set while its rule is off: the due step waits for the rule to be
    turned on again instead of being queued.
    """

    model_config = ConfigDict(defer_build=True)

    id: str
    rule_id: str
    rule_version: int
    contact_id: str
    silence_key: str
    enrolled_at: AwareDatetime
    step_index: int = 0
    repeat_index: int = 0
    channel_index: int = Field(
        default=0, ge=0, description="the step's fallback channel due next (no reply in time)"
    )
    sends: int = Field(
        default=0,
        description="the steps' messages sent, what the rule's `max_sends` caps: one per step "
        "and repeat, whichever channels carried it",
    )
    next_due_at: AwareDatetime | None = None
    due_when_exited: AwareDatetime | None = Field(
        default=None,
        description="when its step was due as it exited: a journey staff resume (a stop "
        "lifted) keeps that time",
    )
    state: EnrollmentState = EnrollmentState.ACTIVE
    exit_reason: str | None = None
    held_at: AwareDatetime | None = None
    last_sent_at: AwareDatetime | None = None
    gauged: bool = Field(
        default=False,
        description="counted in its rule's gauges of contacts in it now: enrolled since "
        "they exist (one enrolled before leaves them untouched)",
    )

    @property
    def held(self) -> bool:
        return self.state is EnrollmentState.ACTIVE and self.held_at is not None

    def hold(self, at: datetime) -> Enrollment:
        """Held by a rule that is off; keeps its step."""
        return self.model_copy(update={"held_at": at})

    def resume(self, at: datetime) -> Enrollment:
        """Its rule is on again: the held step is due from `at`, or later when a move onto
        a new version while it was held timed it later (a longer wait after a send)."""
        due = at if self.next_due_at is None else max(at, self.next_due_at)
        return self.model_copy(update={"held_at": None, "next_due_at": due})

    def due_sooner(self, at: datetime) -> Enrollment:
        """Its waiting step is due at `at`, sooner than planned: the date it waits for moved."""
        return self.model_copy(update={"next_due_at": at})

    def heard_from(self, at: datetime) -> Enrollment:
        """Answering only what the contact writes after `at`: a line up to it that leaves the
        journey running (a thank-you after asking for a call back) is no reply to it."""
        began = datetime.fromisoformat(self.silence_key)
        moved = max(began, at).astimezone(UTC).isoformat()
        return self.model_copy(update={"silence_key": moved})

    def end(self, reason: str, state: EnrollmentState) -> Enrollment:
        due = self.next_due_at if state is EnrollmentState.EXITED else None
        update = {"state": state, "exit_reason": reason, "next_due_at": None}
        return self.model_copy(update={**update, "due_when_exited": due})

    def resumed(self, rule: Rule, contact: Contact, zone: ZoneInfo) -> Enrollment:
        """This journey, ended by staff in the contact's current silence, running again from
        the step it stood on, as an enrollment of its own: its id follows from this one's,
        so no step's follow-up (sent, or canceled with it) is planned twice and resuming it
        twice makes one. A step that went never goes again. The step is due as the journey
        timed it (`due_when_exited`, what its waits, branches and actions since the last
        send made it); for a journey ended before it kept that, a fallback channel or a
        repeat after the step's last send, any other step counted from the last send (or,
        before any, from the silence's crossing of `rule`'s idle time). One due already goes
        at the next tick."""
        again = self.model_copy(
            update={
                "id": enrollment_id(self.rule_id, self.contact_id, f"{self.id}/resumed"),
                "state": EnrollmentState.ACTIVE,
                "exit_reason": None,
                "held_at": None,
                "gauged": True,
                "due_when_exited": None,
            }
        )
        if self.due_when_exited is not None:
            return again.model_copy(update={"next_due_at": self.due_when_exited})
        sent, step = self.last_sent_at, rule.steps[self.step_index]
        if sent is not None and isinstance(step, Step):
            no_reply = step.fallback_when.no_reply_within
            if self.channel_index and no_reply is not None:
                return again.model_copy(update={"next_due_at": no_reply.after(sent, zone)})
            if self.repeat_index and step.repeat is not None:
                return again.model_copy(update={"next_due_at": step.repeat.every.after(sent, zone)})
        crossing = contact.quiet_since + rule.idle.idle.approx() if rule.idle else self.enrolled_at
        due = due_at(rule, self.step_index, sent or crossing, contact, zone)
        if isinstance(due, Exit):
            return again.end(due.reason, EnrollmentState.EXITED)
        return again.model_copy(update={"next_due_at": due})

    def arrive(
        self, rule: Rule, index: int, start: datetime, contact: Contact, zone: ZoneInfo
    ) -> Enrollment:
        """At step `index` from `start`, due when that step says; past the last step it
        completes, and a wait that cannot be timed (no such attribute) exits."""
        if index >= len(rule.steps):
            return self.end(DONE, EnrollmentState.COMPLETED)
        due = due_at(rule, index, start, contact, zone)
        if isinstance(due, Exit):
            return self.end(due.reason, EnrollmentState.EXITED)
        update = {"step_index": index, "repeat_index": 0, "next_due_at": due}
        return self.model_copy(update=update)

    def passed(self, rule: Rule, contact: Contact, zone: ZoneInfo, now: datetime) -> Enrollment:
        """Past its current step, one that sends nothing (a wait that ended, a branch, an
        action done): on to where it leads. Its successor starts when the step was due (a
        wait when it ended, an action when the send before it went), not at the tick that
        found it. A wait until a date attribute reads the date again first: moved later,
        the journey waits on for it (see `journey.ends_now`)."""
        if self.next_due_at is not None:
            ends = ends_now(rule, self.step_index, self.next_due_at, contact, zone)
            if isinstance(ends, Exit):
                return self.end(ends.reason, EnrollmentState.EXITED)
            if ends > self.next_due_at:
                return self.model_copy(update={"next_due_at": ends})
        # A reply WhatsApp stamped in the second of the last send may answer it.
        sent = self.last_sent_at
        since = self.enrolled_at if sent is None else stamps_after(sent)
        facts = Facts(now=now, zone=zone, since=since)
        index = next_index(rule, self.step_index, contact, facts)
        start = self.next_due_at if self.next_due_at is not None else now
        return self.arrive(rule, index, start, contact, zone)


def enroll(
    rule: Rule, idle: IdleTrigger, contact: Contact, zone: ZoneInfo, now: datetime
) -> Enrollment:
    """`contact` in `rule` (which fires on `idle`) for its current silence (one id per
    rule, contact and silence); the first step counts from the moment the silence crossed
    the rule's idle time."""
    trigger_at = contact.quiet_since + idle.idle.approx()
    silence, began = contact.silence_key, contact.quiet_since
    return enroll_on(rule, contact, silence, began, trigger_at, now, zone)


def enroll_on(
    rule: Rule,
    contact: Contact,
    occurrence: str,
    began: datetime,
    start: datetime,
    now: datetime,
    zone: ZoneInfo,
) -> Enrollment:
    """`contact` in `rule` for one occurrence of its trigger: one id per rule, contact and
    `occurrence`, so the same occurrence seen twice enrolls once. Its first step counts
    from `start`; a reply after `began` ends it when the rule exits on reply."""
    enrolled = Enrollment(
        id=enrollment_id(rule.id, contact.id, occurrence),
        rule_id=rule.id,
        rule_version=rule.version,
        contact_id=contact.id,
        silence_key=began.astimezone(UTC).isoformat(),
        enrolled_at=now,
        gauged=True,
    )
    return enrolled.arrive(rule, 0, start, contact, zone)


REENTRY_NEVER = "reentry_never"
REENTRY_COOLDOWN = "reentry_cooldown"
IN_JOURNEY = "in_journey"
SILENCE_PLAYED = "silence_played"
"""The contact already went through the rule's journey for this very silence (or
occurrence): the tick enrolls each once, so it does not play again."""


def served(candidate: Enrollment, past: Iterable[Enrollment]) -> str | None:
    """Why the tick starts no journey for `candidate` though the rule's re-entry policy
    lets it in: the contact's enrollment for this very silence (or occurrence) is stored
    already, and the tick enrolls each once. Once it ended, the silence is played
    (`silence_played`); once a step of it went, the contact is in that journey
    (`in_journey`), which goes on from there. One that has sent nothing yet (enrolled
    ahead of its crossing, or held while the rule was off) is the journey whose first
    message is still to go: None, as when none is stored."""
    for enrollment in past:
        if enrollment.id != candidate.id:
            continue
        if enrollment.state is not EnrollmentState.ACTIVE:
            return SILENCE_PLAYED
        if enrollment.sends or enrollment.last_sent_at is not None:
            return IN_JOURNEY
        return None
    return None


def reentry_refused(candidate: Enrollment, rule: Rule, past: Iterable[Enrollment]) -> str | None:
    """Why `rule`'s re-entry policy keeps `candidate` out, given the contact's enrollments
    so far (in any rule), or None. The cool-down counts from the contact's latest start in
    the rule. The candidate's own occurrence seen again is no re-entry: its write finds it;
    nor is an enrollment made ahead of a silence that broke before it crossed the idle
    time: the contact was never in the journey.

    A rule that fires on idle takes a contact once at a time, whatever its policy: a new
    silence (after a reply its journey goes on past, or a counsellor's message) while the
    contact's journey in the rule still runs is passed over (`in_journey`).

    Both are judged as of the silence's crossing of the idle time, when the candidate is
    read later than that (a rule saved again reads back over its lookback): a silence the
    cool-down or a running journey passed over then stays passed over, however long ago
    its journey ended. A journey that sent after the crossing was running then."""
    others = [e for e in past if e.rule_id == rule.id and e.id != candidate.id]
    as_of = _judged_at(candidate, rule)
    if rule.idle is not None and any(_ran_at(e, as_of) for e in others):
        return IN_JOURNEY
    reentry = rule.reentry
    if reentry.policy is ReentryPolicy.ALWAYS:
        return None
    starts = [e.enrolled_at for e in others if e.exit_reason != Reason.SILENCE_BROKEN]
    if not starts:
        return None
    if reentry.policy is ReentryPolicy.NEVER:
        return REENTRY_NEVER
    cooling = reentry.cooldown is not None and (as_of - max(starts) < reentry.cooldown.approx())
    return REENTRY_COOLDOWN if cooling else None


def _ran_at(enrollment: Enrollment, at: datetime) -> bool:
    """Whether `enrollment` runs now, or ran `at`: begun before and sent after it."""
    if enrollment.state is EnrollmentState.ACTIVE:
        return True
    sent = enrollment.last_sent_at
    return enrollment.enrolled_at < at and sent is not None and sent > at


def _judged_at(candidate: Enrollment, rule: Rule) -> datetime:
    """When `rule`'s re-entry policy judges `candidate`: as it is enrolled, or, for a rule
    that fires on idle, when its silence crossed the idle time, if that was earlier."""
    if rule.idle is None:
        return candidate.enrolled_at
    try:
        crossed = datetime.fromisoformat(candidate.silence_key) + rule.idle.idle.approx()
    except ValueError:
        return candidate.enrolled_at
    return min(candidate.enrolled_at, crossed)
