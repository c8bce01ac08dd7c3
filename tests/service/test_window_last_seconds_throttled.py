"""A follow-up due in the send window's last seconds that WhatsApp throttles, or the
pacer puts back for a few seconds, still goes that day: the wait is ours, not its."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup_local.memory_engine import MemoryEngine
from tests.service.test_pacing_retries import _at_jakarta
from tests.service.test_warm_up_retries import LEADS
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def test_a_follow_up_throttled_in_the_windows_last_seconds_goes_that_day(
    engine: MemoryEngine,
) -> None:
    # Given a lead due at 16:59:57 on Tuesday, the send window closing at 17:00
    engine.deps.rules.save_rule(rule())
    _at_jakarta(engine, 0, 16, 59, 57)
    lead = quiet_contact(engine.deps, LEADS[0], engine.clock.now() - 25 * HOUR)
    # When WhatsApp throttles its send once (130429), and it comes back seconds later,
    # after 17:00
    engine.sandbox.fail_next(status=429, code=130429)
    engine.tick()
    engine.clock.advance(5 * SECOND)
    engine.drain()
    # Then it went that day, not at Wednesday's opening
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert followup.sent_at is not None
    assert followup.sent_at - followup.scheduled_at < 10 * SECOND


def test_one_throttled_that_comes_back_minutes_later_waits_for_the_next_opening(
    engine: MemoryEngine,
) -> None:
    # Given a lead due at 16:59:57 on Tuesday, the send window closing at 17:00
    engine.deps.rules.save_rule(rule())
    _at_jakarta(engine, 0, 16, 59, 57)
    lead = quiet_contact(engine.deps, LEADS[0], engine.clock.now() - 25 * HOUR)
    # When WhatsApp throttles its send once, and the queue brings it back two minutes on
    engine.sandbox.fail_next(status=429, code=130429)
    engine.tick()
    engine.clock.advance(2 * 60 * SECOND)
    engine.drain()
    # Then it waits for Wednesday's opening: that late, the window is judged as it is
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.QUEUED
