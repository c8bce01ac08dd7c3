"""Driving the dispatch tick in tests, on either engine: a follow-up planned ahead of it,
one another path queues, the tick at a given time, and a store that dies before the tick
records its mark."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from followup.domain.followup import FollowUp
from followup.services.ports import DispatchMark, NewFollowUp
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

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


class DiesBeforeTheMark:
    """The follow-up store of a dispatch that crashes after SQS took its messages and
    before its mark is recorded."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def advance_dispatch_mark(self, mark: DispatchMark) -> bool:
        raise RuntimeError("Lambda ran out of time")
