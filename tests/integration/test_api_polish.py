"""What the admin app reads without a second request: tasks with their lead's name and
number, who saved each version of a rule and when, and settings checked without saving."""

from __future__ import annotations

from followup_local.engine import LocalEngine
from tests.integration.test_api_tasks import journeys_create_tasks, listed
from tests.support.api import call


def test_tasks_come_with_their_leads_name_and_number(engine: LocalEngine) -> None:
    # Given journeys that created tasks for three leads
    leads = journeys_create_tasks(engine)
    # When a counsellor lists them, or opens one
    mine = listed(engine, "assignee=sari@example.com")
    status, one = call(engine, "GET", f"/api/tasks/{mine[0]['id']}", role="counselor")
    # Then each names its lead and their number, as the contact holds them
    assert [(t["contact_id"], t["contact_name"], t["contact_number"]) for t in mine] == [
        (lead, "Rudi Hartono", f"62811000011{n:02d}") for n, lead in enumerate(leads)
    ]
    assert (status, one["contact_name"], one["contact_number"]) == (
        200,
        "Rudi Hartono",
        "6281100001100",
    )
