"""What the admin app reads without a second request: tasks with their lead's name and
number, who saved each version of a rule and when, and settings checked without saving."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

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


def _workspace_with_templates(engine: LocalEngine) -> None:
    """A synced catalogue: the interview invite takes two parameters (the workspace's own
    rule fills them), the apply reminder is approved in Indonesian only, the nurture intro
    waits for Meta's approval."""
    engine.sandbox.templates.add("interview_invite", "en", "Hi {{1}}, an interview for {{2}}?")
    engine.sandbox.templates.add("apply_reminder", "id", "Halo {{1}}, sudah daftar?")
    engine.sandbox.templates.add("nurture_intro", "en", "Hi {{1}}", status="pending")
    assert call(engine, "POST", "/api/templates/sync")[0] == 200
    params = [{"field": "first_name"}, {"field": "attributes.program", "default": "it"}]
    own = {
        "id": "our-interviews",
        "name": "Our interviews",
        "trigger": {"stages": ["qualified"], "idle": {"amount": 3, "unit": "days"}},
        "steps": [
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "template": {"name": "interview_invite", "language": "en", "params": params},
            }
        ],
    }
    assert call(engine, "POST", "/api/rules", own)[0] == 201


def test_a_recipe_picks_the_approved_template_of_the_synced_catalogue(
    engine: LocalEngine,
) -> None:
    _workspace_with_templates(engine)
    # When marketing checks the interview recipe under its own id
    how = {"id": "interviews-day2", "name": "Interviews"}
    status, checked = call(engine, "POST", "/api/recipes/qualified-day2/check", how)
    # Then it takes the approved template as the workspace fills it, with nothing to fix
    assert (status, checked["problems"], checked["missing"]) == (200, [], [])
    template = checked["rule"]["steps"][0]["template"]
    assert (template["name"], template["language"]) == ("interview_invite", "en")
    assert [p["field"] for p in template["params"]] == ["first_name", "attributes.program"]
    assert (checked["rule"]["id"], checked["rule"]["active"]) == ("interviews-day2", False)
    # And installing it saves that rule, switched off
    status, installed = call(engine, "POST", "/api/recipes/qualified-day2/install", how)
    assert status == 201
    assert installed["rule"]["steps"][0]["template"] == template
    # And a recipe whose template is approved in another language takes that language
    status, checked = call(engine, "POST", "/api/recipes/apply-reminder-24h/check")
    assert (status, checked["problems"]) == (200, [])
    assert checked["rule"]["steps"][0]["template"]["language"] == "id"


def test_a_recipe_without_its_template_says_which_one_is_missing(engine: LocalEngine) -> None:
    _workspace_with_templates(engine)
    # When marketing checks the nurture recipe, whose templates are not approved
    status, checked = call(engine, "POST", "/api/recipes/lead-nurture/check")
    # Then the answer is a 200 naming each missing template with its step and parameters
    assert status == 200
    assert checked["missing"][:2] == [
        {"step": 0, "name": "nurture_intro", "language": "en", "params": 1, "status": "PENDING"},
        {"step": 1, "name": "nurture_case_study", "language": "en", "params": 1, "status": None},
    ]
    # (the pending one exists, so only the absent one refuses the install)
    assert [p["field"] for p in checked["problems"]][:1] == ["steps.1.template"]
    # And nothing was saved; installing it as it is is still refused
    assert call(engine, "GET", "/api/rules/lead-nurture")[0] == 404
    assert call(engine, "POST", "/api/recipes/lead-nurture/install")[0] == 422
    # And a recipe's unknown stage is a problem in the answer too
    status, checked = call(
        engine, "POST", "/api/recipes/qualified-day2/check", {"stages": {"prospect": "new"}}
    )
    assert (status, [p["field"] for p in checked["problems"]]) == (200, ["stages.prospect"])


def test_each_version_says_who_saved_it_and_when(engine: LocalEngine) -> None:
    body = {
        "id": "nudge",
        "name": "Nudge v1",
        "active": False,
        "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "days"}},
        "steps": [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi {first_name|there}"}],
    }
    # Given marketing creates a rule, and an admin saves it again an hour later
    first_at = engine.clock.now()
    assert call(engine, "POST", "/api/rules", body, role="marketing")[0] == 201
    engine.clock.advance(timedelta(hours=1))
    assert call(engine, "PUT", "/api/rules/nudge", {**body, "name": "Nudge v2"})[0] == 200
    # When anyone reads its versions
    status, answer = call(engine, "GET", "/api/rules/nudge/versions", role="counselor")
    # Then each says who saved it and when
    assert status == 200
    assert [(v["version"], v["saved_by"], v["saved_at"]) for v in answer["versions"]] == [
        (1, "user-marketing", first_at.isoformat()),
        (2, "user-admin", (first_at + timedelta(hours=1)).isoformat()),
    ]
    # And a recipe installed through the API is its installer's version 1, in the audit too
    assert call(engine, "POST", "/api/recipes/busy-follow-up/install", role="marketing")[0] == 201
    _, answer = call(engine, "GET", "/api/rules/busy-follow-up/versions")
    assert answer["versions"][0]["saved_by"] == "user-marketing"
    _, log = call(engine, "GET", "/api/audit")
    assert (log["entries"][0]["action"], log["entries"][0]["target"]) == (
        "rule.created",
        "busy-follow-up",
    )


@pytest.mark.parametrize(
    "zone", ["localtime", "posix/Asia/Jakarta", "right/Asia/Jakarta", "Factory"]
)
def test_a_zone_file_that_names_no_place_is_refused_naming_the_field(
    engine: LocalEngine, zone: str
) -> None:
    # Given names the zone database holds that browsers cannot show times in
    _, settings = call(engine, "GET", "/api/settings")
    status, answer = call(engine, "PUT", "/api/settings", {**settings, "timezone": zone})
    # Then the save is refused naming the field, and what was stored stands
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["timezone"])
    assert call(engine, "GET", "/api/settings")[1]["timezone"] == settings["timezone"]
    status, answer = call(
        engine, "POST", "/api/contacts", {"wa_id": "6281100000881", "timezone": zone}
    )
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["timezone"])
