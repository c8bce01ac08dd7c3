"""Trigger kinds as users write them: told apart by `kind`, refused by field, matched."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from followup.domain.rule import IdleTrigger, Rule, field_path
from followup.domain.triggers import DateTrigger, EventTrigger, IntentTrigger, StageEnteredTrigger

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
        (
            {
                "kind": "date",
                "attribute": "renewal_date",
                "offset": {"amount": 7, "unit": "days"},
                "before": True,
                "at": "09:00",
            },
            DateTrigger,
        ),
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
        ({"kind": "date"}, "trigger.attribute"),
        ({"kind": "date", "attribute": "renewal_date", "at": "9am"}, "trigger.at"),
        ({"kind": "date", "attribute": "renewal_date", "before": "yes"}, "trigger.before"),
        (
            {"kind": "date", "attribute": "renewal_date", "offset": {"amount": 3}},
            "trigger.offset.unit",
        ),
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


JAKARTA, SAO_PAULO = ZoneInfo("Asia/Jakarta"), ZoneInfo("America/Sao_Paulo")


def a_date_trigger(**fields: Any) -> DateTrigger:
    return DateTrigger.model_validate({"kind": "date", "attribute": "renewal_date", **fields})


def test_a_date_trigger_fires_its_offset_before_the_date_at_the_local_time() -> None:
    trigger = a_date_trigger(offset={"amount": 7, "unit": "days"}, before=True, at="09:00")
    due = trigger.due({"renewal_date": "2026-12-20"}, JAKARTA)
    assert due == datetime(2026, 12, 13, 9, tzinfo=JAKARTA)
    assert trigger.due({"renewal_date": "2026-12-20"}, SAO_PAULO) == datetime(
        2026, 12, 13, 9, tzinfo=SAO_PAULO
    )


def test_a_date_trigger_without_a_time_fires_at_the_moment_itself() -> None:
    after = a_date_trigger(attribute="last_booking_at", offset={"amount": 60, "unit": "days"})
    assert after.due({"last_booking_at": "2026-10-01"}, JAKARTA) == datetime(
        2026, 11, 30, tzinfo=JAKARTA
    )
    assert after.due({"last_booking_at": "2026-10-01T15:30"}, JAKARTA) == datetime(
        2026, 11, 30, 15, 30, tzinfo=JAKARTA
    )


def test_a_date_trigger_waits_for_no_contact_without_a_readable_date() -> None:
    trigger = a_date_trigger()
    assert trigger.due({}, JAKARTA) is None
    assert trigger.due({"renewal_date": "soon"}, JAKARTA) is None


def test_a_date_too_far_off_to_move_reads_as_no_date() -> None:
    later = a_date_trigger(offset={"amount": 24, "unit": "months"}, at="09:00")
    earlier = a_date_trigger(offset={"amount": 24, "unit": "months"}, before=True)
    assert later.due({"renewal_date": "9999-12-31"}, JAKARTA) is None
    assert earlier.due({"renewal_date": "0001-01-01"}, JAKARTA) is None
