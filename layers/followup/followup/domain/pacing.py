"""Pacing a sending number: when each send may go, at the number's rate and one message per
recipient every few seconds.

Time is cut into slots of 100 ms. A number sending `rate` messages a second gets
`capacity(rate, slot)` sends in each slot (exactly `rate` per second, spread evenly when
the rate is not a multiple of ten), and the sends of one slot are spaced evenly inside it,
so the provider sees a steady stream rather than a burst at each slot's start.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SLOT = timedelta(milliseconds=100)
SLOTS_PER_SECOND = 10
DEFAULT_RATE = 80
"""WhatsApp's default throughput per number, messages a second."""
MAX_RATE = 1000
"""The throughput of an upgraded number."""
RECIPIENT_GAP = timedelta(seconds=6)
"""WhatsApp's pair rate limit: about one message per recipient every 6 s (error 131056)."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def slot_of(at: datetime) -> int:
    """The slot `at` falls in, counted from the epoch."""
    return (at - _EPOCH) // SLOT


def slot_start(slot: int) -> datetime:
    return _EPOCH + slot * SLOT


def capacity(rate: int, slot: int) -> int:
    """How many sends slot `slot` holds at `rate` a second (0 in some slots below 10/s)."""
    return (rate * (slot + 1)) // SLOTS_PER_SECOND - (rate * slot) // SLOTS_PER_SECOND


def send_time(rate: int, slot: int, index: int) -> datetime:
    """When send number `index` (from 0) of slot `slot` goes: evenly spaced in the slot."""
    return slot_start(slot) + SLOT * index / capacity(rate, slot)


def granted(rate: int, slot: int, count: int, total: int) -> range:
    """The indexes one reservation of `count` sends got, when the slot's counter reads
    `total` after it: those of its sends that fit in the slot's capacity."""
    return range(total - count, min(total, capacity(rate, slot)))
