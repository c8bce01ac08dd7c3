"""Invariant 7: a message that reaches the engine after the tick that would have covered its
silence still triggers its rules, exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup.domain.ids import contact_id
from followup.services import crm_events
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

TICK = timedelta(hours=1)
WA_ID = "6281100000901"


@pytest.mark.parametrize("late_by_ticks", [0, 1, 10])
def test_a_late_message_still_triggers_a_five_minute_rule_once(
    engine: MemoryEngine, late_by_ticks: int
) -> None:
    # Given a rule for leads quiet 5 minutes, and the hourly scheduler running
    engine.deps.rules.save_rule(
        rule(trigger={"stages": ["new"], "idle": {"amount": 5, "unit": "minutes"}})
    )
    engine.tick()
    written = engine.clock.now() + timedelta(minutes=1)
    message = envelopes.text_message(WA_ID, "info about the course?", written, "wamid.late.1")
    engine.sandbox.record_inbound(WA_ID, written)  # WhatsApp's side knows the lead wrote
    # When a lead's message reaches the webhook `late_by_ticks` ticks after it was written
    for n in range(late_by_ticks + 24):
        if n == late_by_ticks:
            engine.clock.advance(timedelta(minutes=1))
            assert engine.deliver(message) == 200
            engine.clock.advance(TICK - timedelta(minutes=1))
        else:
            engine.clock.advance(TICK)
        engine.tick()
    # And 360dialog delivers it once more, a day later
    assert engine.deliver(message) == 200
    engine.clock.advance(TICK)
    engine.tick()
    # Then the rule answered that silence exactly once
    followups = engine.deps.followups.followups_of(contact_id(f"wa:{WA_ID}"))
    assert [(f.rule_id, f.status, f.silence_key) for f in followups] == [
        ("apply-remind-24h", Status.SENT, written.isoformat())
    ]
    assert len(engine.sandbox.sent()) == 1


@pytest.mark.parametrize("late_by_ticks", [0, 1, 10])
def test_a_crm_stage_change_with_an_earlier_time_triggers_its_rule_once(
    engine: MemoryEngine, late_by_ticks: int
) -> None:
    # Given a rule for leads who applied and stayed quiet 30 minutes, on an hourly tick
    engine.deps.rules.save_rule(
        rule(
            "pay-remind",
            trigger={"stages": ["applied"], "idle": {"amount": 30, "unit": "minutes"}},
            exit={"stages": ["paid"]},
        )
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - timedelta(days=30))
    engine.tick()
    changed = engine.clock.now() + timedelta(minutes=1)
    event = {"type": "stage_changed", "contact": WA_ID, "stage": "applied"}
    # When the CRM reports the change `late_by_ticks` ticks after it happened, with its time
    for n in range(late_by_ticks + 24):
        if n == late_by_ticks:
            engine.clock.advance(timedelta(minutes=2))
            late = crm_events.Event.model_validate({**event, "at": changed.isoformat()})
            crm_events.apply(engine.deps, late.root)
            engine.clock.advance(TICK - timedelta(minutes=2))
        else:
            engine.clock.advance(TICK)
        engine.tick()
    # Then the rule followed up that silence once, dated from the change
    followups = engine.deps.followups.followups_of(lead.id)
    assert [(f.rule_id, f.silence_key) for f in followups] == [("pay-remind", changed.isoformat())]
    assert len(engine.sandbox.sent()) == 1


def test_a_late_message_enrolls_nobody_in_a_rule_that_is_off(engine: MemoryEngine) -> None:
    # Given a 5-minute rule, turned off after this container cached it as on
    engine.deps.rules.save_rule(
        rule(trigger={"stages": ["new"], "idle": {"amount": 5, "unit": "minutes"}})
    )
    engine.tick()
    engine.deps.rules.set_active("apply-remind-24h", False)
    # When a message written an hour ago arrives now
    written = engine.clock.now() - TICK
    engine.deliver(envelopes.text_message(WA_ID, "hello?", written, "wamid.late.2"))
    # Then no sequence starts
    assert engine.deps.followups.enrollments_of(contact_id(f"wa:{WA_ID}")) == []
