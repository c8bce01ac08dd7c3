"""An idle rule turned on again after a long pause reaches back no further than its
lookback: the leads who fell quiet while it was off, long ago, are not messaged, as the
activation's mass-send check (the preview) said."""

from __future__ import annotations

from datetime import timedelta

from followup.services import rules
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
RULE = "apply-remind-24h"


def test_a_rule_on_again_after_a_month_off_sends_nothing_for_old_silences(
    engine: MemoryEngine,
) -> None:
    # Given a rule that ran, then was turned off for a month while 5 leads fell quiet
    rules.create(engine.deps, rule())
    engine.tick()
    rules.deactivate(engine.deps, RULE, cancel_queued=False)
    start = engine.clock.now()
    for n in range(5):
        quiet_contact(engine.deps, f"62811000009{n:02d}", start + n * HOUR)
    engine.clock.advance(30 * DAY)
    # When it is turned on again, the preview counting nobody to message now
    assert preview(engine.deps, rules.current(engine.deps, RULE), sample=0).now_count == 0
    rules.activate(engine.deps, RULE, confirmed=False)
    engine.tick()
    engine.clock.advance(HOUR)
    engine.tick()
    # Then nobody is messaged
    assert engine.sandbox.sent() == []


def test_a_rule_on_again_after_a_day_off_catches_up_the_silences_of_that_day(
    engine: MemoryEngine,
) -> None:
    rules.create(engine.deps, rule())
    engine.tick()
    rules.deactivate(engine.deps, RULE, cancel_queued=False)
    quiet_contact(engine.deps, "6281100000950", engine.clock.now() - 20 * HOUR)
    engine.clock.advance(DAY)  # the lead's silence crossed 24 h while the rule was off
    rules.activate(engine.deps, RULE, confirmed=True)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
