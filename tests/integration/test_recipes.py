"""Recipes: ready-made journeys installed as rules, switched off, in the workspace's funnel."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.recipes import all_recipes
from followup.domain.settings import WorkspaceSettings
from followup.services.rules import review
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact


def test_every_recipe_is_a_rule_without_problems_in_the_default_funnel() -> None:
    for found in all_recipes():
        errors, warnings = review(found.rule, WorkspaceSettings())
        assert (found.id, errors, warnings) == (found.id, [], [])
        assert not found.rule.active


def test_the_recipes_are_listed_with_the_stages_they_name(engine: LocalEngine) -> None:
    status, answer = call(engine, "GET", "/api/recipes", role="counselor")
    assert status == 200
    listed = {r["id"]: r for r in answer["recipes"]}
    assert set(listed) >= {"apply-reminder-24h", "applied-not-paid-day3", "lead-nurture"}
    assert listed["applied-not-paid-day3"]["stages"] == ["applied", "paid", "enrolled"]
    assert listed["lead-nurture"]["rule"]["steps"][4]["repeat"]["times"] == 3


def test_an_installed_recipe_is_a_rule_that_waits_to_be_switched_on_then_runs(
    engine: LocalEngine,
) -> None:
    # Given a lead who asked and went quiet 25 hours ago
    lead = quiet_contact(engine.deps, "6281100000881", engine.clock.now() - timedelta(hours=25))
    # When marketing installs the apply reminder
    status, answer = call(
        engine, "POST", "/api/recipes/apply-reminder-24h/install", role="marketing"
    )
    assert (status, answer["rule"]["active"]) == (201, False)
    # Then nothing goes while it is off
    engine.tick()
    assert engine.sandbox.sent() == []
    # And once switched on, the lead gets its message
    call(engine, "POST", "/api/rules/apply-reminder-24h/activate")
    engine.tick()
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert sent.body["to"] == lead.wa_id
    assert sent.body["template"]["name"] == "apply_reminder"


def test_a_recipe_installs_under_another_id_with_the_workspaces_stage_names(
    engine: LocalEngine,
) -> None:
    # Given a funnel that calls "applied" "registered"
    _, settings = call(engine, "GET", "/api/settings")
    funnel = ["new", "qualified", "registered", "paid", "enrolled"]
    assert call(engine, "PUT", "/api/settings", {**settings, "stages": funnel})[0] == 200
    # When the recipe is installed as is, it is refused naming the unknown stage
    status, answer = call(engine, "POST", "/api/recipes/applied-not-paid-day3/install")
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["trigger.stages.0"]
    # And with the stage renamed and its own id, it installs
    how = {
        "id": "registered-day3",
        "name": "Registered, day 3",
        "stages": {"applied": "registered"},
    }
    status, answer = call(engine, "POST", "/api/recipes/applied-not-paid-day3/install", how)
    assert status == 201
    assert answer["rule"]["trigger"]["stages"] == ["registered"]
    assert (answer["rule"]["id"], answer["rule"]["name"]) == (
        "registered-day3",
        "Registered, day 3",
    )
    # And a second install under the same id is refused, leaving the first as it was
    status, _ = call(engine, "POST", "/api/recipes/applied-not-paid-day3/install", how)
    assert status == 409
    assert call(engine, "GET", "/api/rules/registered-day3")[1]["version"] == 1


def test_installing_is_refused_clearly_for_bad_requests(engine: LocalEngine) -> None:
    assert call(engine, "POST", "/api/recipes/no-such-recipe/install")[0] == 404
    status, answer = call(
        engine, "POST", "/api/recipes/qualified-day2/install", {"stages": {"prospect": "new"}}
    )
    assert (status, answer["error"]["details"][0]["field"]) == (422, "stages.prospect")
    status, _ = call(engine, "POST", "/api/recipes/qualified-day2/install", {"id": "Bad Id!"})
    assert status == 422
    assert call(engine, "POST", "/api/recipes/qualified-day2/install", role="counselor")[0] == 403
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


def test_the_busy_recipe_follows_up_a_busy_reply_five_minutes_later(engine: LocalEngine) -> None:
    # Given the busy recipe installed and switched on, and a lead who wrote a minute ago
    call(engine, "POST", "/api/recipes/busy-follow-up/install")
    call(engine, "POST", "/api/rules/busy-follow-up/activate")
    lead = quiet_contact(engine.deps, "6281100000882", engine.clock.now() - timedelta(minutes=1))
    engine.sandbox.record_inbound(lead.wa_id or "", engine.clock.now() - timedelta(minutes=1))
    # When the lead says they are busy
    engine.deliver(
        envelopes.text_message(lead.wa_id or "", "lagi sibuk kak", engine.clock.now(), "wamid.busy")
    )
    engine.tick()
    assert engine.sandbox.sent() == []
    # Then five minutes later the first nudge goes, as free text inside the window
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert "good time to talk" in sent.body["text"]["body"]
