"""One entry of the audit log: who changed what (rules, settings, numbers) and when."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict


class AuditEntry(BaseModel):
    """`action` is a stable code (`rule.created`, `settings.updated`, `number.resumed`...);
    `before` and `after` summarise the change in a line each."""

    model_config = ConfigDict(defer_build=True)

    id: str
    at: AwareDatetime
    actor: str
    action: str
    target: str
    before: str | None = None
    after: str | None = None
