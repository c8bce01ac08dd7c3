"""Settling a follow-up that left `queued`. One that ends unsent frees its contact's pending
slot and ends its enrollment in the same transaction as its status; a sent one is written
alone, its contact and enrollment following from the follow-up stream."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, RenderedMessage, Status
from followup.services.planning import ended
from followup.services.ports import (
    Change,
    CommitRejected,
    ContactChange,
    EnrollmentChange,
    FollowUpChange,
)

if TYPE_CHECKING:
    from followup.domain.contact import Contact
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
    message: RenderedMessage,
    wamid: str,
    now: datetime,
) -> bool:
    """Sent: one conditional write of the follow-up, False when another worker settled it
    meanwhile. Its contact counts the send and its enrollment moves on from the follow-up
    stream (services.sent_stream): in one transaction with them, each item was billed
    twice."""
    settings = deps.catalog.settings()
    sent = claimed.sent(now, wamid, message, settings.expire_after.approx())
    try:
        deps.commit([FollowUpChange(sent, Status.SENDING)], now)
    except CommitRejected:
        return False
    return True


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
