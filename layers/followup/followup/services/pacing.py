"""One container's share of its number's pace.

Every sender of a number (several Lambda instances at once) books send times from the
same slot counters (`Pacing`): one atomic add books a block of sends in a 100 ms slot, and
the container hands those times to its threads one by one. A send waits for its time when
it is near (at most `max_wait`); when the number is booked further ahead, or its recipient
had a message less than 6 s ago, the sender holds it back on the queue instead of calling
the provider into a 130429 or 131056.
"""

from __future__ import annotations

import heapq
import math
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.pacing import (
    MAX_RATE,
    RECIPIENT_GAP,
    SLOT,
    SLOTS_PER_SECOND,
    capacity,
    granted,
    send_time,
    slot_of,
    slot_start,
)

if TYPE_CHECKING:
    from followup.services.ports import Clock, Pacing

MAX_WAIT = timedelta(seconds=1)
"""The longest a send waits in the sender for its turn; a later turn goes back on the queue."""
BLOCK = 10
"""Sends booked per counter write, at most. A container books what its last second's
sends suggest one slot needs (or as many as ask at once, if more): a busy one books in
blocks, a quiet one singly, and when its sends stop it lets at most one block lapse."""
_RECENT = timedelta(seconds=1)
_LATE = SLOT / 2
"""A booked time passed by more than this is given up rather than used late."""
_KEPT = timedelta(hours=1)
"""Slot counters are deleted by TTL after this (nobody reads a past slot)."""

BUSY_NUMBER = "paced: the number's send rate is booked ahead"
BUSY_RECIPIENT = "paced: one message per contact every 6 seconds"


@dataclass(frozen=True)
class Held:
    """Not now: the send may go at `until`; `reason` is shown in the queue."""

    until: datetime
    reason: str


class Pacer:
    """Books send times for each sending number at its own rate, shared with every other
    sender: one lane per number, so a busy number never holds another one's sends."""

    def __init__(
        self,
        store: Pacing,
        number: str,
        rate: int,
        clock: Clock,
        sleep: Callable[[float], object],
        *,
        others: Mapping[str, int] | None = None,
        max_wait: timedelta = MAX_WAIT,
        block: int = BLOCK,
    ) -> None:
        """Paces `number` at `rate` a second, and each of `others` at its rate; a number
        not named goes in `number`'s lane."""
        self._default = number
        self._lanes = {
            name: _Lane(store, name, each, clock, sleep, max_wait, block)
            for name, each in {number: rate, **(others or {})}.items()
        }

    def admit(self, recipient: str, number: str | None = None) -> Held | None:
        """Wait for this send's turn in its number's lane and return None; or say until
        when to hold it."""
        lane = self._lanes.get(number or self._default) or self._lanes[self._default]
        return lane.admit(recipient)


class _Lane:
    """One number's pace in this container."""

    def __init__(
        self,
        store: Pacing,
        number: str,
        rate: int,
        clock: Clock,
        sleep: Callable[[float], object],
        max_wait: timedelta,
        block: int,
    ) -> None:
        if not 1 <= rate <= MAX_RATE:
            raise ValueError(f"a number sends 1 to {MAX_RATE} messages a second, not {rate}")
        self._store, self._number, self._rate = store, number, rate
        self._clock, self._sleep = clock, sleep
        self._max_wait, self._block = max_wait, block
        self._lock = threading.Lock()
        self._count = threading.Lock()
        self._asking = 0  # sends of this container waiting to book or booking now
        self._times: list[datetime] = []  # booked and not yet used, earliest first (a heap)
        self._recent: deque[datetime] = deque()  # when this container's last second's sends asked
        self._next = 0  # the earliest slot not known to be full

    def admit(self, recipient: str) -> Held | None:
        """Wait for this send's turn and return None; or say until when to hold it."""
        now = self._clock.now()
        with self._count:
            self._asking += 1
        try:
            at, booked = self._book(now)
        finally:
            with self._count:
                self._asking -= 1
        if at - now > self._max_wait:
            self._give_back(at, booked)
            return Held(at, BUSY_NUMBER)
        marker = self._store.space(f"{self._number}#to#{recipient}", at, at + RECIPIENT_GAP)
        if marker is not None:
            self._give_back(at, booked)
            return Held(marker, BUSY_RECIPIENT)
        wait = (at - self._clock.now()).total_seconds()
        if wait > 0:
            self._sleep(wait)
        return None

    def _book(self, now: datetime) -> tuple[datetime, bool]:
        """The earliest send time this container holds, booking a block when it holds none;
        (a time past the wait, False) when every slot up to there is full."""
        with self._lock:
            self._recent.append(now)
            while self._recent[0] < now - _RECENT:
                self._recent.popleft()
            while self._times and self._times[0] < now - _LATE:
                heapq.heappop(self._times)  # lapsed: sent this late, it would bunch with others
            if self._times:
                return heapq.heappop(self._times), True
            slot = max(slot_of(now), self._next)
            last = slot_of(now + self._max_wait)
            while slot <= last:
                room = capacity(self._rate, slot)
                if room:
                    count = min(self._block, room, self._demand())
                    total = self._store.reserve(
                        f"{self._number}#{slot}", count, slot_start(slot) + _KEPT
                    )
                    got = granted(self._rate, slot, count, total)
                    self._next = slot if total < room else slot + 1
                    if got:
                        times = [send_time(self._rate, slot, index) for index in got]
                        for later in times[1:]:
                            heapq.heappush(self._times, later)
                        return times[0], True
                slot += 1
                self._next = slot
            return slot_start(slot), False

    def _demand(self) -> int:
        """How many sends to book at once: one slot's worth of the last second's, at least
        as many as ask now."""
        per_slot = math.ceil(len(self._recent) / SLOTS_PER_SECOND)
        return max(1, self._asking, per_slot)

    def _give_back(self, at: datetime, booked: bool) -> None:
        """A booked time this send will not use: another thread of this container may."""
        if booked:
            with self._lock:
                heapq.heappush(self._times, at)
