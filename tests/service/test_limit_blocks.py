"""Places in the portfolio's messaging limit taken in blocks: a sender takes several in one
update of the count and gives back what its batch did not use, and the count never passes
the allowance, whoever races, crashes or changes the limit mid-batch."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import (
    BUCKET,
    DEFERRED,
    REACH_WINDOW,
    MessagingLimit,
    bucket_of,
    bucket_start,
)
from followup.services.limit_places import Places
from followup.services.manual import send_now
from followup.services.messaging_limit import room, usage
from followup.services.ports import Pacing, Tally
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.limits import admit

ALLOWANCE = 225
"""The first tier (250 users) less its 10 % headroom."""
COUNT = "reached#default"


class CountedPacing:
    """The engine's pacing store, counting the updates of the portfolio's count item."""

    def __init__(self, inner: Pacing) -> None:
        self.inner = inner
        self.updates = 0
        self._lock = threading.Lock()

    def _counted(self, key: str) -> None:
        if key == COUNT:
            with self._lock:
                self.updates += 1

    def reserve(self, key: str, count: int, expires_at: datetime) -> int:
        return self.inner.reserve(key, count, expires_at)

    def space(self, key: str, at: datetime, until: datetime) -> datetime | None:
        return self.inner.space(key, at, until)

    def counts(self, keys: Sequence[str]) -> dict[str, int]:
        return self.inner.counts(keys)

    def tally(
        self, key: str, changes: Mapping[str, int], drop: Collection[str], expires_at: datetime
    ) -> Tally:
        self._counted(key)
        return self.inner.tally(key, changes, drop, expires_at)

    def carry(self, key: str, changes: Mapping[str, int], expires_at: datetime) -> Tally:
        self._counted(key)
        return self.inner.carry(key, changes, expires_at)

    def tallied(self, key: str) -> Tally:
        return self.inner.tallied(key)


def _counted_store(engine: MemoryEngine) -> CountedPacing:
    """The engine's store, counted from here on; its count item past the one-time carry of
    the earlier release's hourly items."""
    assert engine.deps.reach is not None
    engine.deps.reach.carry(COUNT, {}, engine.clock.now() + timedelta(days=30))
    counted = CountedPacing(engine.deps.reach)
    engine.deps.reach = counted
    return counted


def _limit(engine: MemoryEngine) -> MessagingLimit:
    return engine.deps.catalog.settings().messaging_limit


def _others_reached(engine: MemoryEngine, count: int) -> None:
    """Users reached by the portfolio's other senders, one at a time."""
    assert engine.deps.reach is not None
    for _ in range(count):
        assert admit(engine.deps.reach, _limit(engine), engine.clock.now()) is None


def _queued(
    engine: MemoryEngine, leads: int, start: int = 0, *, open_window: bool = False
) -> list[FollowUp]:
    """`leads` quiet leads handed to the sender together (one batch); quiet for 30 h, or
    writing an hour ago (their window open)."""
    deps = engine.deps
    now = engine.clock.now()
    last = now - (timedelta(hours=1) if open_window else timedelta(hours=30))
    queued: list[FollowUp] = []
    for n in range(start, start + leads):
        wa_id = f"62811000170{n:02d}"
        lead = quiet_contact(deps, wa_id, last)
        if open_window:
            engine.sandbox.record_inbound(wa_id, last)
        queued.append(send_now(deps, lead.id, "apply-remind-24h"))
    return queued


def _settled(engine: MemoryEngine, queued: list[FollowUp]) -> list[FollowUp]:
    found = [engine.deps.followups.followup(f.id) for f in queued]
    assert all(f is not None for f in found)
    return [f for f in found if f is not None]


def _reached(engine: MemoryEngine) -> object:
    return usage(engine.deps, engine.clock.now())["reached"]


def test_a_batch_of_ten_new_users_costs_at_most_two_updates_of_the_count(
    engine: MemoryEngine,
) -> None:
    # Given ten quiet leads handed to the sender in one batch
    engine.deps.rules.save_rule(rule())
    store = _counted_store(engine)
    queued = _queued(engine, 10)

    # When the sender sends them
    assert engine.drain()["batches"] == 1

    # Then all ten went, each user counted once, in at most two updates of the count
    assert [f.status for f in _settled(engine, queued)] == [Status.SENT] * 10
    assert _reached(engine) == 10
    assert store.updates <= 2


def test_places_a_batch_did_not_use_come_back_when_it_ends(engine: MemoryEngine) -> None:
    # Given a batch of four quiet leads and six who wrote an hour ago (nothing to count)
    engine.deps.rules.save_rule(rule())
    store = _counted_store(engine)
    queued = _queued(engine, 4) + _queued(engine, 6, start=4, open_window=True)

    # When the sender sends them
    assert engine.drain()["batches"] == 1

    # Then the count holds the four users reached, and the preview sees the rest free
    assert [f.status for f in _settled(engine, queued)] == [Status.SENT] * 10
    assert _reached(engine) == 4
    assert room(engine.deps, engine.clock.now()) == (
        ALLOWANCE - 4,
        bucket_start(bucket_of(engine.clock.now())) + BUCKET + REACH_WINDOW,
    )
    assert store.updates <= 2


