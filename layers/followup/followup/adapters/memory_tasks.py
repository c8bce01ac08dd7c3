"""The task repository in memory, with DynamoTasks' semantics: conditional writes, lists
in index order (soonest due first; equal times in id order), cursors of the same shape."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from followup.adapters import paging
from followup.adapters.tables import stamp
from followup.domain.task import Task, TaskStatus
from followup.services.ports import Page, TaskQuery, Versioned

_STATUSES = [TaskStatus.OPEN.value, TaskStatus.DONE.value]


@dataclass(frozen=True)
class _TaskRow:
    revision: int
    doc: str
    assignee_key: str
    status: str
    due_at: str
    contact_id: str
    created_at: str


class MemoryTasks:
    """Tasks in a dictionary, behind the store's lock."""

    _lock: threading.RLock
    _tasks: dict[str, _TaskRow]

    def add_task(self, task: Task) -> bool:
        with self._lock:
            if task.id in self._tasks:
                return False
            self._tasks[task.id] = _row(task, 1)
            return True

    def task(self, task_id: str) -> Versioned[Task] | None:
        with self._lock:
            row = self._tasks.get(task_id)
        return None if row is None else Versioned(Task.model_validate_json(row.doc), row.revision)

    def save_task(self, task: Task, revision: int) -> bool:
        with self._lock:
            row = self._tasks.get(task.id)
            if row is None or row.revision != revision:
                return False
            self._tasks[task.id] = _row(task, revision + 1)
            return True

    def tasks(self, query: TaskQuery, limit: int, cursor: str | None) -> Page[Task]:
        """Soonest due first: open ones before done ones when no status is asked for."""
        statuses = [query.status.value] if query.status else _STATUSES
        if query.assignee is not None:
            field = "assignee_key"
            partitions = [_assignee_key(query.assignee, status) for status in statuses]
        else:
            field, partitions = "status", statuses

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[dict[str, str]]:
            with self._lock:
                rows = [
                    {"id": tid, field: partition, "due_at": row.due_at, "doc": row.doc}
                    for tid, row in self._tasks.items()
                    if getattr(row, field) == partition
                ]
            ordered = sorted(rows, key=lambda row: (row["due_at"], row["id"]))
            if resume:
                start = (resume["due_at"]["S"], resume["id"]["S"])
                ordered = [row for row in ordered if (row["due_at"], row["id"]) > start]
            return iter(ordered)

        items, after = paging.collect(
            partitions,
            read,
            lambda row: Task.model_validate_json(row["doc"]),
            lambda _: True,
            lambda row: {name: {"S": row[name]} for name in ("id", field, "due_at")},
            limit,
            cursor,
        )
        return Page(items, after)

    def tasks_of(self, contact_id: str) -> list[Task]:
        with self._lock:
            found = sorted(
                (
                    (row.created_at, tid, row.doc)
                    for tid, row in self._tasks.items()
                    if row.contact_id == contact_id
                ),
                reverse=True,
            )
        return [Task.model_validate_json(doc) for _, _, doc in found]


def _assignee_key(assignee: str, status: str) -> str:
    return f"{assignee}#{status}"


def _row(task: Task, revision: int) -> _TaskRow:
    return _TaskRow(
        revision=revision,
        doc=task.model_dump_json(),
        assignee_key=_assignee_key(task.assignee, task.status.value),
        status=task.status.value,
        due_at=stamp(task.due_at),
        contact_id=task.contact_id,
        created_at=stamp(task.created_at),
    )
