"""Settling a follow-up that left `queued`: its contact's pending slot and its enrollment
move in the same transaction as its status."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.followup import FollowUp, Reason, RenderedMessage, Status
from followup.domain.gating import trim_recent
from followup.services.planning import after_send, ended
from followup.services.ports import (
    Change,
    CommitRejected,
    ContactChange,
    EnrollmentChange,
    FollowUpChange,
)

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

_COMMIT_TRIES = 5


def end_unsent(deps: Deps, followup: FollowUp, status: Status, reason: str, now: datetime) -> bool:
    """End a follow-up that was never (knowingly) sent: free the slot, end the enrollment."""
    final = followup.ended(status, now, reason)

    def free_slot(contact: Contact) -> Contact | None:
        if contact.pending_followup_id != followup.id:
            return None
        return contact.model_copy(update={"pending_followup_id": None, "pending_until": None})

    def exit_enrollment(enrollment: Enrollment, _contact: Contact) -> Enrollment:
        return ended(enrollment, reason, EnrollmentState.EXITED)

    return _commit_with_fresh_reads(deps, final, followup.status, now, free_slot, exit_enrollment)


def end_enrollment(deps: Deps, enrollment_id: str, reason: str, at: datetime) -> bool:
    """Exit one running enrollment, re-read by key on each try; False when it kept changing
    under us (it stays as it is), True when it is not running any more."""
    for _ in range(_COMMIT_TRIES):
        current = deps.followups.enrollment(enrollment_id)
        if current is None or current.item.state is not EnrollmentState.ACTIVE:
            return True
        exited = ended(current.item, reason, EnrollmentState.EXITED)
        try:
            deps.commit([EnrollmentChange(exited, current.revision, current.item)], at)
        except CommitRejected:
            continue
        return True
    return False


def record_sent(
    deps: Deps,
    claimed: FollowUp,
    rule: Rule,
    message: RenderedMessage,
    wamid: str,
    now: datetime,
) -> bool:
    """Sent: the contact's counters and slot, and the enrollment's next step, move with it."""
    settings = deps.catalog.settings()
    sent = claimed.sent(now, wamid, message, settings.expire_after.approx())

    def count_send(contact: Contact) -> Contact:
        update: dict[str, object] = {
            "followups_sent": contact.followups_sent + 1,
            "recent_sends": trim_recent([*contact.recent_sends, now], settings.gating, now),
            "last_outbound_at": now,
        }
        if contact.pending_followup_id == claimed.id:
            update |= {"pending_followup_id": None, "pending_until": None}
        return contact.model_copy(update=update)

    def next_step(enrollment: Enrollment, contact: Contact) -> Enrollment:
        try:
            return after_send(enrollment, rule, now, contact, settings, claimed.channel_index)
        except RULE_DATA_ERRORS as exc:
            # The message went out: record it, and end a sequence whose next step cannot be
            # planned rather than leave the send looking like an unknown outcome.
            sent = enrollment.model_copy(update={"sends": enrollment.sends + 1})
            return ended(sent, f"{Reason.RULE_ERROR.value}: {exc}", EnrollmentState.EXITED)

    return _commit_with_fresh_reads(deps, sent, Status.SENDING, now, count_send, next_step)


def _commit_with_fresh_reads(
    deps: Deps,
    followup: FollowUp,
    expected: Status,
    now: datetime,
    contact_update: Callable[[Contact], Contact | None],
    enrollment_update: Callable[[Enrollment, Contact], Enrollment],
) -> bool:
    """Commit the follow-up's move from `expected` with its contact and enrollment.

    Contact and enrollment are re-read on each try: a reply landing meanwhile changes the
    contact, and its write must not be lost. False when the follow-up itself had already
    moved (another worker settled it).
    """
    for _ in range(_COMMIT_TRIES):
        changes: list[Change] = [FollowUpChange(followup, expected)]
        contact_v = deps.contacts.contact(followup.contact_id)
        if contact_v is not None:
            updated = contact_update(contact_v.item)
            if updated is not None:
                changes.append(ContactChange(updated, contact_v.revision))
            enrollment_id = followup.enrollment_id
            enrollment_v = deps.followups.enrollment(enrollment_id) if enrollment_id else None
            if enrollment_v is not None and enrollment_v.item.state is EnrollmentState.ACTIVE:
                moved = enrollment_update(enrollment_v.item, contact_v.item)
                changes.append(EnrollmentChange(moved, enrollment_v.revision, enrollment_v.item))
        try:
            deps.commit(changes, now)
            return True
        except CommitRejected as rejected:
            if any(isinstance(change, FollowUpChange) for change in rejected.failed):
                return False
    raise CommitRejected([])
