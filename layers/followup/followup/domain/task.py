"""A task for a counsellor: created by a journey's action, listed and closed in the API."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from followup.domain.localtime import Moment


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


def assignee_key(name: str) -> str:
    """How an assignee is stored and looked up: trimmed, an email in lower case, so the
    counsellor signed in as `sari@example.com` finds a task given to `Sari@Example.com `."""
    name = name.strip()
    return name.lower() if "@" in name else name


Assignee = Annotated[str, BeforeValidator(lambda v: assignee_key(v) if isinstance(v, str) else v)]
"""A counsellor's email or a team's name."""


class Task(BaseModel):
    """Something a person should do about a contact, by `due_at`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: str
    contact_id: str
    rule_id: str
    step: int = Field(description="the journey step that created it")
    title: str = Field(min_length=1, max_length=200)
    assignee: Assignee = Field(min_length=1, max_length=254)
    due_at: AwareDatetime
    priority: Priority = Priority.NORMAL
    status: TaskStatus = TaskStatus.OPEN
    created_at: AwareDatetime
    done_at: AwareDatetime | None = None


class TaskPatch(BaseModel):
    """What a person may change on a task; fields left out stay as they are."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    status: TaskStatus | None = None
    assignee: Assignee | None = Field(default=None, min_length=1, max_length=254)
    due_at: Moment | None = None

    def applied(self, task: Task, now: datetime) -> Task:
        """`task` with this patch applied; marking it done records when."""
        changes: dict[str, object] = {}
        if self.assignee is not None:
            changes["assignee"] = self.assignee
        if self.due_at is not None:
            changes["due_at"] = self.due_at
        if self.status is not None and self.status is not task.status:
            changes["status"] = self.status
            changes["done_at"] = now if self.status is TaskStatus.DONE else None
        return task.model_copy(update=changes)
