"""Tasks in the API on moto: journeys create them, counsellors list them by assignee and
status, page through them, close and reassign them; unknown ids and bad fields say why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import botocore.client
import pytest

from followup.domain.rule import Rule
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact

HOUR = timedelta(hours=1)


def task_step(title: str, assignee: str, hours: int) -> dict[str, Any]:
    return {
        "kind": "action",
        "do": "create_task",
        "title": title,
        "assignee": assignee,
        "due": {"amount": hours, "unit": "hours"},
    }


def journeys_create_tasks(engine: LocalEngine) -> list[str]:
    """Three leads, an hour apart, each get a call task for Sari due in 2 hours and a
    brochure task for the admissions team due in 2 days; returns the leads' ids."""
    engine.deps.rules.save_rule(
        Rule.model_validate(
            {
                "id": "unpaid",
                "name": "Unpaid",
                "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
                "steps": [
                    task_step("Call about the payment", "sari@example.com", 2),
                    task_step("Post the brochure", "admissions", 48),
                ],
            }
        )
    )
    leads = []
    for n in range(3):
        quiet_since = engine.clock.now() - 24 * HOUR - timedelta(minutes=1)
        lead = quiet_contact(engine.deps, f"62811000011{n:02d}", quiet_since)
        leads.append(lead.id)
        engine.tick()
        engine.clock.advance(HOUR)
    return leads


def listed(engine: LocalEngine, query: str, role: str = "counselor") -> list[dict[str, Any]]:
    status, answer = call(engine, "GET", f"/api/tasks?{query}", role=role)
    assert status == 200, answer
    tasks: list[dict[str, Any]] = answer["tasks"]
    return tasks


def test_a_counsellor_lists_their_open_tasks_soonest_due_first(engine: LocalEngine) -> None:
    leads = journeys_create_tasks(engine)
    mine = listed(engine, "assignee=sari@example.com&status=open")
    assert [t["contact_id"] for t in mine] == leads
    assert {(t["title"], t["priority"], t["status"]) for t in mine} == {
        ("Call about the payment", "normal", "open")
    }
    team = listed(engine, "assignee=admissions")
    assert [t["title"] for t in team] == ["Post the brochure"] * 3
    assert len(listed(engine, "status=open")) == 6
    assert listed(engine, "status=done") == []


def test_the_task_list_pages_with_a_cursor(engine: LocalEngine) -> None:
    journeys_create_tasks(engine)
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        path = "status=open&limit=4" + (f"&cursor={cursor}" if cursor else "")
        status, page = call(engine, "GET", f"/api/tasks?{path}", role="counselor")
        assert status == 200
        seen += [t["id"] for t in page["tasks"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 6
    assert call(engine, "GET", "/api/tasks?cursor=garbage")[0] == 422


def test_a_counsellor_closes_and_reassigns_a_task(engine: LocalEngine) -> None:
    journeys_create_tasks(engine)
    first = listed(engine, "assignee=sari@example.com")[0]
    # When Sari marks her first task done
    status, done = call(
        engine, "PATCH", f"/api/tasks/{first['id']}", {"status": "done"}, role="counselor"
    )
    # Then it is done, when she did it, and leaves her open list for her done one
    assert (status, done["status"], done["done_at"]) == (
        200,
        "done",
        engine.clock.now().isoformat().replace("+00:00", "Z"),
    )
    assert first["id"] not in [
        t["id"] for t in listed(engine, "assignee=sari@example.com&status=open")
    ]
    assert [t["id"] for t in listed(engine, "assignee=sari@example.com&status=done")] == [
        first["id"]
    ]
    # When it is reopened, handed to Budi and moved a day later
    later = "2026-11-26T03:00:00Z"
    change = {"status": "open", "assignee": "budi@example.com", "due_at": later}
    status, moved = call(engine, "PATCH", f"/api/tasks/{first['id']}", change, role="counselor")
    assert status == 200
    assert (moved["status"], moved["done_at"], moved["assignee"]) == (
        "open",
        None,
        "budi@example.com",
    )
    status, read = call(engine, "GET", f"/api/tasks/{first['id']}", role="counselor")
    assert (status, read["due_at"]) == (200, later)
    assert [t["id"] for t in listed(engine, "assignee=budi@example.com")] == [first["id"]]


def test_a_contacts_tasks_are_on_the_contact(engine: LocalEngine) -> None:
    leads = journeys_create_tasks(engine)
    status, answer = call(engine, "GET", f"/api/contacts/{leads[0]}/tasks", role="counselor")
    assert status == 200
    assert sorted(t["title"] for t in answer["tasks"]) == [
        "Call about the payment",
        "Post the brochure",
    ]
    status, missing = call(engine, "GET", "/api/contacts/ct_nobody/tasks")
    assert (status, missing["error"]["message"]) == (404, "contact 'ct_nobody' not found")


def test_unknown_tasks_and_bad_changes_are_refused_with_reasons(engine: LocalEngine) -> None:
    journeys_create_tasks(engine)
    task_id = listed(engine, "assignee=admissions")[0]["id"]
    status, answer = call(engine, "GET", "/api/tasks/tk_nothing")
    assert (status, answer["error"]["message"]) == (404, "task 'tk_nothing' not found")
    status, answer = call(engine, "PATCH", "/api/tasks/tk_nothing", {"status": "done"})
    assert (status, answer["error"]["code"]) == (404, "not_found")
    status, answer = call(engine, "PATCH", f"/api/tasks/{task_id}", {"status": "finished"})
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["status"]
    # a time without its offset, or a number (seconds or milliseconds since 1970?)
    for due_at in ("2026-11-26T03:00", 1790000000, "1790000000"):
        status, answer = call(engine, "PATCH", f"/api/tasks/{task_id}", {"due_at": due_at})
        assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["due_at"])
    for blank in ("", "   "):
        status, answer = call(engine, "PATCH", f"/api/tasks/{task_id}", {"assignee": blank})
        assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["assignee"])
    status, answer = call(engine, "PATCH", f"/api/tasks/{task_id}", {"title": "Other"})
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["title"])
    assert call(engine, "GET", "/api/tasks?status=lost")[0] == 422
    # And nothing changed
    status, read = call(engine, "GET", f"/api/tasks/{task_id}")
    assert (read["status"], read["assignee"]) == ("open", "admissions")


