"""Sent when due: each tick queues and dispatches what falls due before the next one, and
the send queue holds each follow-up back to its own second, whatever the tick rate."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from followup.domain.followup import FollowUp, Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
TEMPLATE = {"name": "apply_reminder", "language": "en"}


def sent(engine: MemoryEngine, contact_id: str) -> list[FollowUp]:
    found = engine.deps.followups.followups_of(contact_id)
    return sorted((f for f in found if f.sent_at is not None), key=lambda f: f.step_index)


def every(engine: MemoryEngine, tick: timedelta, until: datetime) -> None:
    """Ticks every `tick` up to `until`, the queue running between them."""
    engine.deps.timings = replace(engine.deps.timings, tick=tick)
    while engine.clock.now() <= until:
        engine.tick()
        engine.run_until(engine.clock.now() + tick)


def test_a_follow_up_due_between_hourly_ticks_goes_at_its_second(engine: MemoryEngine) -> None:
    # Given hourly ticks and a step due 29 min 13 s after this one: longer than SQS holds
    start = engine.clock.now()
    engine.deps.rules.save_rule(
        rule(steps=[{"wait": {"amount": 30, "unit": "minutes"}, "template": TEMPLATE}])
    )
    lead = quiet_contact(engine.deps, "6281100000101", start - 24 * HOUR - timedelta(seconds=47))
    due = start + timedelta(minutes=29, seconds=13)
    # When the engine ticks hourly for two hours
    every(engine, HOUR, start + 2 * HOUR)
    # Then it went out once, at its due second, not at the next tick
    [followup] = sent(engine, lead.id)
    assert followup.sent_at == due
    assert len(engine.sandbox.sent()) == 1


def test_the_step_after_a_send_counts_from_the_send_not_the_tick(engine: MemoryEngine) -> None:
    # Given 15-minute ticks and a journey: a send, a tag, then a send 2 hours later
    start = engine.clock.now()
    steps = [
        {"wait": {"amount": 10, "unit": "minutes"}, "template": TEMPLATE},
        {"kind": "action", "do": "add_tag", "tag": "reminded"},
        {"wait": {"amount": 2, "unit": "hours"}, "template": TEMPLATE},
    ]
    engine.deps.rules.save_rule(rule(steps=steps))
    lead = quiet_contact(engine.deps, "6281100000102", start - 24 * HOUR - timedelta(seconds=47))
    # When the engine ticks every 15 minutes for three hours
    every(engine, 15 * MINUTE, start + 3 * HOUR)
    # Then the first went at its due second and the second exactly 2 hours after it
    first, second = sent(engine, lead.id)
    assert first.sent_at == start + timedelta(minutes=9, seconds=13)
    assert second.sent_at == first.sent_at + 2 * HOUR
    assert second.status is Status.SENT
