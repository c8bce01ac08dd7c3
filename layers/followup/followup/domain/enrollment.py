"""One contact's progress through one version of one rule."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, Field

from followup.domain.contact import Contact
from followup.domain.ids import enrollment_id
from followup.domain.rule import Rule


class EnrollmentState(StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    EXITED = "exited"


class Enrollment(BaseModel):
    """`next_due_at` is set only while a step waits to be queued.

    `held_at` is set while its rule is off: the due step waits for the rule to be
    turned on again instead of being queued.
    """

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
    sends: int = 0
    next_due_at: AwareDatetime | None = None
    state: EnrollmentState = EnrollmentState.ACTIVE
    exit_reason: str | None = None
    held_at: AwareDatetime | None = None

    @property
    def held(self) -> bool:
        return self.state is EnrollmentState.ACTIVE and self.held_at is not None

    def hold(self, at: datetime) -> Enrollment:
        """Held by a rule that is off; keeps its step."""
        return self.model_copy(update={"held_at": at})

    def resume(self, at: datetime) -> Enrollment:
        """Its rule is on again: the held step is due from `at`."""
        return self.model_copy(update={"held_at": None, "next_due_at": at})


def enroll(rule: Rule, contact: Contact, zone: ZoneInfo, now: datetime) -> Enrollment:
    """`contact` in `rule` for its current silence (one id per rule, contact and silence);
    the first step waits from the moment the silence crossed the rule's idle time."""
    trigger_at = contact.quiet_since + rule.trigger.idle.approx()
    return Enrollment(
        id=enrollment_id(rule.id, contact.id, contact.silence_key),
        rule_id=rule.id,
        rule_version=rule.version,
        contact_id=contact.id,
        silence_key=contact.silence_key,
        enrolled_at=now,
        next_due_at=rule.steps[0].wait.after(trigger_at, zone),
    )
