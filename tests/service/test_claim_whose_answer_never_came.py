"""The sender's claim of a follow-up made or not, and no answer ever comes back for it
(the client's tries all time out): nothing reached a provider, so the follow-up goes back
on the queue and out on a later try, rather than waiting out its sending deadline to end
as an unknown outcome; and a claim another sender holds meanwhile is left to it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from followup.domain.followup import FollowUp, Reason, Status
from followup.services.ports import Change, FollowUpChange
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


class NoAnswer(Exception):
    """The store's answer never came (every try of the client timed out)."""


class ClaimUnanswered:
    """The store in front of `deps`: the first claim of a follow-up is made when `made`,
    then `meanwhile` runs (another writer), and its caller gets no answer."""

    def __init__(self, deps: Any, *, made: bool, meanwhile: Callable[[], None] = lambda: None):
        self.real, self._made, self._meanwhile = deps.transactions, made, meanwhile
        self.unanswered = 0
        deps.transactions = self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        claim = (
            len(changes) == 1
            and isinstance(changes[0], FollowUpChange)
            and changes[0].expected is Status.QUEUED
            and changes[0].followup.status is Status.SENDING
        )
        if not claim or self.unanswered:
            self.real.commit(changes, at)
            return
        self.unanswered += 1
        if self._made:
            self.real.commit(changes, at)
        self._meanwhile()
        raise NoAnswer("read timed out")


def _only(engine: MemoryEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def test_a_claim_made_and_left_unanswered_goes_back_on_the_queue_and_out_once(
    engine: MemoryEngine,
) -> None:
    # Given a lead due for a follow-up, and the store making the sender's claim but never
    # answering it
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000971", engine.clock.now() - 25 * HOUR)
    store = ClaimUnanswered(engine.deps, made=True)
    # When the tick queues it and the sender takes it, and a few minutes pass
    engine.tick()
    engine.run_until(engine.clock.now() + timedelta(minutes=5))
    # Then it went back on the queue, one try spent, and out on the next try, once, well
    # before its sending deadline
    assert store.unanswered == 1
    assert len(engine.sandbox.sent()) == 1
    sent = _only(engine, lead.id)
    assert (sent.status, sent.attempt) == (Status.SENT, 2)
    assert (Status.QUEUED, Reason.INTERRUPTED) in [(h.status, h.reason) for h in sent.history]


def test_a_claim_not_made_and_left_unanswered_is_tried_again_and_goes_out_once(
    engine: MemoryEngine,
) -> None:
    # Given a lead due for a follow-up, and the store neither making nor answering the
    # sender's claim
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000973", engine.clock.now() - 25 * HOUR)
    store = ClaimUnanswered(engine.deps, made=False)
    # When the tick queues it and the sender takes it, and a few minutes pass
    engine.tick()
    engine.run_until(engine.clock.now() + timedelta(minutes=5))
    # Then it went out once, on the message's next delivery
    assert store.unanswered == 1
    assert len(engine.sandbox.sent()) == 1
    assert _only(engine, lead.id).status is Status.SENT


def test_another_senders_claim_made_meanwhile_is_left_to_it(engine: MemoryEngine) -> None:
    # Given a lead due for a follow-up, whose claim by one sender is not made and gets no
    # answer, while another sender claims it
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000972", engine.clock.now() - 25 * HOUR)
    theirs: list[FollowUp] = []

    def other_sender() -> None:
        queued = _only(engine, lead.id)
        claimed = queued.claimed(engine.clock.now() + timedelta(milliseconds=5), HOUR)
        claim = FollowUpChange(claimed, Status.QUEUED, moves=queued.moves)
        store.real.commit([claim], engine.clock.now())
        theirs.append(claimed)

    store = ClaimUnanswered(engine.deps, made=False, meanwhile=other_sender)
    # When the first sender's claim goes unanswered
    engine.tick()
    # Then the other sender's claim stands, as it was written
    assert store.unanswered == 1
    stored = _only(engine, lead.id)
    assert stored.status is Status.SENDING
    assert stored.claimed_at == theirs[0].claimed_at
    assert engine.sandbox.sent() == []
