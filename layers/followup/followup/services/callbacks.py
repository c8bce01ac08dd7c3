"""Follow-ups a reply asks for: a call back at the time named, or a nudge after "busy".

The rules with an intent trigger for the reply's intent give the content and the cadence:
the contact is enrolled in each (see `services.triggers`; one id per rule, contact and
message id, so a redelivered webhook enrolls once and two messages stamped the same second
twice) with its journey starting at the send opening on or after the time asked for (call
back, whatever its first step), or its first send after that step's wait (busy). The
enqueue tick queues it like any due step; a later reply ends it when the rule exits on
reply, a later call back in the same second too. A call back still to come (its step
waiting or queued) is the exception: only a reply that ends the follow-ups or asks for
another time ends it (see `Reading.keeps_call_back`), and a busy said meanwhile starts no
nudge.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.conversation import Direction, Scheduled
from followup.domain.enrollment import EnrollmentState
from followup.domain.ids import enrollment_id
from followup.domain.intent import Intent
from followup.domain.journey import next_opening
from followup.domain.rule import Step
from followup.domain.triggers import IntentTrigger
from followup.services import triggers
from followup.services.ports import CommitRejected, EnrollmentChange, FollowUpChange

if TYPE_CHECKING:
    from collections.abc import Iterable

    from followup.domain.contact import Contact
    from followup.domain.enrollment import Enrollment
    from followup.domain.replies import Reading
    from followup.domain.rule import Rule, Trigger
    from followup.services.deps import Deps

_ASKED_AMONG = 50
"""How many of the conversation's latest lines the message that asked for a call back is
looked for among, when its rule follows busy up too."""
SCHEDULED = "follow_up_scheduled"
"""The effect code of a message whose reading enrolled the contact in a follow-up."""
_TRIES = 5
"""How often a call back standing through a line is written again when a tick or the
sender moved it meanwhile."""
CALL_BACK_FIRST = timedelta(minutes=1)
"""How long after a call back still to come another rule's follow-up held back for it goes
at the soonest, when the workspace keeps no gap between messages (`Gating.min_gap`): the
call back goes first."""


def occurrence(message_id: str) -> str:
    """What the follow-ups of the message `message_id` (WhatsApp's `wamid`) are keyed on:
    the message itself, not its time, which WhatsApp gives to the whole second only."""
    return f"message:{message_id}"


def asked_by(enrollment: Enrollment, message_id: str) -> bool:
    """Whether `enrollment` is one the message `message_id` asked for."""
    own = enrollment_id(enrollment.rule_id, enrollment.contact_id, occurrence(message_id))
    return enrollment.id == own


def plan_follow_up(
    deps: Deps,
    reading: Reading,
    contact: Contact,
    message_id: str,
    at: datetime,
    now: datetime,
    stops: bool = False,
) -> tuple[Reading, list[Enrollment]]:
    """The enrollments `reading` of the message `message_id` asks for (none when no active
    rule follows its intent up, nor for a contact opted out or a message that `stops`
    messages: "call me tomorrow at 10, stop messaging me"), with the record's effect
    saying when each goes."""
    intent = reading.follow_up
    if intent is None:
        return reading, []
    if contact.opted_out or stops:
        return _with_effect(reading, "opted out: nothing scheduled", "opted_out"), []
    settings = deps.catalog.settings()
    asked = reading.record.at

    def fires(trigger: Trigger) -> bool:
        return isinstance(trigger, IntentTrigger) and trigger.fires_on_intent(intent)

    def first_due(rule: Rule, zone: ZoneInfo) -> datetime | None:
        """A call back's journey starts at the time asked, whatever its first step (a tag
        or a task before the message waits for it too); a first send goes at the opening
        after its wait. None: the journey's own timing stands."""
        if intent is Intent.CALL_BACK_AT and asked is not None:
            return next_opening(max(asked, now), contact, rule, settings)
        if not isinstance(rule.steps[0], Step):
            return None
        return next_opening(rule.send_step(0).wait.after(at, zone), contact, rule, settings)

    planned = triggers.plan(deps, contact, fires, occurrence(message_id), at, now, first_due)
    if not planned:
        return _with_effect(reading, f"no active rule follows up {intent.value}", "no_rule"), []
    if intent is Intent.BUSY and _call_back_to_come(deps, contact):
        effect = "a call back is still to come: nothing scheduled"
        return _with_effect(reading, effect, "call_back_pending"), []
    zone = contact.zone(settings.zone)
    scheduled = [
        Scheduled(rule_id=e.rule_id, local=_local(e.next_due_at or now, zone), zone=zone.key)
        for e in planned
    ]
    effect = "; ".join(
        f"follow-up {s.rule_id} at {s.local.replace('T', ' ')} {s.zone}" for s in scheduled
    )
    return _with_effect(reading, effect, SCHEDULED, scheduled=scheduled), planned


def still_to_come(deps: Deps, contact_id: str, enrollments: Iterable[Enrollment]) -> set[str]:
    """Of the contact's `enrollments`, the ids of the call backs still to come: running
    journeys a reply read as `call_back_at` asked for, which sent nothing yet and whose
    step waits to be queued or is queued. The message that asked is read only for a rule
    that follows busy up too; one no longer among the conversation's latest lines is not
    known."""
    fresh = [e for e in enrollments if _untouched(e) and _follows(deps, e, Intent.CALL_BACK_AT)]
    waiting = _waiting_or_queued(deps, contact_id, fresh)
    sure = {e.id for e in waiting if not _follows(deps, e, Intent.BUSY)}
    unsure = [e for e in waiting if e.id not in sure]
    if not unsure:
        return sure
    lines = deps.contacts.recent_messages(contact_id, _ASKED_AMONG)
    asked = [
        m.id
        for m in lines
        if m.direction is Direction.INBOUND
        and m.intent is not None
        and m.intent.intent is Intent.CALL_BACK_AT
    ]
    return sure | {e.id for e in unsure if any(asked_by(e, line) for line in asked)}