@pytest.mark.parametrize("written", ["Sari@Example.com", " sari@example.com "])
def test_a_task_is_on_its_counsellor_s_list_whatever_the_case_or_stray_spaces(
    engine: LocalEngine, written: str
) -> None:
    # Given a journey whose author typed the counsellor's email with capitals or spaces
    engine.deps.rules.save_rule(
        Rule.model_validate(
            {
                "id": "unpaid",
                "name": "Unpaid",
                "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
                "steps": [task_step("Call about the payment", written, 2)],
            }
        )
    )
    quiet_contact(engine.deps, "6281100000991", engine.clock.now() - 25 * HOUR)
    engine.tick()
    # When Sari opens her tasks, signed in as herself (or asking in capitals)
    for asked in ("sari@example.com", "SARI@example.com"):
        mine = listed(engine, f"assignee={asked}&status=open")
        # Then the journey's task is there
        assert [(t["title"], t["assignee"]) for t in mine] == [
            ("Call about the payment", "sari@example.com")
        ]


def test_every_role_may_read_and_update_tasks_but_only_when_signed_in(
    engine: LocalEngine,
) -> None:
    journeys_create_tasks(engine)
    task_id = listed(engine, "assignee=admissions")[0]["id"]
    for role in ("admin", "marketing", "counselor"):
        assert len(listed(engine, "status=open", role=role)) == 6
        status, _ = call(engine, "PATCH", f"/api/tasks/{task_id}", {"status": "open"}, role=role)
        assert status == 200
    assert call(engine, "GET", "/api/tasks", role=None)[0] == 401
    assert call(engine, "PATCH", f"/api/tasks/{task_id}", {"status": "done"}, role=None)[0] == 401
    assert call(engine, "GET", "/api/tasks", role="guest")[0] == 403


def test_listing_tasks_queries_indexes_and_never_scans(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    journeys_create_tasks(engine)
    calls: list[tuple[str, str]] = []
    real = botocore.client.BaseClient._make_api_call

    def recorded(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb":
            calls.append((operation, params.get("IndexName", "")))
        return real(client, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    for query in ("assignee=sari@example.com&status=open", "assignee=admissions", "status=done"):
        listed(engine, query)
    # The leads' names come in one batch per page, not one read per task
    assert {operation for operation, _ in calls} == {"Query", "BatchGetItem"}
    assert [operation for operation, _ in calls].count("BatchGetItem") == 2
    assert {index for operation, index in calls if operation == "Query"} == {
        "by_assignee",
        "by_status",
    }
