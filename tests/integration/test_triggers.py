"""Occurrence triggers on the local engine: a reply's intent, a stage entered, a custom
event. Each enrolls the contact once per occurrence in the active rules it matches."""

from __future__ import annotations

from typing import Any

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule


def body(trigger: dict[str, Any], rule_id: str = "on-trigger") -> dict[str, Any]:
    return rule(rule_id, trigger=trigger).model_dump(mode="json")


def test_a_malformed_trigger_is_refused_naming_its_field(engine: LocalEngine) -> None:
    for trigger, field in [
        ({"kind": "intent", "intents": ["not_interested"]}, "trigger.intents.0"),
        ({"kind": "stage_entered", "stages": []}, "trigger.stages"),
        ({"kind": "event", "name": "booked", "where": {"plan": 3}}, "trigger.where.plan"),
        ({"kind": "someday"}, "trigger"),
    ]:
        bad = body({"kind": "idle", "idle": {"amount": 1, "unit": "hours"}})
        bad["trigger"] = trigger
        status, answer = call(engine, "POST", "/api/rules", bad)
        assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, [field])
    unknown = body({"kind": "stage_entered", "stages": ["prospect"]})
    status, answer = call(engine, "POST", "/api/rules", unknown)
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["trigger.stages.0"])
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []
