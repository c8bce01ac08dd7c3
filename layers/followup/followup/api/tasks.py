"""/api/tasks: counsellors' tasks, by assignee and status, soonest due first; and a
contact's tasks."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.api.auth import READERS, require
from followup.domain.errors import NotFound
from followup.domain.task import Task, TaskPatch, TaskStatus, assignee_key
from followup.services import tasks
from followup.services.deps import Deps
from followup.services.ports import TaskQuery
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools
Limit = Annotated[int, Query(ge=1, le=200)]


def _shown(deps: Deps, found: list[Task]) -> list[dict[str, Any]]:
    """Each task with its lead's `contact_name` and `contact_number`, read in one batch
    (None for a lead no longer there)."""
    contacts = deps.contacts.contacts_by_ids(t.contact_id for t in found)
    rows = []
    for task in found:
        lead = contacts.get(task.contact_id)
        rows.append(
            task.model_dump(mode="json")
            | {
                "contact_name": lead.name if lead else None,
                "contact_number": (lead.wa_id or lead.phone) if lead else None,
            }
        )
    return rows


@router.get("/api/tasks")
def list_tasks(
    assignee: Annotated[str | None, Query(min_length=1)] = None,
    status: TaskStatus | None = None,
    limit: Limit = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Open tasks before done ones, each soonest due first; filtered by assignee, status;
    each with its lead's name and number."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    wanted = None if assignee is None else assignee_key(assignee)
    page = deps.tasks.tasks(TaskQuery(wanted, status), limit, cursor)
    return {"tasks": _shown(deps, page.items), "cursor": page.cursor}


@router.get("/api/tasks/<task_id>")
def get_task(task_id: str) -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    found = deps.tasks.task(task_id)
    if found is None:
        raise NotFound("task", task_id)
    return _shown(deps, [found.item])[0]


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
