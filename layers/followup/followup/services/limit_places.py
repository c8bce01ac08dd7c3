"""Places in the portfolio's messaging limit, taken in blocks: each update of the count
(`reached#<portfolio>`, one item for every sender of the portfolio) takes several.

A sender process (a Lambda container, whose batch's sends run in threads) that needs a
place for a user takes a block: as many as its batch has sends still to ask, at most
`BLOCK`, in one UpdateItem that adds them to the current hour. Its sends take them one by
one; what the batch leaves is given back in one update when it ends, or, when a send asks
in a later hour, in the update that takes that hour's block. A batch of new users thus
costs one or two updates of the count instead of one each, and a portfolio sending 1,000
new users a second in batches of ten updates its one item 100 to 200 times a second, far
under the 1,000 writes a second DynamoDB gives an item (one each, it would be at it).

Promises kept:
- The count never passes the allowance. A block's update answers the total; the block
  keeps only the places the allowance had left before it, and gives the rest back at
  once (the single place of the earlier design generalised: of racing blocks, each
  gets what those counted before it left). A place is used only while the allowance and
  the portfolio it was taken under still hold, and only in its own hour (a place of the
  hour before would stop counting up to an hour too soon).
- A process that dies holding places leaves them counted, unused: the allowance shrinks
  by them until their hour stops counting, and is never passed.
- A store error giving back a block's places past the allowance costs neither the send
  that got a place nor the allowance: the block keeps them, unused, and gives them back
  with its own as the batch ends (or in its next update), as it would places it holds.
- A send deferred past the allowance gets the time one taking a single place would: the
  window in which the oldest counted hour stops counting.

What it costs: places a batch holds and does not use are counted until it ends (seconds),
so a preview's `room` and the reached figure read them as used meanwhile, and at the edge
of the allowance another sender may defer a send for a place that comes back a moment
later (a later new user takes it: the allowance is used, in another order). Once a batch
found the allowance spent, its later sends in the same hour are deferred without asking
again, to the same time, so a full portfolio costs two updates a batch, not two a send;
a place given back meanwhile waits for the next batch. A block larger than the batch
would save no update and hold more places from other senders; one smaller would cost
more updates for the same promises.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.messaging_limit import (
    KEPT,
    REACH_WINDOW,
    bucket_of,
    bucket_start,
    counted,
    forgotten,
    kept_from,
    released_at,
)

if TYPE_CHECKING:
    from followup.domain.messaging_limit import MessagingLimit
    from followup.services.ports import Clock, Pacing, Tally

log = logging.getLogger(__name__)

BLOCK = 10
"""Places taken in one update, at most: a sender's whole batch (SQS hands it at most 10
records, infra/stack.py)."""


def count_key(portfolio: str) -> str:
    return f"reached#{portfolio}"


def counted_by_hour(tally: Tally, now: datetime) -> dict[int, int]:
    """The users a tally counts in each hour that counts at `now`."""
    return {hour: tally.counts.get(str(hour), 0) for hour in counted(now)}


def hourly(store: Pacing, portfolio: str, now: datetime) -> dict[str, int]:
    """The users the earlier release's hourly items count at `now`, by hour."""
    keys = {str(hour): f"portfolio#{portfolio}#{hour}" for hour in counted(now)}
    found = store.counts(list(keys.values()))
    return {hour: found[key] for hour, key in keys.items() if found[key]}


@dataclass(frozen=True)
class Taken:
    """The places a block got (0 to the number asked), and when the next window opens for a
    send deferred now; `owed`: places past the allowance still counted in the current hour,
    their give-back having failed (to give back with the block's unused places)."""

    got: int
    opens: datetime
    owed: int = 0


def take(
    store: Pacing,
    portfolio: str,
    allowance: int,
    now: datetime,
    count: int,
    unused: tuple[int, int] | None = None,
) -> Taken:
    """Take `count` places in the portfolio's current hour, giving back in the same update
    `unused` (hour, places) of an earlier block; the places past the allowance go back at
    once. Once the places are taken, their give-back is best effort: a store error there
    leaves the places got to the caller, and those past the allowance `owed`."""
    key = count_key(portfolio)
    current, expires = bucket_of(now), now + KEPT
    changes = {current: count}
    if unused is not None and unused[0] >= bucket_of(now - REACH_WINDOW):
        changes[unused[0]] = changes.get(unused[0], 0) - unused[1]
    forget = [str(hour) for hour in forgotten(now)]
    tally = store.tally(key, {str(hour): n for hour, n in changes.items()}, forget, expires)
    if not tally.carried:
        tally = store.carry(key, hourly(store, portfolio, now), expires)
    counts = counted_by_hour(tally, now)
    got = max(0, min(count, allowance - (sum(counts.values()) - count)))
    stale = [name for name in tally.counts if int(name) < kept_from(now)]
    owed = 0
    if got < count or stale:
        try:
            store.tally(key, {str(current): got - count} if got < count else {}, stale, expires)
        except Exception:
            # the next update drops the stale hours; the block gives the excess back
            owed = count - got
    return Taken(got, released_at({**counts, current: counts[current] - count + got}, now), owed)


