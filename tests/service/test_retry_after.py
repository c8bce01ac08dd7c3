"""360dialog asking us to wait (`Retry-After`) is obeyed: a rate limit or an outage that
says how long to stay away is not tried again sooner, up to the 15 minutes between two
tries that let an hour's outage be ridden out."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from followup.domain.followup import FollowUp, Status
from followup.services.send import RETRY_GAP_AT_MOST
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


def through_refusals(
    engine: MemoryEngine, wa_id: str, status: int, times: int, retry_after: str
) -> FollowUp:
    """A follow-up due now, 360dialog answering its first `times` tries with `status` and
    that `Retry-After`, and the engine run for three hours: the follow-up then."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=status, times=times, retry_after=retry_after)
    start = engine.clock.now()
    engine.tick()
    engine.run_until(start + 3 * HOUR)
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def gaps(engine: MemoryEngine) -> list[timedelta]:
    return [b.received_at - a.received_at for a, b in pairwise(engine.sandbox.requests)]


def test_a_rate_limit_that_asks_for_a_minute_is_not_tried_again_sooner(
    engine: MemoryEngine,
) -> None:
    # Given 360dialog rate limiting the first three tries with 429, "Retry-After: 60"
    followup = through_refusals(engine, "6281100000861", 429, 3, "60")
    # Then each try came a minute or more after the last, and the fourth went, once
    assert [t.status for t in engine.sandbox.requests] == [429, 429, 429, 200]
    assert min(gaps(engine)) >= timedelta(seconds=60)
    assert followup.status is Status.SENT


def test_an_outage_that_asks_for_five_minutes_is_not_tried_again_sooner(
    engine: MemoryEngine,
) -> None:
    # Given 360dialog answering the first two tries 503, "Retry-After: 300"
    followup = through_refusals(engine, "6281100000862", 503, 2, "300")
    # Then the tries came five minutes apart, not 30 s and a minute, and the third went
    assert [t.status for t in engine.sandbox.requests] == [503, 503, 200]
    assert min(gaps(engine)) >= timedelta(minutes=5)
    assert followup.status is Status.SENT


def test_a_wait_asked_for_beyond_15_minutes_is_cut_to_15(engine: MemoryEngine) -> None:
    # Given 360dialog answering the first three tries 503, "Retry-After: 7200"
    followup = through_refusals(engine, "6281100000863", 503, 3, "7200")
    # Then the tries came 15 minutes apart, and the follow-up went within the hour
    assert [t.status for t in engine.sandbox.requests] == [503, 503, 503, 200]
    assert gaps(engine) == [RETRY_GAP_AT_MOST] * 3
    assert followup.status is Status.SENT
