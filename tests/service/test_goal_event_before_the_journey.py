"""A goal or exit event heard before the journey's silence crossed its idle time: the lead
has already done what the journey is for (or what ends it) in this very silence, and gets
nothing in it; a later silence is a new one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.services import crm_events, rules
from followup.services.inbound import record_inbound
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
WA_ID = "6281100000811"
PAY_NOW = {
    "wait": {"amount": 0, "unit": "minutes"},
    "template": {"name": "pay_now", "language": "en"},
}


def apply(engine: MemoryEngine, event: dict[str, Any]) -> None:
    crm_events.apply(engine.deps, crm_events.Event.model_validate(event).root)


def sent(engine: MemoryEngine) -> list[str]:
    return [r.body["template"]["name"] for r in engine.sandbox.sent() if r.body]


def run_hours(engine: MemoryEngine, hours: int) -> None:
    for _ in range(hours):
        engine.clock.advance(HOUR)
        engine.tick()


def test_a_lead_who_paid_before_the_payment_reminder_crossed_is_not_reminded_to_pay(
    engine: MemoryEngine,
) -> None:
    # Given a payment reminder for leads quiet 24 h, whose goal is the payment event, and a
    # lead quiet for 20 h
    rules.create(engine.deps, rule("pay", steps=[PAY_NOW], goal={"events": ["payment_received"]}))
    quiet_contact(engine.deps, WA_ID, engine.clock.now() - 20 * HOUR)
    engine.tick()
    # When the payment system reports the lead paid, in the same silence
    apply(engine, {"type": "custom", "name": "payment_received", "contact": WA_ID})
    run_hours(engine, 24)
    # Then the lead, whose goal is reached, is not asked to pay
    assert sent(engine) == []


def test_an_exit_event_before_the_journey_keeps_it_out_of_that_silence_only(
    engine: MemoryEngine,
) -> None:
    # Given a payment reminder for leads quiet 24 h that ends when the order is cancelled,
    # and a lead quiet for 20 h
    rules.create(engine.deps, rule("pay", steps=[PAY_NOW], exit={"events": ["order_cancelled"]}))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 20 * HOUR)
    # When the shop reports the order cancelled, in the same silence
    apply(engine, {"type": "custom", "name": "order_cancelled", "contact": WA_ID})
    run_hours(engine, 24)
    # Then nothing goes in that silence, and the journey that began ended for that reason
    assert sent(engine) == []
    ended = [e.item.exit_reason for e in engine.deps.followups.enrollments_of(lead.id)]
    assert ended == ["exit_event"]
    # When the lead writes again and falls quiet for a day
    record_inbound(engine.deps, WA_ID, "I ordered again", engine.clock.now())
    run_hours(engine, 26)
    # Then the new silence gets its reminder, once
    assert sent(engine) == ["pay_now"]
