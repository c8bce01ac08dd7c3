"""Items for the contract suite: follow-ups, enrollments and contacts at a fixed time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from followup.domain.contact import Contact
from followup.domain.enrollment import Enrollment
from followup.domain.followup import FollowUp, Status, StatusChange

T0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def followup(followup_id: str = "fu_1", **fields: Any) -> FollowUp:
    at = fields.pop("at", T0)
    values: dict[str, Any] = {
        "id": followup_id,
        "contact_id": "ct_1",
        "rule_id": "r",
        "rule_version": 1,
        "silence_key": at.isoformat(),
        "created_at": at,
        "scheduled_at": at,
        "wake_at": at,
        "history": [StatusChange(status=Status.QUEUED, at=at)],
    }
    values.update(fields)
    return FollowUp.model_validate(values)


def enrollment(enrollment_id: str = "en_1", **fields: Any) -> Enrollment:
    at = fields.pop("at", T0)
    values: dict[str, Any] = {
        "id": enrollment_id,
        "rule_id": "r",
        "rule_version": 1,
        "contact_id": "ct_1",
        "silence_key": at.isoformat(),
        "enrolled_at": at,
        "next_due_at": at,
        "gauged": True,
    }
    values.update(fields)
    return Enrollment.model_validate(values)


def contact(contact_id: str = "ct_1", **fields: Any) -> Contact:
    values: dict[str, Any] = {"id": contact_id, "stage": "new", "created_at": T0}
    values.update(fields)
    return Contact.model_validate(values)


def moved(item: FollowUp, status: Status, at: datetime = T0) -> FollowUp:
    """`item` in `status`, with the change in its history: stores keep whatever they are
    given, so these tests skip the domain's transition rules."""
    change = StatusChange(status=status, at=at)
    return item.model_copy(update={"status": status, "history": [*item.history, change]})
