"""Staff set do-not-contact on a lead mid-journey, then lift it: the journey goes on from
the step it stood on, at the time the journey had timed for it, waits between the last
send and that step included; not counted again from the last send, which skipped them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup.domain.rule import Rule
from followup.services import do_not_contact
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
JAKARTA = ZoneInfo("Asia/Jakarta")


def send(name: str, wait: dict[str, Any]) -> dict[str, Any]:
    return {"wait": wait, "template": {"name": name, "language": "en"}}


def nurture(engine: MemoryEngine) -> None:
    """A journey: A at once, a wait of 3 days, then B two days after it, at any hour."""
    steps = [
        send("a", {"amount": 0, "unit": "minutes"}),
        {"kind": "wait", "for": {"amount": 3, "unit": "days"}},
        send("b", {"amount": 2, "unit": "days"}),
    ]
    trigger = {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}}
    rule = {"id": "nurture", "name": "Nurture", "trigger": trigger, "steps": steps}
    engine.deps.rules.save_rule(Rule.model_validate({**rule, "send_anytime": True}))


def sent(engine: MemoryEngine) -> list[tuple[str, str]]:
    """Each template sent, by name, and when, on the lead's clock."""
    return [
        (
            (r.body or {})["template"]["name"],
            r.received_at.astimezone(JAKARTA).strftime("%a %H:%M"),
        )
        for r in engine.sandbox.sent()
    ]


def test_a_resumed_journey_keeps_the_wait_before_its_step(engine: MemoryEngine) -> None:
    # Given a journey: A at once, a wait of 3 days, then B two days after it
    nurture(engine)
    lead = quiet_contact(engine.deps, "6281100000971", engine.clock.now() - 25 * HOUR)
    start = engine.clock.now()  # Tuesday 09:00 in Jakarta
    engine.tick()
    engine.ticks_until(start + 3 * DAY + 2 * HOUR, every=HOUR)
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert (enrollment.item.step_index, enrollment.item.next_due_at) == (2, start + 5 * DAY)
    # When staff set do-not-contact on Friday, past the wait, and lift it an hour later
    do_not_contact.stop_contacting(engine.deps, lead.id, "staff@example.com", engine.clock.now())
    engine.clock.advance(HOUR)
    do_not_contact.allow_contacting(engine.deps, lead.id, engine.clock.now())
    engine.ticks_until(start + 6 * DAY, every=HOUR)
    # Then B goes on Sunday at 09:00, as the journey timed it, not on Friday
    assert sent(engine) == [("a", "Tue 09:00"), ("b", "Sun 09:00")]


def test_a_journey_resumed_after_its_step_was_due_goes_at_the_next_tick(
    engine: MemoryEngine,
) -> None:
    # Given the same journey, stopped on Friday and lifted the Monday after B was due
    nurture(engine)
    lead = quiet_contact(engine.deps, "6281100000972", engine.clock.now() - 25 * HOUR)
    start = engine.clock.now()
    engine.tick()
    engine.ticks_until(start + 3 * DAY + 2 * HOUR, every=HOUR)
    do_not_contact.stop_contacting(engine.deps, lead.id, "staff@example.com", engine.clock.now())
    engine.ticks_until(start + 6 * DAY, every=HOUR)
    # When the stop is lifted on Monday at 09:00, after that hour's tick
    do_not_contact.allow_contacting(engine.deps, lead.id, engine.clock.now())
    engine.ticks_until(start + 6 * DAY + 2 * HOUR, every=HOUR)
    # Then B goes at the next tick, once
    assert sent(engine) == [("a", "Tue 09:00"), ("b", "Mon 10:00")]
