"""What the admin app reads without a second request: tasks with their lead's name and
number, who saved each version of a rule and when, and settings checked without saving."""

from __future__ import annotations

from typing import Any

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


def test_settings_are_checked_without_saving_and_the_problems_come_in_a_200(
    engine: LocalEngine,
) -> None:
    _, settings = call(engine, "GET", "/api/settings")
    week = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    closed: dict[str, list[Any]] = {day: [] for day in week}
    bad = {
        **settings,
        "timezone": "Mars/Olympus",
        "send_window": {**settings["send_window"], "hours": closed},
    }
    # When the admin checks settings with an unknown zone and a window that never opens
    status, answer = call(engine, "POST", "/api/settings/check", bad)
    # Then the answer is a 200 naming both fields, as the save would have refused them
    assert status == 200
    assert [(p["field"], p["code"]) for p in answer["problems"]] == [
        ("timezone", "value_error"),
        ("send_window", "value_error"),
    ]
    assert "Mars/Olympus" in answer["problems"][0]["message"]
    # And with a known zone, the window is the one problem left
    status, answer = call(
        engine, "POST", "/api/settings/check", {**bad, "timezone": "Asia/Jakarta"}
    )
    assert status == 200
    assert [p["field"] for p in answer["problems"]] == ["send_window"]
    assert "never opens" in answer["problems"][0]["message"]
    # And settings the save takes have no problems; nothing was saved by checking
    assert call(engine, "POST", "/api/settings/check", settings) == (200, {"problems": []})
    assert call(engine, "GET", "/api/settings")[1] == settings
    # And a funnel without a stage a rule names is refused by field too
    assert call(engine, "POST", "/api/recipes/apply-reminder-24h/install")[0] == 201
    funnel = {**settings, "stages": ["new", "applied", "paid", "enrolled"]}
    status, answer = call(engine, "POST", "/api/settings/check", funnel)
    assert (status, [p["field"] for p in answer["problems"]]) == (200, ["stages"])
    assert "'qualified'" in answer["problems"][0]["message"]
    # The check is an admin's, like the save, and the save still refuses bad input
    assert call(engine, "POST", "/api/settings/check", settings, role="marketing")[0] == 403
    assert call(engine, "PUT", "/api/settings", bad)[0] == 422