@dataclass
class _Block:
    """Places one process holds in `store`'s count `key`: taken in `hour` under
    `allowance`, `left` not used yet, `owed` past the allowance and not given back yet
    (never used)."""

    store: Pacing
    key: str
    allowance: int
    hour: int
    left: int
    owed: int = 0

    @property
    def unused(self) -> int:
        """The places it counts that no send used: what it gives back."""
        return self.left + self.owed

    def serves(self, key: str, allowance: int, hour: int) -> bool:
        """Whether a user reached in `hour` may take one (never one of an earlier hour)."""
        held = (self.key, self.allowance)
        return held == (key, allowance) and hour <= self.hour and self.left > 0

    def give_back(self, now: datetime) -> None:
        if self.unused and self.hour >= bucket_of(now - REACH_WINDOW):
            self.store.tally(self.key, {str(self.hour): -self.unused}, [], now + KEPT)


@dataclass(frozen=True)
class _Spent:
    """The allowance found spent in `hour`: sends deferred to `opens` (at the hour's start)."""

    key: str
    allowance: int
    hour: int
    opens: datetime

    def covers(self, key: str, allowance: int, hour: int) -> bool:
        return (self.key, self.allowance, self.hour) == (key, allowance, hour)


class Places:
    """One sender process's places in its portfolio's allowance, shared by its sends'
    threads. Outside a batch each send takes one place, as a batch of one."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._block: _Block | None = None
        self._spent: _Spent | None = None
        self._asks = 0
        """Sends of the open batch that have not asked for a place (or needed none)."""
        self._open = False

    def begin(self, sends: int) -> None:
        """A batch of `sends` begins."""
        with self._lock:
            self._open, self._asks = True, sends

    def end(self) -> None:
        """The batch ended: the places it did not use go back, in one update. A store error
        there fails no send of the batch: the process keeps them, and its next batch gives
        them back in its first update (or uses them, within their hour)."""
        with self._lock:
            block, self._block = self._block, None
            self._open, self._asks, self._spent = False, 0, None
        if block is None:
            return
        try:
            block.give_back(self._clock.now())
        except Exception:
            log.warning("places kept to give back with the next batch", exc_info=True)
            with self._lock:
                self._block = self._block or block

    @contextmanager
    def batch(self, sends: int) -> Iterator[None]:
        """Within: a batch of `sends`, its unused places given back as it ends."""
        self.begin(sends)
        try:
            yield
        finally:
            self.end()

    def take(self, store: Pacing, limit: MessagingLimit, now: datetime) -> datetime | None:
        """A place for one user reached outside their window now (None); or, past the
        allowance, when the next window opens. None without a limit."""
        allowance = limit.allowance()
        if allowance is None:
            return None
        key, hour = count_key(limit.portfolio), bucket_of(now)
        into_hour = now - bucket_start(hour)
        with self._lock:
            self._asks = max(0, self._asks - 1)
            block = self._block
            if block is not None and block.serves(key, allowance, hour):
                block.left -= 1
                return None
            spent = self._spent
            if spent is not None and spent.covers(key, allowance, hour):
                return spent.opens + into_hour
            unused = None
            if block is not None and block.key == key and block.unused:
                unused = (block.hour, block.unused)
            elif block is not None:
                block.give_back(now)  # a store error keeps the block, to give back later
                self._block = None
            count = min(BLOCK, 1 + self._asks) if self._open else 1
            # a store error keeps the block's unused places, given back by a later update
            taken = take(store, limit.portfolio, allowance, now, count, unused)
            self._block = None
            if taken.got < count and self._open:
                self._spent = _Spent(key, allowance, hour, taken.opens - into_hour)
            if taken.got > 1 or taken.owed:
                left = max(0, taken.got - 1)
                self._block = _Block(store, key, allowance, hour, left, taken.owed)
            if not taken.got:
                return taken.opens
            return None
