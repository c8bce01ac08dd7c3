"""Turning an enrollment's due step into a queued follow-up, and moving on after a send."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from followup.domain.contact import Contact
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Reason, Status, StatusChange
from followup.domain.gating import gate
from followup.domain.ids import followup_id
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.services.deps import Deps
from followup.services.ports import (
    Change,
    CommitRejected,
    ContactChange,
    EnrollmentChange,
    NewFollowUp,
    Versioned,
)

_A_MOMENT = timedelta(seconds=1)


class Outcome(StrEnum):
    QUEUED = "queued"
    SKIPPED = "skipped"
    DEFERRED = "deferred"
    EXITED = "exited"
    LOST_RACE = "lost_race"


def next_opening(
    due: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings
) -> datetime:
    """The first moment at or after `due` when this rule may message this contact."""
    if rule.send_anytime:
        return due
    window = rule.send_window or settings.send_window
    return window.next_opening(due, contact.zone(settings.zone))


def is_open(at: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings) -> bool:
    if rule.send_anytime:
        return True
    window = rule.send_window or settings.send_window
    return window.is_open(at, contact.zone(settings.zone))


def exit_reason(enrollment: Enrollment, contact: Contact, rule: Rule) -> Reason | None:
    """Why an enrollment must stop before its next send, if it must."""
    if contact.opted_out:
        return Reason.OPTED_OUT
    if rule.closed_to(contact):
        return Reason.CONVERSATION_CLOSED
    silence_began = datetime.fromisoformat(enrollment.silence_key)
    if rule.exit.on_reply and contact.replied_since(silence_began):
        return Reason.REPLIED
    if contact.stage in rule.exit.stages:
        return Reason.EXIT_STAGE
    return None


def ended(enrollment: Enrollment, reason: str, state: EnrollmentState) -> Enrollment:
    return enrollment.model_copy(
        update={"state": state, "exit_reason": reason, "next_due_at": None}
    )


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
    progressed = enrollment.model_copy(update={"sends": enrollment.sends + 1, "channel_index": 0})
    if rule.max_sends is not None and progressed.sends >= rule.max_sends:
        return ended(progressed, "max_sends", EnrollmentState.COMPLETED)
    tz = contact.zone(settings.zone)
    step = rule.steps[enrollment.step_index]
    no_reply = step.fallback_when.no_reply_within
    if no_reply is not None and channel_index + 1 < len(step.chain):
        return progressed.model_copy(
            update={"channel_index": channel_index + 1, "next_due_at": no_reply.after(sent_at, tz)}
        )
    if step.repeat and enrollment.repeat_index < step.repeat.times:
        return progressed.model_copy(
            update={
                "repeat_index": enrollment.repeat_index + 1,
                "next_due_at": step.repeat.every.after(sent_at, tz),
            }
        )
    if enrollment.step_index + 1 < len(rule.steps):
        following = rule.steps[enrollment.step_index + 1]
        return progressed.model_copy(
            update={
                "step_index": enrollment.step_index + 1,
                "repeat_index": 0,
                "next_due_at": following.wait.after(sent_at, tz),
            }
        )
    return ended(progressed, "sequence_done", EnrollmentState.COMPLETED)


def advance(
    deps: Deps,
    enrollment_v: Versioned[Enrollment],
    contact_v: Versioned[Contact],
    rule: Rule | None,
    now: datetime,
) -> tuple[Outcome, str | None]:
    """Queue the enrollment's due step at its next send opening, or end or defer it."""
    enrollment, contact = enrollment_v.item, contact_v.item
    settings = deps.catalog.settings()
    reason = Reason.RULE_DELETED if rule is None else exit_reason(enrollment, contact, rule)
    if reason is not None or rule is None:
        exited = ended(enrollment, reason or Reason.RULE_DELETED, EnrollmentState.EXITED)
        return _commit(
            deps, [EnrollmentChange(exited, enrollment_v.revision)], now, Outcome.EXITED, reason
        )
    fid = followup_id(
        enrollment.id, enrollment.step_index, enrollment.repeat_index, enrollment.channel_index
    )
    blocked = gate(contact, settings.gating, now)
    if blocked is not None:
        skipped = _followup(fid, enrollment, contact, now, now, Status.SKIPPED, blocked)
        exited = ended(enrollment, blocked, EnrollmentState.EXITED)
        changes: list[Change] = [
            NewFollowUp(skipped),
            EnrollmentChange(exited, enrollment_v.revision),
        ]
        return _commit(deps, changes, now, Outcome.SKIPPED, blocked)
    if not slot_free(deps, contact, fid):
        later = max(contact.pending_until or now, now) + _A_MOMENT
        deferred = enrollment.model_copy(update={"next_due_at": later})
        return _commit(
            deps, [EnrollmentChange(deferred, enrollment_v.revision)], now, Outcome.DEFERRED, None
        )
    scheduled = next_opening(max(enrollment.next_due_at or now, now), contact, rule, settings)
    queued = _followup(fid, enrollment, contact, now, scheduled, Status.QUEUED, None)
    holder = contact.model_copy(update={"pending_followup_id": fid, "pending_until": scheduled})
    waiting = enrollment.model_copy(update={"next_due_at": None})
    changes = [
        NewFollowUp(queued),
        ContactChange(holder, contact_v.revision),
        EnrollmentChange(waiting, enrollment_v.revision),
    ]
    return _commit(deps, changes, now, Outcome.QUEUED, None)


def _followup(
    fid: str,
    enrollment: Enrollment,
    contact: Contact,
    now: datetime,
    scheduled: datetime,
    status: Status,
    reason: str | None,
) -> FollowUp:
    waits = status is Status.QUEUED
    return FollowUp(
        id=fid,
        contact_id=contact.id,
        rule_id=enrollment.rule_id,
        rule_version=enrollment.rule_version,
        enrollment_id=enrollment.id,
        step_index=enrollment.step_index,
        repeat_index=enrollment.repeat_index,
        channel_index=enrollment.channel_index,
        silence_key=enrollment.silence_key,
        status=status,
        reason=reason,
        created_at=now,
        scheduled_at=scheduled,
        wake_at=scheduled if waits else None,
        history=[StatusChange(status=status, at=now, reason=reason)],
    )


def slot_free(deps: Deps, contact: Contact, fid: str) -> bool:
    """At most one pending follow-up per contact; a slot its holder no longer needs is free."""
    holder = contact.pending_followup_id
    if holder is None or holder == fid:
        return True
    pending = deps.followups.followup(holder)
    return pending is None or pending.status.terminal or pending.status.outbound


def _commit(
    deps: Deps, changes: list[Change], now: datetime, outcome: Outcome, reason: str | None
) -> tuple[Outcome, str | None]:
    """Commit; a lost race (a duplicate or a concurrent change) is left for the next tick."""
    try:
        deps.commit(changes, now)
    except CommitRejected as rejected:
        return Outcome.LOST_RACE, ",".join(type(change).__name__ for change in rejected.failed)
    return outcome, reason
