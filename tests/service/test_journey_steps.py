"""Each step kind and action on the in-memory store: waits, a branch both ways, and every
action that changes the contact (the same journeys run on moto in
tests/integration/test_journey_steps.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.enrollment import EnrollmentState
from followup.domain.rule import Rule
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact

HOUR = timedelta(hours=1)
JAKARTA = ZoneInfo("Asia/Jakarta")


def journey(*steps: dict[str, Any]) -> Rule:
    return Rule.model_validate(
        {
            "id": "steps",
            "name": "Steps",
            "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
            "steps": list(steps),
            "exit": {"on_reply": False},
        }
    )


def send(name: str) -> dict[str, Any]:
    return {
        "wait": {"amount": 0, "unit": "minutes"},
        "template": {"name": name, "language": "en"},
    }


def templates(engine: MemoryEngine) -> list[str]:
    return [r.body["template"]["name"] for r in engine.sandbox.sent() if r.body]


def test_every_action_changes_the_contact_and_the_journey_ends_on_the_close(
    engine: MemoryEngine,
) -> None:
    engine.deps.rules.save_rule(
        journey(
            {"kind": "action", "do": "add_tag", "tag": "vip"},
            {"kind": "action", "do": "remove_tag", "tag": "cold-lead"},
            {"kind": "action", "do": "set_attribute", "attribute": "plan", "value": "gold"},
            {"kind": "action", "do": "set_stage", "stage": "qualified"},
            {"kind": "action", "do": "close_conversation"},
        )
    )
    lead = quiet_contact(
        engine.deps, "6281100000960", engine.clock.now() - 25 * HOUR, tags=["cold-lead"]
    )
    engine.tick()
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    after = found.item
    assert (after.tags, after.attributes.get("plan"), after.stage) == (["vip"], "gold", "qualified")
    assert (after.conversation_open, after.conversation_changed_by) == (False, "journey:steps")
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert (enrollment.item.state, enrollment.item.exit_reason) == (
        EnrollmentState.EXITED,
        "conversation_closed",
    )
    assert engine.sandbox.sent() == []


def test_a_wait_until_ten_holds_the_next_send_until_ten_local_time(
    engine: MemoryEngine,
) -> None:
    engine.deps.rules.save_rule(
        journey(send("first"), {"kind": "wait", "until_time": "10:00"}, send("at_ten"))
    )
    quiet_contact(engine.deps, "6281100000961", engine.clock.now() - 25 * HOUR)
    engine.tick()  # Tuesday 09:00 in Jakarta
    assert templates(engine) == ["first"]
    engine.clock.advance(timedelta(minutes=59))
    engine.tick()
    assert templates(engine) == ["first"]
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    assert templates(engine) == ["first", "at_ten"]
    assert engine.clock.now().astimezone(JAKARTA).strftime("%H:%M") == "10:00"


def test_a_send_after_a_wait_step_goes_when_the_wait_ends_not_a_tick_later(
    engine: MemoryEngine,
) -> None:
    # Given a first message, a 90-minute wait, then a second, on hourly ticks
    wait = {"kind": "wait", "for": {"amount": 90, "unit": "minutes"}}
    engine.deps.rules.save_rule(journey(send("first"), wait, send("second")))
    quiet_contact(engine.deps, "6281100000971", engine.clock.now() - 25 * HOUR)
    start = engine.clock.now()
    engine.tick()  # Tuesday 09:00 in Jakarta
    # When the ticks run hourly, the send queue handing over each message when it is due
    for hour in range(1, 4):
        engine.run_until(start + hour * HOUR)
        engine.tick()
    # Then the second goes at 10:30, as a send's own 90-minute wait would
    went = [r.received_at.astimezone(JAKARTA).strftime("%H:%M") for r in engine.sandbox.sent()]
    assert (templates(engine), went) == (["first", "second"], ["09:00", "10:30"])


@pytest.mark.parametrize(("plan", "then"), [("gold", "gold_offer"), ("basic", "upgrade")])
def test_a_branch_on_an_attribute_takes_then_or_else(
    engine: MemoryEngine, plan: str, then: str
) -> None:
    engine.deps.rules.save_rule(
        journey(
            {"kind": "branch", "if": {"attribute": "plan", "value": "gold"}, "then": 1, "else": 3},
            send("gold_offer"),
            {"kind": "branch", "then": 4},
            send("upgrade"),
        )
    )
    quiet_contact(
        engine.deps, "6281100000962", engine.clock.now() - 25 * HOUR, attributes={"plan": plan}
    )
    engine.tick()
    assert templates(engine) == [then]
