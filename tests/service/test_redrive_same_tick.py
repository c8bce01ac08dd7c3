"""A follow-up a write handed to the send queue (send-now, an approval, a resumed number's
release, a retry) whose message never reached SQS goes at the first tick past its redrive
time, as `FOLLOWUP_REDRIVE_AFTER_MINUTES` promises, not a whole tick later."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from zoneinfo import ZoneInfo

from followup.domain.contact import Contact
from followup.domain.followup import Status
from followup.services.manual import send_now
from followup_local.memory_engine import MemoryEngine
from tests.support.by_hand import in_window_at_half_past

HOUR, MINUTE, SECOND = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
JAKARTA = ZoneInfo("Asia/Jakarta")


class _QueueDown:
    """The send queue refusing calls (an SQS outage or throttle) until `up` is set."""

    def __init__(self, inner: object) -> None:
        self._inner, self.up = inner, False

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def enqueue(self, *args: object, **kwargs: object) -> None:
        if not self.up:
            raise RuntimeError("SQS: ServiceUnavailable")
        self._inner.enqueue(*args, **kwargs)  # type: ignore[attr-defined]

    def enqueue_each(self, *args: object, **kwargs: object) -> None:
        if not self.up:
            raise RuntimeError("SQS: ServiceUnavailable")
        self._inner.enqueue_each(*args, **kwargs)  # type: ignore[attr-defined]


def _send_now_lost_by_sqs(engine: MemoryEngine, wa_id: str) -> tuple[Contact, _QueueDown]:
    """A counsellor's "send now" 30 s after the clock's time whose SQS call fails after the
    follow-up was written handed over (the API answers an error); SQS is back right after."""
    lead = in_window_at_half_past(engine, wa_id)
    down = _QueueDown(engine.deps.queue)
    engine.deps.queue = down
    with contextlib.suppress(RuntimeError):
        send_now(engine.deps, lead.id, "apply-remind-24h")
    down.up = True
    return lead, down


def test_a_send_now_whose_message_never_reached_sqs_goes_at_the_first_tick_past_its_redrive(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks at :00 (enqueue, dispatch, expire, as the workflow runs them) and a
    # send-now at 09:00:30 whose message never reached SQS (its redrive time is 09:30:30)
    start = engine.clock.now()
    lead, _ = _send_now_lost_by_sqs(engine, "6281100000302")
    # When the ticks run at 10:00 and 11:00, the queue running between them
    engine.run_until(start + HOUR)
    engine.tick()
    engine.run_until(start + 2 * HOUR)
    engine.tick()
    # Then it went at 10:00, the first tick past its redrive time, not at 11:00
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert followup.sent_at is not None
    assert followup.sent_at <= start + HOUR + MINUTE, (
        f"sent {followup.sent_at.astimezone(JAKARTA):%H:%M:%S} WIB"
    )
    assert len(engine.sandbox.sent()) == 1


def test_a_send_now_lost_twice_by_sqs_goes_at_the_tick_past_its_next_redrive(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks and a send-now at 09:00:30 whose message never reached SQS
    start = engine.clock.now()
    lead, down = _send_now_lost_by_sqs(engine, "6281100000303")
    # When SQS is down again for the 10:00 tick, and back for the 11:00 one
    down.up = False
    engine.run_until(start + HOUR)
    with contextlib.suppress(RuntimeError):
        engine.tick()
    down.up = True
    engine.run_until(start + 2 * HOUR)
    engine.tick()
    # Then it went once, at 11:00: handed over again each redrive time while nobody took it
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert followup.sent_at is not None
    assert start + 2 * HOUR <= followup.sent_at <= start + 2 * HOUR + MINUTE
    assert len(engine.sandbox.sent()) == 1
