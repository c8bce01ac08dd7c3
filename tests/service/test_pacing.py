"""The pacer: every container of a number books from the same counters, so together they
keep to the number's rate, and no recipient gets two messages within 6 seconds."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from followup.adapters.memory_pacing import MemoryPacing
from followup.domain.pacing import capacity, slot_of
from followup.services.pacing import BUSY_NUMBER, BUSY_RECIPIENT, Pacer
from followup.wiring.config import Config
from followup_local.engine import VirtualClock
from followup_local.throttle import TokenBuckets
from tests.integration.conftest import TUESDAY_9AM_JAKARTA

NUMBER = "+6281100000000"
SECOND = timedelta(seconds=1)


def pacer(store: MemoryPacing, clock: VirtualClock, rate: int = 80) -> Pacer:
    """One container's pacer; waiting moves the virtual clock on."""
    return Pacer(store, NUMBER, rate, clock, lambda s: clock.advance(timedelta(seconds=s)))


def throttled(times: list[datetime], rate: int) -> int:
    """How many of these sends a limit of `rate` a second would refuse, even one that
    tolerates no more than 100 ms worth at once."""
    bucket = TokenBuckets(rate, max(2.0, rate / 10))
    return sum(not bucket.take(NUMBER, t.timestamp()) for t in times)


@pytest.mark.parametrize("rate", [80, 15, 1000])
def test_containers_sharing_a_number_send_at_its_rate_and_no_faster(rate: int) -> None:
    # Given three containers of one number, taking turns with sends to distinct recipients
    clock, store = VirtualClock(TUESDAY_9AM_JAKARTA), MemoryPacing()
    containers = [pacer(store, clock, rate) for _ in range(3)]
    sent = []
    for n in range(5 * rate):
        assert containers[n % 3].admit(f"62811{n:08d}") is None
        sent.append(clock.now())
    # Then WhatsApp's limit would refuse none, and the whole took five seconds, within 10 %
    # (turns booked by one container and not used in time by it lapse)
    assert throttled(sent, rate) == 0
    assert 4 * SECOND < sent[-1] - sent[0] < 5.5 * SECOND


def test_slots_share_out_exactly_the_rate_each_second() -> None:
    for rate in (1, 7, 15, 80, 999, 1000):
        assert sum(capacity(rate, slot) for slot in range(12_345, 12_355)) == rate


def test_a_send_beyond_the_wait_is_held_with_the_time_it_may_go() -> None:
    # Given another container that booked the next three seconds of the number
    clock, store = VirtualClock(TUESDAY_9AM_JAKARTA), MemoryPacing()
    start = clock.now()
    for slot in range(slot_of(start), slot_of(start + 3 * SECOND)):
        store.reserve(f"{NUMBER}#{slot}", 8, start)
    # When this container asks to send
    held = pacer(store, clock).admit("6281100000001")
    # Then it is told to hold it until then, without waiting itself
    assert held is not None
    assert held.reason == BUSY_NUMBER
    assert held.until >= start + timedelta(seconds=1)
    assert clock.now() == start


def test_a_second_message_to_a_recipient_within_6_seconds_is_held_until_the_gap_ends() -> None:
    clock, store = VirtualClock(TUESDAY_9AM_JAKARTA), MemoryPacing()
    one, other = pacer(store, clock), pacer(store, clock)
    assert one.admit("6281100000001") is None
    first = clock.now()
    held = other.admit("6281100000001")
    assert held is not None
    assert (held.reason, held.until) == (BUSY_RECIPIENT, first + timedelta(seconds=6))
    assert other.admit("6281100000002") is None  # others go meanwhile
    clock.advance(timedelta(seconds=6))
    assert other.admit("6281100000001") is None


def test_of_two_containers_racing_to_one_recipient_one_sends_and_one_holds() -> None:
    clock, store = VirtualClock(TUESDAY_9AM_JAKARTA), MemoryPacing()
    containers = [Pacer(store, NUMBER, 80, clock, lambda s: None) for _ in range(2)]
    start = threading.Barrier(2)
    answers: list[object] = [None, None]

    def send(n: int) -> None:
        start.wait()
        answers[n] = containers[n].admit("6281100000009")

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers.count(None) == 1
    [held] = [answer for answer in answers if answer is not None]
    assert getattr(held, "reason", None) == BUSY_RECIPIENT


def test_a_rate_outside_what_whatsapp_allows_is_refused() -> None:
    clock = VirtualClock(TUESDAY_9AM_JAKARTA)
    assert Config.model_validate({}).sends_per_second == 80
    assert Config.model_validate({"FOLLOWUP_SENDS_PER_SECOND": "1000"}).sends_per_second == 1000
    for rate in (0, 1001):
        with pytest.raises(ValidationError, match="FOLLOWUP_SENDS_PER_SECOND"):
            Config.model_validate({"FOLLOWUP_SENDS_PER_SECOND": rate})
        with pytest.raises(ValueError, match="1 to 1000"):
            pacer(MemoryPacing(), clock, rate)


class CountedPacing(MemoryPacing):
    """Counts the writes each counter item gets."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: Counter[str] = Counter()

    def reserve(self, key: str, count: int, expires_at: datetime) -> int:
        self.writes[key] += 1
        return super().reserve(key, count, expires_at)


def test_at_1000_a_second_no_slot_item_nears_dynamodbs_1000_writes_a_second() -> None:
    # Given 32 containers (the stack's most at 1,000/s) sending 10 at a time each
    clock, store = VirtualClock(TUESDAY_9AM_JAKARTA), CountedPacing()
    containers = [pacer(store, clock, 1000) for _ in range(32)]
    for n in range(5000):
        assert containers[(n // 10) % 32].admit(f"62811{n:08d}") is None
    # Then, once they have a second of sends behind them to size their blocks by, no slot's
    # item got 50 writes: under 1,000 a second even if all landed in its own 100 ms; even
    # cold, booking one send at a time, none got many more than one per send it holds
    warm = slot_of(TUESDAY_9AM_JAKARTA + SECOND)
    per_slot = {int(key.rsplit("#", 1)[1]): writes for key, writes in store.writes.items()}
    assert max(writes for slot, writes in per_slot.items() if slot >= warm) < 50
    assert max(per_slot.values()) <= 100 + 32
    assert sum(store.writes.values()) < 5000 / 2
