"""One contact's progress through one version of one rule."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel


class EnrollmentState(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    EXITED = "exited"


class Enrollment(BaseModel):
    """`next_due_at` is set only while a step waits to be queued."""

    id: str
    rule_id: str
    rule_version: int
    contact_id: str
    silence_key: str
    enrolled_at: AwareDatetime
    step_index: int = 0
    repeat_index: int = 0
    sends: int = 0
    next_due_at: AwareDatetime | None = None
    state: EnrollmentState = EnrollmentState.ACTIVE
    exit_reason: str | None = None
