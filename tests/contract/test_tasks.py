"""Tasks: written once per id, changed only from the revision read, listed by assignee and
status soonest due first, paged, and found by contact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.task import Priority, Task, TaskStatus
from followup.services.ports import TaskQuery
from tests.contract.items import T0


def task(task_id: str = "tk_1", **fields: Any) -> Task:
    values: dict[str, Any] = {
        "id": task_id,
        "contact_id": "ct_1",
        "rule_id": "r",
        "step": 0,
        "title": "Call about the payment",
        "assignee": "sari@example.com",
        "due_at": T0 + timedelta(hours=4),
        "created_at": T0,
    }
    values.update(fields)
    return Task.model_validate(values)


def ids(page: Any) -> list[str]:
    return [each.id for each in page.items]


def test_a_task_is_written_once_and_read_by_key_with_its_revision(store: Any) -> None:
    assert store.add_task(task(priority=Priority.URGENT)) is True
    assert store.add_task(task(title="A second try")) is False
    found = store.task("tk_1")
    assert (found.item, found.revision) == (task(priority=Priority.URGENT), 1)
    assert store.task("tk_2") is None
    assert store.task("") is None


def test_a_task_changes_only_from_the_revision_read(store: Any) -> None:
    store.add_task(task())
    done = task(status=TaskStatus.DONE, done_at=T0 + timedelta(hours=1))
    assert store.save_task(done, 1) is True
    assert store.save_task(task(assignee="budi@example.com"), 1) is False
    found = store.task("tk_1")
    assert (found.item, found.revision) == (done, 2)
    assert store.save_task(task("tk_never"), 0) is False
    assert store.task("tk_never") is None


def test_tasks_are_listed_by_assignee_and_status_soonest_due_first(store: Any) -> None:
    store.add_task(task("tk_late", due_at=T0 + timedelta(days=2)))
    store.add_task(task("tk_soon", due_at=T0 + timedelta(hours=1)))
    store.add_task(task("tk_other", assignee="budi@example.com"))
    store.add_task(task("tk_done", status=TaskStatus.DONE, due_at=T0))
    sari = "sari@example.com"
    assert ids(store.tasks(TaskQuery(assignee=sari, status=TaskStatus.OPEN), 10, None)) == [
        "tk_soon",
        "tk_late",
    ]
    assert ids(store.tasks(TaskQuery(assignee=sari), 10, None)) == ["tk_soon", "tk_late", "tk_done"]
    assert ids(store.tasks(TaskQuery(status=TaskStatus.OPEN), 10, None)) == [
        "tk_soon",
        "tk_other",
        "tk_late",
    ]
    assert ids(store.tasks(TaskQuery(status=TaskStatus.DONE), 10, None)) == ["tk_done"]
    assert ids(store.tasks(TaskQuery(assignee="nobody@example.com"), 10, None)) == []


def test_a_changed_task_moves_between_lists(store: Any) -> None:
    store.add_task(task())
    store.save_task(task(assignee="budi@example.com", status=TaskStatus.DONE, done_at=T0), 1)
    open_for_sari = TaskQuery(assignee="sari@example.com", status=TaskStatus.OPEN)
    assert ids(store.tasks(open_for_sari, 10, None)) == []
    assert ids(store.tasks(TaskQuery(status=TaskStatus.OPEN), 10, None)) == []
    assert ids(store.tasks(TaskQuery(assignee="budi@example.com"), 10, None)) == ["tk_1"]


def test_task_pages_resume_where_the_last_one_ended(store: Any) -> None:
    for n in range(5):
        store.add_task(task(f"tk_{n}", due_at=T0 + timedelta(hours=n)))
    store.add_task(task("tk_9", status=TaskStatus.DONE))
    query = TaskQuery(assignee="sari@example.com")
    first = store.tasks(query, 2, None)
    second = store.tasks(query, 2, first.cursor)
    third = store.tasks(query, 2, second.cursor)
    assert [ids(first), ids(second), ids(third)] == [
        ["tk_0", "tk_1"],
        ["tk_2", "tk_3"],
        ["tk_4", "tk_9"],
    ]
    assert third.cursor is not None
    last = store.tasks(query, 2, third.cursor)
    assert (ids(last), last.cursor) == ([], None)


def test_a_contacts_tasks_come_newest_first(store: Any) -> None:
    store.add_task(task("tk_old"))
    store.add_task(task("tk_new", created_at=T0 + timedelta(days=1)))
    store.add_task(task("tk_elsewhere", contact_id="ct_2"))
    assert [each.id for each in store.tasks_of("ct_1")] == ["tk_new", "tk_old"]
    assert store.tasks_of("ct_3") == []
