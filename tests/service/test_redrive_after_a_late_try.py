"""A follow-up handed to the send queue and still unclaimed at its redrive time is handed
over again by the tick that reads it. When its message only came late, a sender may take
it between that read and the tick's write, try it, and put it back (queued again, after
a backoff): the tick's copy, still `queued` as read, must not overwrite that try."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup.services.manual import send_now
from followup.services.ports import Phase, phase_of
from followup.services.send import send_one
from followup_local.memory_engine import MemoryEngine
from tests.support.by_hand import in_window_at_half_past

HOUR, SECOND = timedelta(hours=1), timedelta(seconds=1)


class _LateMessage:
    """The send queue keeping the first message it is given, for the test to deliver."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.kept: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def enqueue(self, followup_ids: Iterable[str], delay_seconds: int = 0) -> None:
        ids = list(followup_ids)
        if not self.kept:
            self.kept.extend(ids)
            return
        self._inner.enqueue(ids, delay_seconds=delay_seconds)


class _TriedWhileRead:
    """The follow-ups, with the late message taken by a sender (claimed, tried, put back)
    just after a tick read the follow-up from its lane, before the tick writes it."""

    def __init__(self, engine: MemoryEngine, followup_id: str) -> None:
        self._engine, self._id = engine, followup_id
        self._real = engine.deps.followups
        self.tried = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def waiting(self, phases: Any, until: datetime) -> Iterator[FollowUp]:
        for followup in self._real.waiting(phases, until):
            if followup.id == self._id and not self.tried:
                self.tried = True
                send_one(self._engine.deps, self._id)
            yield followup


def _send_now_whose_message_comes_late(engine: MemoryEngine, wa_id: str) -> FollowUp:
    """A counsellor's "send now" at 09:00:30 whose SQS message is not received before its
    redrive time (09:30:30); 360dialog answers the first try 500."""
    start = engine.clock.now()
    lead = in_window_at_half_past(engine, wa_id)
    late = _LateMessage(engine.deps.queue)
    engine.deps.queue = late
    send_now(engine.deps, lead.id, "apply-remind-24h")
    engine.deps.queue = late._inner
    [handed] = engine.deps.followups.followups_of(lead.id)
    assert late.kept == [handed.id]
    assert phase_of(handed) is Phase.DISPATCHED
    engine.sandbox.fail_next(status=500)
    engine.clock.advance(start + HOUR - engine.clock.now())
    return handed


@pytest.mark.parametrize("tick", ["dispatch", "expire"])
def test_a_try_made_while_a_tick_hands_the_follow_up_over_again_is_kept(
    engine: MemoryEngine, tick: str
) -> None:
    # Given a send-now whose message is late, past its redrive time at the 10:00 tick
    handed = _send_now_whose_message_comes_late(engine, "6281100000311")
    # When the message is taken just as the tick reads the follow-up, and its try fails
    racing = _TriedWhileRead(engine, handed.id)
    engine.deps.followups = racing
    engine.scheduled(tick)
    engine.deps.followups = racing._real
    assert racing.tried
    # Then the try stays on record, counted, and it waits for its backoff
    followup = engine.deps.followups.followup(handed.id)
    assert followup is not None
    assert [h.status for h in followup.history] == [Status.QUEUED, Status.SENDING, Status.QUEUED]
    assert followup.attempt == 1
    assert followup.reason is not None
    assert "500" in followup.reason
