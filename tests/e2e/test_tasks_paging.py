"""My tasks lists a counsellor's tasks a page at a time: past the first hundred, "Load more
tasks" brings the rest, none left out."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, Running, call_task_journey, eventually, free_port

BUSY = "busy@followup.local"
LEADS = 105


def tasks_of(stack: Running, assignee: str) -> int:
    listed = stack.call("GET", f"/api/tasks?assignee={assignee}&limit=200").json()["tasks"]
    return len(listed)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A journey giving BUSY a call task when a lead reaches `applied`, and LEADS leads
    imported, then moved to that stage: BUSY has LEADS open tasks."""
    running = Running(tmp_path_factory.mktemp("tasks-paging") / "state", free_port(), contacts=1)
    journey = call_task_journey("Call about the application", BUSY)
    assert running.call("POST", "/api/rules", json=journey).status_code == 201
    for stage in ("new", "applied"):  # imported, then moved on as a CRM moves them
        rows = "".join(f"62811999{n:05},Lead {n},{stage}\n" for n in range(LEADS))
        imported = httpx.post(
            f"{running.url}/api/contacts/import",
            content=f"wa_id,name,stage\n{rows}",
            headers={**running.token("admin"), "content-type": "text/csv"},
            timeout=SAFETY_NET,
        )
        assert imported.status_code == 200, imported.text

    def all_given() -> bool:
        httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
        return tasks_of(running, BUSY) == LEADS

    eventually(all_given, account=lambda: f"{tasks_of(running, BUSY)} tasks")
    yield running
    running.stop()


@pytest.mark.slow
def test_tasks_past_the_first_hundred_are_brought_by_load_more(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a colleague with 105 open tasks, shown on "My tasks"
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    page.get_by_role("link", name="My tasks").click()
    page.get_by_label("Assigned to").fill(BUSY)
    rows = page.get_by_test_id("task-row")
    # Then the first hundred show, with a way to the rest
    expect(rows).to_have_count(100)
    more = page.get_by_role("button", name="Load more tasks")
    more.click()
    # And then all of them, and nothing more to load
    expect(rows).to_have_count(LEADS)
    expect(more).to_have_count(0)
    assert watched.errors == []
