"""A follow-up tried again holds what its first try took in the caps: a store error after
the caps were checked (the pacing table throttled, say) puts it back with its warm-up
place and its count toward the portfolio's messaging limit, so the retry takes neither
again. A count taken on a try is reused only in the hour it was taken: a follow-up that
goes in a later hour counts its user again, so the count never stops before WhatsApp's."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.adapters.memory_pacing import MemoryPacing
from followup.domain.followup import FollowUp, Status
from followup.services.messaging_limit import usage
from followup.services.pacing import Pacer
from followup_local.memory_engine import MemoryEngine
from tests.service.test_warm_up_retries import LEADS, _follow_up, _left, _now
from tests.support.builders import quiet_contact, rule
from tests.support.limits import warming

JAKARTA = ZoneInfo("Asia/Jakarta")
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


class ThrottledOnce(MemoryPacing):
    """The pacing table throttled once (ProvisionedThroughputExceeded after botocore's
    retries): the recipient's marker fails to be written the first time."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def space(self, key: str, at: datetime, until: datetime) -> datetime | None:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("ProvisionedThroughputExceededException on the pacing table")
        return super().space(key, at, until)


def _paced_flaky(engine: MemoryEngine) -> None:
    """Pace the sender at 80 a second on a pacing table that fails its first write."""
    clock = engine.clock
    engine.deps.pacer = Pacer(
        ThrottledOnce(),
        engine.deps.sending_number,
        80,
        clock,
        lambda seconds: clock.advance(timedelta(seconds=seconds)),
    )


def _at_jakarta(engine: MemoryEngine, days_on: int, hh: int, mm: int, ss: int = 0) -> None:
    """Move the clock to hh:mm:ss in Jakarta, `days_on` days from today."""
    now = engine.clock.now().astimezone(JAKARTA)
    target = now.replace(hour=hh, minute=mm, second=ss, microsecond=0)
    engine.clock.advance(target + timedelta(days=days_on) - now)


def test_a_follow_up_sent_after_a_store_error_while_pacing_takes_one_place_of_the_days_cap(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 2 business-initiated sends today, and the pacing table
    # failing once as the first lead's send waits for its turn
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [2])
    _paced_flaky(engine)

    # When the first lead is followed up: its first try fails on the store, the retry sends
    first = _follow_up(engine, LEADS[0])
    assert _now(engine, first).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1

    # Then it holds one place of the day's cap, and a second lead still goes today
    assert _left(engine, today) == 1
    second = _follow_up(engine, LEADS[1])
    assert (second.status, second.reason) == (Status.SENT, None)
    assert _left(engine, today) == 0


def test_a_follow_up_sent_after_a_store_error_while_pacing_counts_its_user_once(
    engine: MemoryEngine,
) -> None:
    # Given the pacing table failing once as the first lead's send waits for its turn
    engine.deps.rules.save_rule(rule())
    _paced_flaky(engine)

    # When one lead, outside their window, is followed up and goes on the retry
    first = _follow_up(engine, LEADS[0])
    assert _now(engine, first).status is Status.SENT

    # Then the portfolio reached one user, as GET /api/numbers says
    assert usage(engine.deps, engine.clock.now())["reached"] == 1


def throttled_at_the_close(engine: MemoryEngine, back_after: timedelta) -> FollowUp:
    """A lead's follow-up due at 16:59:57 on Tuesday, three seconds before the send window
    closes, whose send WhatsApp throttles once (130429), brought back `back_after` later;
    as it stands then."""
    engine.deps.rules.save_rule(rule())
    _at_jakarta(engine, 0, 16, 59, 57)
    lead = quiet_contact(engine.deps, LEADS[0], engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=429, code=130429)
    engine.tick()
    engine.clock.advance(back_after)
    engine.drain()
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def test_a_user_counted_on_a_throttled_try_and_sent_next_morning_is_counted_for_a_whole_day(
    engine: MemoryEngine,
) -> None:
    # Given a lead due at 16:59:57 on Tuesday, whose send WhatsApp throttles once (130429):
    # it is counted toward the portfolio's limit on that try, and the queue brings it back
    # two minutes later, after the send window closed at 17:00
    waiting = throttled_at_the_close(engine, back_after=120 * SECOND)
    assert waiting.status is Status.QUEUED
    assert waiting.reached_at is not None

    # When it goes at Wednesday's opening, 08:00
    _at_jakarta(engine, 1, 8, 0)
    engine.tick()
    sent = _now(engine, waiting)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None

    # Then the user still counts at Wednesday 17:30, as WhatsApp counts them until
    # Thursday 08:00
    _at_jakarta(engine, 0, 17, 30)
    assert engine.clock.now() - sent.sent_at < timedelta(hours=24)
    assert usage(engine.deps, engine.clock.now())["reached"] == 1
