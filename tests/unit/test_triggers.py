"""Trigger kinds as users write them: told apart by `kind`, refused by field, matched."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from followup.domain.rule import IdleTrigger, Rule, field_path
from followup.domain.triggers import EventTrigger, IntentTrigger, StageEnteredTrigger

STEP = {"wait": {"amount": 0, "unit": "hours"}, "text": "Hi"}


def a_rule(trigger: dict[str, Any]) -> Rule:
    return Rule.model_validate({"id": "r", "name": "R", "trigger": trigger, "steps": [STEP]})


def test_a_trigger_without_kind_is_an_idle_one_as_before() -> None:
    rule = a_rule({"idle": {"amount": 2, "unit": "days"}})
    assert isinstance(rule.trigger, IdleTrigger)
    assert rule.model_dump(mode="json")["trigger"]["kind"] == "idle"


@pytest.mark.parametrize(
    ("trigger", "kind"),
    [
        ({"kind": "intent", "intents": ["busy", "call_back_at"]}, IntentTrigger),
        ({"kind": "stage_entered", "stages": ["applied"]}, StageEnteredTrigger),
        ({"kind": "event", "name": "booking_completed", "where": {"plan": "gold"}}, EventTrigger),
    ],
)
def test_each_kind_reads_back_as_written(trigger: dict[str, Any], kind: type) -> None:
    rule = a_rule(trigger)
    assert isinstance(rule.trigger, kind)
    assert Rule.model_validate(rule.model_dump(mode="json")) == rule


@pytest.mark.parametrize(
    ("trigger", "field"),
    [
        ({"kind": "intent", "intents": []}, "trigger.intents"),
        ({"kind": "intent", "intents": ["not_interested"]}, "trigger.intents.0"),
        ({"kind": "stage_entered", "stages": []}, "trigger.stages"),
        ({"kind": "event", "name": ""}, "trigger.name"),
        ({"kind": "event", "name": "paid", "where": {"plan": "x" * 1001}}, "trigger.where.plan"),
        ({"kind": "sometime"}, "trigger"),
    ],
)
def test_a_malformed_trigger_is_refused_naming_its_field(
    trigger: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        a_rule(trigger)
    assert [field_path(e["loc"]) for e in refused.value.errors()] == [field]


def test_only_idle_and_stage_entered_triggers_name_stages() -> None:
    assert a_rule({"kind": "stage_entered", "stages": ["paid"]}).trigger_stages == ["paid"]
    assert a_rule({"kind": "intent", "intents": ["busy"]}).trigger_stages == []


def test_an_intent_trigger_fires_on_its_intents_only() -> None:
    trigger = IntentTrigger(intents=["busy"])
    assert trigger.fires_on_intent("busy")
    assert not trigger.fires_on_intent("call_back_at")


def test_a_stage_entered_trigger_fires_on_its_stages_only() -> None:
    trigger = StageEnteredTrigger(stages=["applied", "paid"])
    assert trigger.fires_on_stage("paid")
    assert not trigger.fires_on_stage("new")


def test_an_event_trigger_fires_on_its_name_when_every_where_holds() -> None:
    trigger = EventTrigger(name="booking_completed", where={"plan": "gold", "city": "Bandung"})
    assert trigger.fires_on_event(
        "booking_completed", {"plan": "gold", "city": "Bandung", "x": "1"}
    )
    assert not trigger.fires_on_event("booking_completed", {"plan": "silver", "city": "Bandung"})
    assert not trigger.fires_on_event("booking_completed", {"plan": "gold"})
    assert not trigger.fires_on_event("booking_canceled", {"plan": "gold", "city": "Bandung"})
    assert EventTrigger(name="booking_completed").fires_on_event("booking_completed", {})