def test_at_the_edge_a_batch_sends_what_fits_and_defers_the_rest_to_the_next_window(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio with room for three more users, reached at the top of the hour
    engine.deps.rules.save_rule(rule())
    _others_reached(engine, ALLOWANCE - 3)
    store = _counted_store(engine)
    now = engine.clock.advance(timedelta(minutes=10))
    queued = _queued(engine, 10)

    # When a batch of ten quiet leads is sent
    engine.drain()

    # Then three went and seven wait, deferred to the window in which this hour's users
    # stop counting, at the minute they were deferred in, as one by one they would have;
    # the count stands at the allowance
    settled = _settled(engine, queued)
    assert [f.status for f in settled].count(Status.SENT) == 3
    deferred = [f for f in settled if f.status is Status.QUEUED]
    assert {f.reason for f in deferred} == {DEFERRED}
    opens = bucket_start(bucket_of(now)) + BUCKET + REACH_WINDOW + timedelta(minutes=10)
    assert {f.scheduled_at for f in deferred} == {opens}
    assert len(deferred) == 7
    assert _reached(engine) == ALLOWANCE
    # And the whole batch cost at most two updates of the count
    assert store.updates <= 2


def _race(places: list[Places], asks: int, engine: MemoryEngine) -> list[datetime | None]:
    """Each of `places` (a sender process) opens a batch of `asks` sends, and every send of
    every process asks for a place at once; the batches end when all have asked."""
    store, limit, now = engine.deps.reach, _limit(engine), engine.clock.now()
    assert store is not None
    start = threading.Barrier(len(places) * asks)
    answers: list[datetime | None] = []
    lock = threading.Lock()

    def ask(holder: Places) -> None:
        start.wait()
        answer = holder.take(store, limit, now)
        with lock:
            answers.append(answer)

    for holder in places:
        holder.begin(asks)
    threads = [
        threading.Thread(target=ask, args=(holder,)) for holder in places for _ in range(asks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for holder in places:
        holder.end()
    return answers


def test_senders_racing_for_blocks_at_the_edge_never_pass_the_allowance(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio with room for five more users
    _others_reached(engine, ALLOWANCE - 5)

    # When three sender processes, ten sends each, all ask for a place at once
    answers = _race([Places(engine.clock) for _ in range(3)], 10, engine)

    # Then five sends got a place and the rest were deferred; the count is the allowance
    assert answers.count(None) == 5
    assert _reached(engine) == ALLOWANCE


def test_a_sender_that_dies_holding_places_leaves_them_unused_never_passes_the_allowance(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio with room for ten more users, and a sender process that took a
    # block for its batch of ten, used three places and died before its batch ended
    engine.deps.rules.save_rule(rule())
    _others_reached(engine, ALLOWANCE - 10)
    store, limit, now = engine.deps.reach, _limit(engine), engine.clock.now()
    assert store is not None
    dead = Places(engine.clock)
    dead.begin(10)
    assert [dead.take(store, limit, now) for _ in range(3)] == [None] * 3
    # (its batch never ends: nothing gives its places back)

    # When another sender's batch of ten quiet leads is sent
    queued = _queued(engine, 10)
    engine.drain()

    # Then none went: the dead sender's places stay counted (unused), never passed
    assert [f.status for f in _settled(engine, queued)] == [Status.QUEUED] * 10
    assert engine.sandbox.sent() == []
    assert _reached(engine) == ALLOWANCE


def test_places_taken_in_one_hour_are_not_used_in_the_next(engine: MemoryEngine) -> None:
    # Given a sender whose batch takes a place a second before the hour ends
    store = _counted_store(engine)
    limit = _limit(engine)
    places = Places(engine.clock)
    before = engine.clock.now() + BUCKET - timedelta(seconds=1)
    after = before + timedelta(seconds=2)
    with places.batch(10):
        assert places.take(store, limit, before) is None
        # When a send of the same batch asks a second after the hour changed
        assert places.take(store, limit, after) is None
        engine.clock.advance(after - engine.clock.now())

    # Then each user counts in the hour they were reached in, the first hour's unused
    # places given back in the update that took the new hour's
    counts = store.tallied(COUNT).counts
    assert {hour: counts[str(hour)] for hour in (bucket_of(before), bucket_of(after))} == {
        bucket_of(before): 1,
        bucket_of(after): 1,
    }
    assert sum(counts.values()) == 2
    assert store.updates == 3


def test_a_lowered_limit_mid_batch_is_kept_to_by_the_places_held(engine: MemoryEngine) -> None:
    # Given a portfolio that reached 20 users, and a batch that took a block under the
    # first tier's allowance (225)
    _others_reached(engine, 20)
    store, limit, now = engine.deps.reach, _limit(engine), engine.clock.now()
    assert store is not None
    places = Places(engine.clock)
    with places.batch(10):
        assert places.take(store, limit, now) is None
        # When the headroom is raised to 90 % (an allowance of 25) before its next sends
        lowered = limit.model_copy(update={"headroom": 0.9})
        assert lowered.allowance() == 25
        answers = [places.take(store, lowered, now) for _ in range(9)]

    # Then only the places the new allowance leaves were used
    assert answers.count(None) == 4
    assert _reached(engine) == 25
