"""/api/audit: who changed rules, settings and numbers, and when, newest first."""

from __future__ import annotations

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule


def test_rule_and_settings_changes_are_audited_newest_first(engine: LocalEngine) -> None:
    body = rule().model_dump(mode="json")
    assert call(engine, "POST", "/api/rules", body, role="marketing")[0] == 201
    assert call(engine, "PUT", "/api/rules/apply-remind-24h", {**body, "name": "Remind"})[0] == 200
    assert call(engine, "POST", "/api/rules/apply-remind-24h/deactivate")[0] == 200
    _, settings = call(engine, "GET", "/api/settings")
    assert call(engine, "PUT", "/api/settings", {**settings, "paused": True})[0] == 200

    status, log = call(engine, "GET", "/api/audit?limit=3")
    assert status == 200
    assert [(e["action"], e["target"]) for e in log["entries"]] == [
        ("settings.updated", "settings"),
        ("rule.deactivated", "apply-remind-24h"),
        ("rule.updated", "apply-remind-24h"),
    ]
    assert log["entries"][0]["after"] == "paused: true"
    assert log["entries"][2]["before"] == "version 1"
    assert log["entries"][2]["after"] == "version 2"
    _, rest = call(engine, "GET", f"/api/audit?limit=3&cursor={log['cursor']}")
    created = rest["entries"][0]
    assert (created["action"], created["actor"]) == ("rule.created", "user-marketing")
    assert rest["cursor"] is None
    assert call(engine, "GET", "/api/audit", role="marketing")[0] == 403


def test_a_settings_change_is_logged_setting_by_setting_not_as_whole_groups(
    engine: LocalEngine,
) -> None:
    # When an admin widens the least gap and adds a stop word
    _, settings = call(engine, "GET", "/api/settings")
    gating = settings["gating"] | {"min_gap": {"amount": 30, "unit": "minutes"}}
    words = [*settings["opt_out_keywords"], "CUKUP"]
    changed = {**settings, "gating": gating, "opt_out_keywords": words}
    assert call(engine, "PUT", "/api/settings", changed)[0] == 200
    # Then the log names each setting changed by its path, and only those
    [entry] = call(engine, "GET", "/api/audit?limit=1")[1]["entries"]
    assert entry["before"] == 'gating.min_gap: {"amount":1,"unit":"hours"}; opt_out_keywords: []'
    assert entry["after"] == (
        'gating.min_gap: {"amount":30,"unit":"minutes"}; opt_out_keywords: ["CUKUP"]'
    )
