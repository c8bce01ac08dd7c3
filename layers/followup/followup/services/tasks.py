"""Tasks as people change them: read, patched, written back unless someone was first."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.errors import KeptChanging, NotFound

if TYPE_CHECKING:
    from followup.domain.task import Task, TaskPatch
    from followup.services.deps import Deps

_TRIES = 3


def update_task(deps: Deps, task_id: str, patch: TaskPatch, now: datetime) -> Task:
    """Apply `patch` to the task; NotFound if it does not exist, Conflict if others keep
    changing it."""
    for _ in range(_TRIES):
        found = deps.tasks.task(task_id)
        if found is None:
            raise NotFound("task", task_id)
        changed = patch.applied(found.item, now)
        if changed == found.item or deps.tasks.save_task(changed, found.revision):
            return changed
    raise KeptChanging(f"task {task_id!r} keeps changing; try again")
