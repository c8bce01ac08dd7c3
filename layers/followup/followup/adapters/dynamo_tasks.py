"""The task repository on DynamoDB: conditional writes, lists read by index."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pynamodb.exceptions import DoesNotExist

from followup.adapters import paging
from followup.adapters.tables import TaskItem, put_once, stamp
from followup.domain.task import Task, TaskStatus
from followup.services.ports import Page, TaskQuery, Versioned

_STATUSES = [TaskStatus.OPEN.value, TaskStatus.DONE.value]


class DynamoTasks:
    """Tasks in their own table, indexed by (assignee, status), status and contact."""

    def add_task(self, task: Task) -> bool:
        return put_once(_item(task, 1), TaskItem.id.does_not_exist(), TaskItem.token)

    def task(self, task_id: str) -> Versioned[Task] | None:
        if not task_id:
            return None
        try:
            item = TaskItem.get(task_id, consistent_read=True)
        except DoesNotExist:
            return None
        return Versioned(Task.model_validate_json(item.doc), int(item.revision))

    def save_task(self, task: Task, revision: int) -> bool:
        return put_once(_item(task, revision + 1), TaskItem.revision == revision, TaskItem.token)

    def tasks(self, query: TaskQuery, limit: int, cursor: str | None) -> Page[Task]:
        """Soonest due first: open ones before done ones when no status is asked for."""
        statuses = [query.status.value] if query.status else _STATUSES
        index: Any
        if query.assignee is not None:
            index, hash_name = TaskItem.by_assignee, "assignee_key"
            partitions = [_assignee_key(query.assignee, status) for status in statuses]
        else:
            index, hash_name, partitions = TaskItem.by_status, "status", statuses

        def read(partition: str, resume: dict[str, Any] | None) -> Iterator[Any]:
            return iter(index.query(partition, last_evaluated_key=resume, page_size=max(limit, 25)))

        items, after = paging.collect(
            partitions,
            read,
            lambda item: Task.model_validate_json(item.doc),
            lambda _: True,
            lambda item: {
                name: {"S": str(getattr(item, name))} for name in ("id", hash_name, "due_at")
            },
            limit,
            cursor,
        )
        return Page(items, after)

    def tasks_of(self, contact_id: str) -> list[Task]:
        if not contact_id:
            return []
        items = TaskItem.by_contact.query(contact_id, scan_index_forward=False)
        return [Task.model_validate_json(item.doc) for item in items]


def _assignee_key(assignee: str, status: str) -> str:
    return f"{assignee}#{status}"


def _item(task: Task, revision: int) -> TaskItem:
    return TaskItem(
        task.id,
        revision=revision,
        doc=task.model_dump_json(),
        assignee_key=_assignee_key(task.assignee, task.status.value),
        status=task.status.value,
        due_at=stamp(task.due_at),
        contact_id=task.contact_id,
        created_at=stamp(task.created_at),
    )
