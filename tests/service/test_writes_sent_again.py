"""The sender's writes made, their answers lost, and sent again by the client: each one
sent again holds as the first did, so the sender goes on as if it had its answer."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup.services.ports import Change, CommitRejected, FollowUpChange
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.sender import reply_mid_send

HOUR = timedelta(hours=1)


class AnswersLost:
    """The store in front of `deps`: each single write `lost` picks is made, its answer
    lost, and sent again, the caller getting the second answer. (A transaction sent again
    is a no-op on DynamoDB: it carries the client's request token.)"""

    def __init__(self, deps: Any, lost: Callable[[Change], bool]) -> None:
        self.real, self._lost = deps.transactions, lost
        self.sent_again = 0
        deps.transactions = self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        if len(changes) == 1 and self._lost(changes[0]):
            with contextlib.suppress(CommitRejected):  # not made: sent again, refused alike
                self.real.commit(changes, at)
            self.sent_again += 1
        self.real.commit(changes, at)


def _sender_writes(change: Change) -> bool:
    """The claim and every write after it."""
    return isinstance(change, FollowUpChange) and change.expected in (
        Status.QUEUED,
        Status.SENDING,
    )


def _after_the_claim(change: Change) -> bool:
    return isinstance(change, FollowUpChange) and change.expected is Status.SENDING


def _sent_today(engine: MemoryEngine) -> int:
    today = engine.clock.now().date()
    return sum(row.counts.get("sent", 0) for row in engine.deps.stats.stats(today, today))


def test_a_follow_up_whose_claim_and_sent_writes_come_twice_is_sent_and_counted_once(
    engine: MemoryEngine,
) -> None:
    # Given a lead due for a follow-up, and every write of the sender sent twice
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000961", engine.clock.now() - 25 * HOUR)
    lost = AnswersLost(engine.deps, _sender_writes)
    # When the tick queues it and the sender takes it
    engine.tick()
    # Then both its claim and its sent write came again, and it went out once, counted once
    assert lost.sent_again == 2
    assert len(engine.sandbox.sent()) == 1
    assert [f.status for f in engine.deps.followups.followups_of(lead.id)] == [Status.SENT]
    assert _sent_today(engine) == 1


def test_a_stop_heard_mid_send_ends_the_follow_up_whose_sent_write_came_twice(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead whose STOP reaches the webhook while WhatsApp takes the follow-up, and
    # the sender's writes after its claim sent twice
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000962", engine.clock.now() - 25 * HOUR)
    reply_mid_send(engine, monkeypatch, lead)
    lost = AnswersLost(deps, _after_the_claim)
    # When the tick sends it
    engine.tick()
    # Then the sender took its sent write as made, and the STOP answers the follow-up
    assert lost.sent_again == 1
    [followup] = deps.followups.followups_of(lead.id)
    assert [h.status.value for h in followup.history][-2:] == ["sent", "opted_out"]


def test_a_follow_up_throttled_whose_requeue_came_twice_goes_out_seconds_later(
    engine: MemoryEngine,
) -> None:
    # Given a lead due for a follow-up WhatsApp refuses once as too fast for the number,
    # and the sender's writes after its claim sent twice
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000963", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=429, code=130429)
    AnswersLost(engine.deps, _after_the_claim)
    engine.tick()
    # When a few seconds pass
    engine.run_until(engine.clock.now() + timedelta(seconds=10))
    # Then it was put back on the send queue, and went out on the next try
    assert [r.status for r in engine.sandbox.requests] == [429, 200]
    assert [f.status for f in engine.deps.followups.followups_of(lead.id)] == [Status.SENT]
