"""/api/tasks: counsellors' tasks, by assignee and status, soonest due first; and a
contact's tasks."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.api.auth import READERS, require
from followup.domain.errors import NotFound
from followup.domain.task import TaskPatch, TaskStatus
from followup.services import tasks
from followup.services.ports import TaskQuery
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools
Limit = Annotated[int, Query(ge=1, le=200)]


@router.get("/api/tasks")
def list_tasks(
    assignee: Annotated[str | None, Query(min_length=1)] = None,
    status: TaskStatus | None = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Open tasks before done ones, each soonest due first; filtered by assignee, status."""
    require(router.current_event.raw_event, READERS)
    page = runtime.deps().tasks.tasks(TaskQuery(assignee, status), limit, cursor)
    return {"tasks": [t.model_dump(mode="json") for t in page.items], "cursor": page.cursor}


@router.get("/api/tasks/<task_id>")
def get_task(task_id: str) -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    found = runtime.deps().tasks.task(task_id)
    if found is None:
        raise NotFound("task", task_id)
    return found.item.model_dump(mode="json")


@router.patch("/api/tasks/<task_id>")
def patch_task(task_id: str, patch: TaskPatch) -> dict[str, Any]:
    """Mark a task done or open again, hand it to someone else, or move its due time."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    return tasks.update_task(deps, task_id, patch, deps.clock.now()).model_dump(mode="json")


@router.get("/api/contacts/<contact_id>/tasks")
def contact_tasks(contact_id: str) -> dict[str, Any]:
    """The contact's tasks, newest first."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    if deps.contacts.contact(contact_id) is None:
        raise NotFound("contact", contact_id)
    return {"tasks": [t.model_dump(mode="json") for t in deps.tasks.tasks_of(contact_id)]}
