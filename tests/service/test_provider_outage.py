"""A 360dialog outage is ridden out: a send it cannot take is tried again, 30 s later and
doubling, at most 15 minutes apart, for the workspace's tries (`max_attempts`, 10)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.lookahead import MAX_QUEUE_DELAY
from followup.services.send import RETRY_GAP_AT_MOST
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


def through_an_outage(engine: MemoryEngine, wa_id: str, failed_tries: int) -> FollowUp:
    """A follow-up due now, 360dialog answering 503 to its first `failed_tries` tries, and
    the engine run for three hours: the follow-up then."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=503, times=failed_tries)
    start = engine.clock.now()
    engine.tick()
    engine.run_until(start + 3 * HOUR)
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def test_a_360dialog_outage_of_an_hour_is_ridden_out(engine: MemoryEngine) -> None:
    # Given 360dialog failing the first nine tries of a follow-up
    followup = through_an_outage(engine, "6281100000801", failed_tries=9)
    # Then the tenth goes, over an hour after the first, each within 15 minutes of the last
    assert followup.status is Status.SENT
    tries = engine.sandbox.requests
    assert [t.status for t in tries] == [503] * 9 + [200]
    assert tries[-1].received_at - tries[0].received_at >= HOUR
    gaps = [b.received_at - a.received_at for a, b in pairwise(tries)]
    assert max(gaps) <= RETRY_GAP_AT_MOST


def test_an_outage_that_outlasts_the_tries_fails_the_follow_up(engine: MemoryEngine) -> None:
    followup = through_an_outage(engine, "6281100000802", failed_tries=10)
    assert followup.status is Status.FAILED
    assert (followup.reason or "").startswith(Reason.RETRIES_EXHAUSTED.value)
    assert len(engine.sandbox.requests) == 10


def test_every_try_waits_on_the_queue_not_for_a_tick() -> None:
    assert RETRY_GAP_AT_MOST <= MAX_QUEUE_DELAY
