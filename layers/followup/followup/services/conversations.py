"""Closing and reopening a conversation: by a user, another system's event, or a journey.

Closing writes the contact first, with its revision: every later step re-reads it (the
enqueue tick before it queues a step, the sender after it claims one), so a follow-up the
sweep below misses (an index that lags, a write racing it) still never goes. The sweep
then cancels the queued follow-ups and ends the running sequences of every rule that
does not send into closed conversations. Repeating a close repeats the sweep, so one
that stopped half-way is finished by the next.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Reason, Status
from followup.services.contacts import update_contact
from followup.services.late import enroll_late
from followup.services.settle import end_enrollment, end_unsent

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps

CONTACT = "contact"
"""Who reopened a conversation when a new message from the contact did."""
EVENT = "event"
"""Who closed or reopened a conversation when another system's event did."""


def journey(rule_id: str) -> str:
    """Who closed or reopened a conversation when a journey's action did."""
    return f"journey:{rule_id}"


def close_conversation(deps: Deps, contact_id: str, by: str, at: datetime) -> Contact:
    """Close the contact's conversation as of `at` (see `Contact.with_conversation`) and
    end what may not go into a closed one. Idempotent; NotFound for an unknown contact."""
    now = deps.clock.now()
    contact = update_contact(deps, contact_id, lambda c: c.with_conversation(False, at, by), now)
    if not contact.conversation_open:
        _end_sequences(deps, contact, now)
    return contact


def reopen_conversation(deps: Deps, contact_id: str, by: str, at: datetime) -> Contact:
    """Reopen the contact's conversation as of `at`; a rule whose idle time the current
    silence already passed enrolls it now. Idempotent; NotFound for an unknown contact."""
    now = deps.clock.now()
    contact = update_contact(deps, contact_id, lambda c: c.with_conversation(True, at, by), now)
    if contact.conversation_open:
        enroll_late(deps, contact, now)
    return contact


def _end_sequences(deps: Deps, contact: Contact, now: datetime) -> None:
    reason = Reason.CONVERSATION_CLOSED
    for followup in deps.followups.followups_of(contact.id):
        rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
        if followup.status.unsent and (rule is None or rule.closed_to(contact)):
            # False when it moved meanwhile: the sender re-reads the contact after claiming.
            end_unsent(deps, followup, Status.CANCELED, reason, now)
    for enrollment_v in deps.followups.enrollments_of(contact.id):
        enrollment = enrollment_v.item
        rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
        if enrollment.state is EnrollmentState.ACTIVE and (rule is None or rule.closed_to(contact)):
            # One that keeps changing under us is ended by the tick that next reads the
            # closed contact.
            end_enrollment(deps, enrollment.id, reason, now)
