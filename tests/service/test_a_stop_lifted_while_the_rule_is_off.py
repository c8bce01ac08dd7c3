"""A do-not-contact set and lifted while the journey's rule is switched off: the journey
goes on from the step it stood on once the rule is on again, as any journey the rule held
while off."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from followup.services import do_not_contact, rules
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
RULE = "apply-remind-24h"
TEMPLATE = {"name": "apply_reminder", "language": "en"}
JAKARTA = ZoneInfo("Asia/Jakarta")


def sent(engine: MemoryEngine) -> list[str]:
    return [r.received_at.astimezone(JAKARTA).strftime("%a %H:%M") for r in engine.sandbox.sent()]


def test_a_journey_a_stop_ended_while_its_rule_was_off_goes_on_once_both_are_lifted(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey (the second step a day after the first); the lead got the
    # first step on Tuesday at 09:00
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE},
        {"wait": {"amount": 1, "unit": "days"}, "template": TEMPLATE},
    ]
    rules.create(engine.deps, rule(steps=steps, exit={}))
    lead = quiet_contact(engine.deps, "6281100000981", engine.clock.now() - 24 * HOUR)
    engine.tick()
    assert sent(engine) == ["Tue 09:00"]
    # And marketing switched the rule off for a while at 10:00
    engine.ticks(1, every=HOUR)
    rules.deactivate(engine.deps, RULE, cancel_queued=False)
    # When staff set do-not-contact by mistake at 11:00 and lift it at 12:00
    engine.ticks(1, every=HOUR)
    do_not_contact.stop_contacting(engine.deps, lead.id, "staff@example.com", engine.clock.now())
    engine.ticks(1, every=HOUR)
    do_not_contact.allow_contacting(engine.deps, lead.id, engine.clock.now())
    # And the rule is switched on again on Wednesday at 12:00, after the step was due
    engine.ticks(24, every=HOUR)
    rules.activate(engine.deps, RULE, confirmed=True)
    engine.ticks(6, every=HOUR)
    # Then the journey went on from its second step once the rule was on again (at the
    # next tick, Wednesday 13:00), once
    assert sent(engine) == ["Tue 09:00", "Wed 13:00"]
