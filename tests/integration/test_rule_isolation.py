"""One bad rule or setting already in the tables never stops the engine for the others."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.followup import Status
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.domain.stored import STORED
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.webhook import payload, post

HOURS_25 = timedelta(hours=25)
FOREVER = {"amount": 100_000, "unit": "months"}


def stored_rule(rule_id: str, **overrides: Any) -> Rule:
    """A rule as it may sit in the table from before today's checks."""
    body = rule(rule_id).model_dump(mode="json")
    body.update(overrides)
    return Rule.model_validate(body, context=STORED)


def statuses(engine: LocalEngine, contact_id: str) -> list[Status]:
    return [f.status for f in engine.deps.followups.followups_of(contact_id)]


def shown_error(engine: LocalEngine, rule_id: str) -> Any:
    status, found = call(engine, "GET", f"/api/rules/{rule_id}", role="counselor")
    assert status == 200
    listed = {r["id"]: r for r in call(engine, "GET", "/api/rules")[1]["rules"]}
    assert listed[rule_id]["last_error"] == found["last_error"]
    return found["last_error"]


def test_a_broken_rule_is_skipped_and_shows_its_error_while_the_others_send(
    engine: LocalEngine,
) -> None:
    # Given a healthy rule on `new` and, saved before the checks, two broken rules on
    # `qualified`: one whose window never opens and one that waits 100000 months
    engine.deps.rules.save_rule(rule("healthy"))
    trigger = {"stages": ["qualified"], "idle": {"amount": 24, "unit": "hours"}}
    engine.deps.rules.save_rule(stored_rule("closed", trigger=trigger, send_window={"hours": {}}))
    forever = rule("forever").model_dump(mode="json")["steps"]
    forever[0]["wait"] = FOREVER
    engine.deps.rules.save_rule(stored_rule("forever", trigger=trigger, steps=forever))
    lead = quiet_contact(engine.deps, "6281100000701", engine.clock.now() - HOURS_25)
    stuck = quiet_contact(
        engine.deps, "6281100000702", engine.clock.now() - HOURS_25, stage="qualified"
    )

    # When the engine ticks
    report = engine.tick()

    # Then the healthy rule sends, the broken ones are skipped with their error shown
    assert statuses(engine, lead.id) == [Status.SENT]
    assert statuses(engine, stuck.id) == []
    assert report["enqueue"]["rule_errors"] == 2
    assert set(report["enqueue"]["failed_rules"]) == {"closed", "forever"}
    closed = shown_error(engine, "closed")
    assert "no hours" in closed["message"]
    assert closed["at"] == engine.clock.now().isoformat()
    assert "out of range" in shown_error(engine, "forever")["message"]
    assert shown_error(engine, "healthy") is None
    # And the next tick still runs the healthy rule for a new lead
    engine.clock.advance(timedelta(hours=1))
    quiet_since = engine.clock.now() - timedelta(hours=24, minutes=30)
    later = quiet_contact(engine.deps, "6281100000703", quiet_since)
    engine.tick()
    assert statuses(engine, later.id) == [Status.SENT]


def test_bad_settings_in_the_store_stop_only_the_rules_that_depend_on_them(
    engine: LocalEngine,
) -> None:
    # Given a rule with its own window and lookback, and one that relies on the workspace's
    self_contained: dict[str, Any] = {
        "trigger": {
            "stages": ["new"],
            "idle": {"amount": 24, "unit": "hours"},
            "max_idle": {"amount": 3, "unit": "days"},
        },
        "send_anytime": True,
    }
    engine.deps.rules.save_rule(stored_rule("self-contained", **self_contained))
    engine.deps.rules.save_rule(
        rule("workspace-bound", trigger={"idle": self_contained["trigger"]["idle"]})
    )
    # And settings saved before the checks: no stages, a window that never opens, and a
    # lookback, a frequency cap and an expiry of 100000 months
    good = engine.deps.rules.settings().model_dump(mode="json")
    capped = {**good["gating"], "frequency_cap": {"max_sends": 2, "per": FOREVER}}
    bad = {
        **good,
        "stages": [],
        "send_window": {"hours": {}},
        "trigger_lookback": FOREVER,
        "gating": capped,
        "expire_after": FOREVER,
    }
    engine.deps.rules.save_settings(WorkspaceSettings.model_validate(bad, context=STORED))
    lead = quiet_contact(engine.deps, "6281100000711", engine.clock.now() - HOURS_25)

    # When the engine ticks and a new contact writes for the first time
    report = engine.tick()
    first_contact = post(engine, payload("text.json"))

    # Then the self-contained rule sends; the other shows the lookback's error
    assert first_contact["statusCode"] == 200
    assert statuses(engine, lead.id) == [Status.SENT]
    assert report["enqueue"]["failed_rules"].keys() == {"workspace-bound"}
    assert shown_error(engine, "workspace-bound") is not None
    # And once an admin fixes the settings the rule runs clean and its error is cleared
    assert call(engine, "PUT", "/api/settings", good)[0] == 200
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    assert shown_error(engine, "workspace-bound") is None


