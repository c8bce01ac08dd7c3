"""A rule create, edit or switch whose audit entry the busy store refused answers 503
("nothing changed, send it again") although the change was made; sent again as told, it
finishes the job: the audit log says once who made the change, and the answer is the one
the first request would have given."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup.services.ports import NewFollowUp
from followup_local.engine import LocalEngine
from tests.contract.items import followup
from tests.integration.test_api_audit_retries import audit_busy_once, audit_log
from tests.integration.test_api_rules import body
from tests.support.api import call

RULE_PATH = "/api/rules/apply-remind-24h"


def about(engine: LocalEngine, rule_id: str = "apply-remind-24h") -> list[tuple[str, str]]:
    """The audit log's entries on the rule, newest first: action and who."""
    return [(action, who) for action, who, target in audit_log(engine) if target == rule_id]


def test_an_edit_whose_audit_entry_was_refused_is_audited_when_sent_again(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule, and a store busy once as an edit of it is audited
    assert call(engine, "POST", "/api/rules", body())[0] == 201
    audit_busy_once(engine, monkeypatch, "rule.updated")
    edited = body(name="apply reminder, gentler")
    # When marketing saves an edit, is told 503 (nothing changed: send it again) and does
    status, answer = call(engine, "PUT", RULE_PATH, edited, role="marketing")
    assert (status, answer["error"]["code"]) == (503, "busy")
    status, saved = call(engine, "PUT", RULE_PATH, edited, role="marketing")
    assert (status, saved["rule"]["version"]) == (200, 2)
    # And sends it once more (its answer was lost)
    assert call(engine, "PUT", RULE_PATH, edited, role="marketing")[0] == 200
    # Then the audit log says, once, who edited the rule
    assert about(engine) == [("rule.updated", "user-marketing"), ("rule.created", "user-admin")]


def test_a_create_whose_audit_entry_was_refused_succeeds_when_sent_again(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a store busy once as a new rule is audited
    audit_busy_once(engine, monkeypatch, "rule.created")
    # When marketing creates a rule, is told 503 (nothing changed: send it again) and does
    status, answer = call(engine, "POST", "/api/rules", body(), role="marketing")
    assert (status, answer["error"]["code"]) == (503, "busy")
    status, created = call(engine, "POST", "/api/rules", body(), role="marketing")
    # Then the rule is created, not refused as a duplicate of the one the 503 did not
    # save, and the audit log says who created it
    assert (status, created["rule"]["version"]) == (201, 1)
    assert about(engine) == [("rule.created", "user-marketing")]
    # And sent once more, or by someone else, it is the duplicate it is now
    for role in ("marketing", "admin"):
        status, again = call(engine, "POST", "/api/rules", body(), role=role)
        assert (status, again["error"]["code"]) == (409, "rule_exists")
    assert about(engine) == [("rule.created", "user-marketing")]


def test_while_a_creations_entry_is_missing_only_its_creator_sending_it_again_finishes_it(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule whose creation's audit entry the busy store refused (a 503)
    audit_busy_once(engine, monkeypatch, "rule.created")
    assert call(engine, "POST", "/api/rules", body(), role="marketing")[0] == 503
    # When someone else creates a rule under its id, or marketing another one
    other = body(name="another reminder")
    status, answer = call(engine, "POST", "/api/rules", body(), role="admin")
    assert (status, answer["error"]["code"]) == (409, "rule_exists")
    status, answer = call(engine, "POST", "/api/rules", other, role="marketing")
    assert (status, answer["error"]["code"]) == (409, "rule_exists")
    # Then the rule stays as first created, and the resend still finishes its creation
    assert call(engine, "GET", RULE_PATH)[1]["name"] == body()["name"]
    assert call(engine, "POST", "/api/rules", body(), role="marketing")[0] == 201
    assert about(engine) == [("rule.created", "user-marketing")]


@pytest.mark.parametrize(
    ("action", "created_active", "switch"),
    [("rule.activated", False, "activate"), ("rule.deactivated", True, "deactivate")],
)
def test_a_switch_whose_audit_entry_was_refused_is_audited_when_sent_again(
    engine: LocalEngine,
    monkeypatch: pytest.MonkeyPatch,
    action: str,
    created_active: bool,
    switch: str,
) -> None:
    # Given a rule, and a store busy once as a switch of it is audited
    assert call(engine, "POST", "/api/rules", body(active=created_active))[0] == 201
    audit_busy_once(engine, monkeypatch, action)
    path = f"{RULE_PATH}/{switch}?confirm=true" if switch == "activate" else f"{RULE_PATH}/{switch}"
    # When marketing switches it, is told 503, and sends the switch again, twice
    assert call(engine, "POST", path, role="marketing")[0] == 503
    status, switched = call(engine, "POST", path, role="marketing")
    assert (status, switched["active"]) == (200, not created_active)
    assert call(engine, "POST", path, role="marketing")[0] == 200
    # Then the audit log says, once, who switched it
    assert about(engine) == [(action, "user-marketing"), ("rule.created", "user-admin")]


def test_switches_sent_again_audit_the_one_that_lost_its_entry_not_an_opt_out_pause(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule the opt-out check switched off (a spike of opt-outs after its sends)
    for rule_id in ("apply-remind-24h", "second-rule"):
        assert call(engine, "POST", "/api/rules", body(id=rule_id, name=rule_id))[0] == 201
    _, settings = call(engine, "GET", "/api/settings")
    paused = settings | {"review": settings["review"] | {"pause_on_opt_out_spike": True}}
    assert call(engine, "PUT", "/api/settings", paused)[0] == 200
    now = engine.clock.now()
    for index in range(52):
        status = Status.SENT if index < 50 else Status.OPTED_OUT
        item = followup(f"fu_spike_{index}", rule_id="apply-remind-24h", status=status, at=now)
        engine.deps.commit([NewFollowUp(item)], now)
    assert engine.scheduled("enqueue")["opt_out_spiking"] == ["apply-remind-24h"]
    # And a second rule, whose switch off lost its audit entry to the busy store (a 503)
    engine.clock.advance(timedelta(minutes=5))
    audit_busy_once(engine, monkeypatch, "rule.deactivated")
    assert call(engine, "POST", "/api/rules/second-rule/deactivate", role="marketing")[0] == 503
    # When marketing switches both off, as sent again
    for rule_id in ("apply-remind-24h", "second-rule"):
        path = f"/api/rules/{rule_id}/deactivate"
        assert call(engine, "POST", path, role="marketing")[1]["active"] is False
    # Then the audit log names marketing's switch of the second rule, and none of the first
    assert about(engine, "second-rule")[0] == ("rule.deactivated", "user-marketing")
    assert about(engine) == [("rule.created", "user-admin")]
