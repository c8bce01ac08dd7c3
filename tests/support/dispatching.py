"""Driving the dispatch tick in tests, on either engine: a follow-up planned ahead of it,
one another path queues, the tick at a given time, a store that dies before the tick
records its mark, and the scenarios both engines play through."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup.services.ports import DispatchMark, NewFollowUp
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.lagging import lagging

HOUR, MINUTE, SECOND = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
TEMPLATE = {"name": "apply_reminder", "language": "en"}

Engine = LocalEngine | MemoryEngine


def planned(engine: Engine, wa_id: str) -> FollowUp:
    """A follow-up the enqueue tick planned now, due in 44 min 13 s (in this hour's
    look-ahead), a minute before the dispatch tick reads the queue."""
    start = engine.clock.now()
    steps = [{"wait": {"amount": 45, "unit": "minutes"}, "template": TEMPLATE}]
    engine.deps.rules.save_rule(rule(steps=steps))
    lead = quiet_contact(engine.deps, wa_id, start - 24 * HOUR - 47 * SECOND)
    engine.scheduled("enqueue")
    engine.clock.advance(MINUTE)
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.scheduled_at == start + timedelta(minutes=44, seconds=13)
    return followup


def dispatch_at(engine: Engine, at: datetime) -> int:
    """How many follow-ups the dispatch tick at `at` hands over."""
    engine.clock.advance(at - engine.clock.now())
    dispatched: int = engine.scheduled("dispatch")["dispatched"]
    return dispatched


def fallback_written(engine: Engine, of: FollowUp) -> FollowUp:
    """What a channel's fallback writes now: a follow-up of its own, queued and due now."""
    at = engine.clock.now()
    fallback = of.model_copy(
        update={
            "id": f"{of.id}-fallback",
            "created_at": at,
            "scheduled_at": at,
            "wake_at": at,
            "queued_at": at,
        }
    )
    engine.deps.commit([NewFollowUp(fallback)], at)
    return fallback


def current(engine: Engine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def pause(engine: Engine, paused: bool) -> None:
    """Sending paused (or resumed) for the whole workspace."""
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"paused": paused}))
    engine.deps.catalog.invalidate()


def crash_before_the_mark(engine: Engine, wa_id: str) -> None:
    """A dispatch tick that dies after the queue took its message, before its mark: the
    next tick hands the follow-up over again, and the sender sends it once, on time."""
    # Given a dispatch tick that dies after queueing, before recording its mark
    followup = planned(engine, wa_id)
    real = engine.deps.followups
    engine.deps.followups = DiesBeforeTheMark(real)
    with pytest.raises(RuntimeError):
        engine.scheduled("dispatch")
    engine.deps.followups = real
    assert engine.deps.followups.dispatch_mark() is None
    # When the next tick runs, it hands the follow-up over again
    assert dispatch_at(engine, engine.clock.now() + MINUTE) == 1
    # Then both copies arrive at its due second and the sender claims and sends once
    engine.run_until(followup.scheduled_at + HOUR)
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    sent = current(engine, followup)
    assert sent.status is Status.SENT
    assert sent.sent_at == followup.scheduled_at


def put_back_just_before_a_hidden_tick(engine: Engine, wa_id: str) -> None:
    """A follow-up the sender puts back in the queue a second before a tick whose index
    does not show it yet goes at the next tick, once, not half an hour late."""
    # Given a follow-up handed over, then an index that shows a write only 30 s after it
    followup = planned(engine, wa_id)
    assert dispatch_at(engine, engine.clock.now()) == 1
    lagging(engine.deps, 30 * SECOND, behind=1)
    due = followup.scheduled_at
    # When sending is paused as its message arrives at its due second: the sender puts it
    # back in the queue, a second before a tick
    pause(engine, True)
    engine.clock.advance(due - engine.clock.now())
    engine.drain()
    assert current(engine, followup).queued_at == due
    pause(engine, False)
    # Then that tick does not see it, and the next one hands it over, not half an hour late
    assert dispatch_at(engine, due + SECOND) == 0
    assert dispatch_at(engine, due + SECOND + MINUTE) == 1
    assert [dispatch_at(engine, due + SECOND + n * MINUTE) for n in (2, 3)] == [0, 0]
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).status is Status.SENT


def ticks_seconds_apart(engine: Engine, handed_at: datetime, handed: FollowUp) -> None:
    """After a tick at `handed_at` handed `handed` over: another path queues a follow-up two
    seconds later, and ticks run by hand three seconds apart (closer together than the
    index may lag). The first of them hands the fallback over, none anything again."""
    engine.clock.advance(2 * SECOND)
    fallback_written(engine, handed)
    ticks = [dispatch_at(engine, handed_at + n * 3 * SECOND) for n in range(1, 6)]
    assert ticks == [1, 0, 0, 0, 0]
    assert dispatch_at(engine, handed_at + MINUTE) == 0


class DiesBeforeTheMark:
    """The follow-up store of a dispatch that crashes after SQS took its messages and
    before its mark is recorded."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def advance_dispatch_mark(self, mark: DispatchMark) -> bool:
        raise RuntimeError("Lambda ran out of time")
