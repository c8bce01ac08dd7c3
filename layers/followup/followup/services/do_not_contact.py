"""Do-not-contact: staff stop every follow-up to a contact; an admin may allow them again.

It sets the same opt-out the sender and every tick already honour, marked with who set
it. A contact's own STOP is marked `contact` and can never be undone here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import EnrollmentState
from followup.domain.errors import Conflict
from followup.domain.followup import Reason, Status
from followup.services.contacts import update_contact
from followup.services.conversations import CONTACT
from followup.services.late import enroll_late
from followup.services.settle import end_enrollment, end_unsent

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps


class OwnOptOut(Conflict):
    """The contact opted out themselves: only their own message can change that."""


def stop_contacting(deps: Deps, contact_id: str, by: str, at: datetime) -> Contact:
    """Mark the contact do-not-contact, cancel their queued follow-ups and end their running
    journeys (reason `canceled_by_staff`). Repeating it finishes a sweep that stopped."""

    def stopped(contact: Contact) -> Contact:
        if contact.opted_out:
            return contact
        return contact.model_copy(
            update={"opted_out": True, "opted_out_at": at, "opted_out_by": by}
        )

    contact = update_contact(deps, contact_id, stopped, at)
    reason = Reason.CANCELED_BY_STAFF
    for followup in deps.followups.followups_of(contact_id):
        if followup.status.unsent:
            # False when the sender claimed it first: it re-reads the contact and stops.
            end_unsent(deps, followup, Status.CANCELED, reason, at)
    for enrollment_v in deps.followups.enrollments_of(contact_id):
        if enrollment_v.item.state is EnrollmentState.ACTIVE:
            end_enrollment(deps, enrollment_v.item.id, reason, at)
    return contact


def allow_contacting(deps: Deps, contact_id: str, at: datetime) -> Contact:
    """Lift a do-not-contact set by staff; rules whose idle time the current silence passed
    enroll the contact now. Refused (OwnOptOut) when the contact opted out themselves."""

    def allowed(contact: Contact) -> Contact:
        if not contact.opted_out:
            return contact
        if contact.opted_out_by in (None, CONTACT):
            raise OwnOptOut(f"contact {contact_id} opted out themselves; only they can undo it")
        return contact.model_copy(
            update={"opted_out": False, "opted_out_at": None, "opted_out_by": None}
        )

    contact = update_contact(deps, contact_id, allowed, at)
    enroll_late(deps, contact, at)
    return contact