def booked_for(reading: Reading | None, planned: list[Enrollment]) -> datetime | None:
    """When the call back `reading` started goes (the latest of its journeys' starts), for
    the contact to note (`Contact.call_back_at`); None for any other reading, and for one
    that started none."""
    if reading is None or reading.follow_up is not Intent.CALL_BACK_AT:
        return None
    return max((e.next_due_at for e in planned if e.next_due_at is not None), default=None)


def after_call_back(
    deps: Deps, contact: Contact, rule: Rule, due: datetime, now: datetime
) -> datetime:
    """When a follow-up of `rule` due at `due` may go, a call back the lead asked for being
    still to come (nothing of it sent, its step waiting or queued): the least gap between
    messages (`Gating.min_gap`, `CALL_BACK_FIRST` at least) after the call back's time, as
    after any message the lead was sent, however far off the call back is: the lead asked
    to be left alone until then. `due` for a rule that follows call backs up, and when no
    call back is to come. The contact's journeys are read only while it notes a call back
    (`Contact.call_back_at`) that the follow-up would otherwise go before, or less than that
    gap after: most follow-ups read nothing more."""
    noted = contact.call_back_at
    if rule.calls_back or noted is None:
        return due
    gap = max(deps.catalog.settings().gating.min_gap.approx(), CALL_BACK_FIRST)
    if max(due, now) >= noted + gap:
        return due
    times = _to_come_at(deps, contact.id)
    return max(due, max(times) + gap) if times else due


def _to_come_at(deps: Deps, contact_id: str) -> list[datetime]:
    """When each call back still to come for the contact goes: its step's due time, or its
    queued follow-up's."""
    enrollments = [found.item for found in deps.followups.enrollments_of(contact_id)]
    coming = still_to_come(deps, contact_id, enrollments)
    times = {e.id: e.next_due_at for e in enrollments if e.id in coming and e.next_due_at}
    if len(times) < len(coming):
        for queued in deps.followups.followups_of(contact_id):
            journey = queued.enrollment_id
            if journey in coming and journey not in times and queued.status.unsent:
                times[journey] = queued.scheduled_at
    return list(times.values())


def _call_back_to_come(deps: Deps, contact: Contact) -> bool:
    """Whether a call back the contact asked for is still to come."""
    enrollments = (found.item for found in deps.followups.enrollments_of(contact.id))
    return bool(still_to_come(deps, contact.id, enrollments))


def stand_through(
    deps: Deps, contact_id: str, enrollment_id: str, placed: datetime, at: datetime
) -> None:
    """The call back `enrollment_id` stands through the contact's line placed at `placed`:
    it and its step's follow-up, if queued, answer only what the contact writes after it,
    so neither the tick nor the sender takes the line for a reply. Written together; a
    sender that claimed the follow-up meanwhile judges the line, as it does any reply."""
    for _ in range(_TRIES):
        found = deps.followups.enrollment(enrollment_id)
        if found is None or found.item.state is not EnrollmentState.ACTIVE:
            return
        enrollment = found.item
        queued = [
            FollowUpChange(f.heard_from(placed), f.status)
            for f in deps.followups.followups_of(contact_id)
            if f.enrollment_id == enrollment_id and f.status.unsent
        ]
        if enrollment.next_due_at is None and not queued:
            return  # the sender claimed its step: it judges the line
        change = EnrollmentChange(enrollment.heard_from(placed), found.revision, enrollment)
        try:
            deps.commit([change, *queued], at)
        except CommitRejected:
            continue
        return


def _untouched(enrollment: Enrollment) -> bool:
    """Whether `enrollment` runs and sent nothing yet."""
    return enrollment.state is EnrollmentState.ACTIVE and enrollment.last_sent_at is None


def _waiting_or_queued(
    deps: Deps, contact_id: str, enrollments: list[Enrollment]
) -> list[Enrollment]:
    """Of `enrollments`, those whose step waits to be queued or is queued, not yet claimed
    by the sender. The contact's follow-ups are read only when a step left its wait."""
    if all(e.next_due_at is not None for e in enrollments):
        return enrollments
    queued = {f.enrollment_id for f in deps.followups.followups_of(contact_id) if f.status.unsent}
    return [e for e in enrollments if e.next_due_at is not None or e.id in queued]


def _follows(deps: Deps, enrollment: Enrollment, intent: Intent) -> bool:
    """Whether `enrollment`'s rule follows `intent` up."""
    rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
    trigger = rule.trigger if rule is not None else None
    return isinstance(trigger, IntentTrigger) and trigger.fires_on_intent(intent)


def schedule(deps: Deps, planned: list[Enrollment], now: datetime) -> int:
    """Enroll once each; returns how many are new (none for a redelivered message)."""
    return len(triggers.commit(deps, planned, now))


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%dT%H:%M")


def _with_effect(
    reading: Reading, effect: str, code: str, scheduled: list[Scheduled] | None = None
) -> Reading:
    update = {"effect": effect, "effect_code": code, "scheduled": scheduled or []}
    return replace(reading, record=reading.record.model_copy(update=update))