def test_a_next_step_that_waits_forever_still_records_the_send_and_ends_the_sequence(
    engine: LocalEngine,
) -> None:
    # Given a rule saved before the checks whose second step waits 100000 months
    steps = rule("forever").model_dump(mode="json")["steps"]
    steps.append({**steps[0], "wait": FOREVER})
    engine.deps.rules.save_rule(stored_rule("forever", steps=steps))
    lead = quiet_contact(engine.deps, "6281100000721", engine.clock.now() - HOURS_25)

    # When its first step goes out
    engine.tick()

    # Then the send is recorded as sent (never left to look like an unknown outcome)
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert len(engine.sandbox.sent()) == 1
    # And the sequence ends, saying why
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert enrollment.item.next_due_at is None
    assert (enrollment.item.exit_reason or "").startswith("rule_error")


def test_a_window_that_stopped_opening_after_queuing_fails_the_send_with_a_reason(
    engine: LocalEngine,
) -> None:
    # Given a follow-up queued under good settings
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000731", engine.clock.now() - HOURS_25)
    engine.scheduled("enqueue")
    assert statuses(engine, lead.id) == [Status.QUEUED]
    # And then settings whose window never opens, written before the checks existed
    bad = {**engine.deps.rules.settings().model_dump(mode="json"), "send_window": {"hours": {}}}
    engine.deps.rules.save_settings(WorkspaceSettings.model_validate(bad, context=STORED))
    engine.deps.catalog.invalidate()

    # When it is dispatched and the sender takes it
    engine.scheduled("dispatch")
    engine.drain()

    # Then it fails at once with the reason, instead of hanging in `sending`
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.FAILED
    assert (followup.reason or "").startswith("rule_error")
    assert engine.sandbox.sent() == []


def test_a_stored_rule_or_settings_that_cannot_work_are_refused_on_activation_by_field(
    engine: LocalEngine,
) -> None:
    # Given an inactive rule saved before the checks, waiting 100000 months
    steps = rule("forever").model_dump(mode="json")["steps"]
    steps[0]["wait"] = FOREVER
    engine.deps.rules.save_rule(stored_rule("forever", steps=steps, active=False))

    # When marketing activates or previews it / Then the field that cannot work is named
    for path in ("/api/rules/forever/activate", "/api/rules/forever/preview"):
        status, answer = call(engine, "POST", path, role="marketing")
        assert status == 422
        assert [d["field"] for d in answer["error"]["details"]] == ["steps.0.wait"]
    assert call(engine, "GET", "/api/rules/forever")[1]["active"] is False

    # And with settings saved before the checks, a good rule's activation names the setting
    engine.deps.rules.save_rule(rule("healthy", active=False))
    bad = {**engine.deps.rules.settings().model_dump(mode="json"), "trigger_lookback": FOREVER}
    engine.deps.rules.save_settings(WorkspaceSettings.model_validate(bad, context=STORED))
    engine.deps.catalog.invalidate()
    status, answer = call(engine, "POST", "/api/rules/healthy/activate", role="marketing")
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["settings.trigger_lookback"]


def test_a_late_message_is_enrolled_by_the_healthy_rules_beside_a_broken_one(
    engine: LocalEngine,
) -> None:
    # Given, saved before the checks, a 5-minute rule whose first step waits 100000 months,
    # beside a healthy 5-minute rule
    five_minutes = {"stages": ["new"], "idle": {"amount": 5, "unit": "minutes"}}
    forever = rule("forever").model_dump(mode="json")["steps"]
    forever[0]["wait"] = FOREVER
    engine.deps.rules.save_rule(stored_rule("forever", trigger=five_minutes, steps=forever))
    engine.deps.rules.save_rule(rule("healthy", trigger=five_minutes))
    # When a message written an hour ago arrives only now (a retried webhook)
    written = engine.clock.now() - timedelta(hours=1)
    late = envelopes.text_message("6281100000711", "still open?", written, "wamid.iso.late")
    # Then the webhook answers 200 and the healthy rule enrolls the lead at once
    assert engine.deliver(late) == 200
    lead = engine.deps.contacts.contact_by_wa_id("6281100000711")
    assert lead is not None
    enrolled = {e.item.rule_id for e in engine.deps.followups.enrollments_of(lead.item.id)}
    assert enrolled == {"healthy"}
