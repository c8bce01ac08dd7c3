"""A notification a journey sends out: a signed webhook or an event on the bus, kept
pending and retried with exponential backoff until it is delivered or given up."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

RETRY_BASE = timedelta(seconds=30)
MAX_ATTEMPTS = 8
"""30 s, 1, 2, 4 ... 32 minutes apart: at least an hour of tries, then it is given up."""


class Notification(BaseModel):
    """One delivery: to `webhook`, or to the bus as `detail_type`, of `payload`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    contact_id: str
    rule_id: str
    step: int
    created_at: AwareDatetime
    webhook: str | None = None
    detail_type: str | None = None
    payload: dict[str, str] = Field(default_factory=dict)
    attempts: int = 0
    next_attempt_at: AwareDatetime | None = Field(
        default=None, description="when to try (again); None once delivered or given up"
    )
    delivered_at: AwareDatetime | None = None
    last_error: str | None = None

    def body(self) -> dict[str, object]:
        """What is sent: the same document to a webhook and as the bus event's detail."""
        return {
            "id": self.id,
            "contact_id": self.contact_id,
            "rule_id": self.rule_id,
            "step": self.step,
            "time": self.created_at.isoformat(),
            "payload": self.payload,
        }

    def delivered(self, now: datetime) -> Notification:
        return self.model_copy(
            update={
                "attempts": self.attempts + 1,
                "delivered_at": now,
                "next_attempt_at": None,
                "last_error": None,
            }
        )

    def failed(self, error: str, now: datetime) -> Notification:
        """One more failed try: the next one after twice the last wait, or none after the
        last attempt."""
        attempts = self.attempts + 1
        later = now + RETRY_BASE * 2 ** (attempts - 1) if attempts < MAX_ATTEMPTS else None
        return self.model_copy(
            update={"attempts": attempts, "next_attempt_at": later, "last_error": error[:500]}
        )
