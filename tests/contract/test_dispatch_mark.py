"""The dispatch tick's mark: absent until a tick records one, then only ever moved on."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from followup.services.ports import DispatchMark
from tests.contract.items import T0

HOUR = timedelta(hours=1)


def test_no_mark_until_a_tick_records_one(store: Any) -> None:
    assert store.dispatch_mark() is None
    assert store.advance_dispatch_mark(DispatchMark(T0, T0 + HOUR)) is True
    assert store.dispatch_mark() == DispatchMark(T0, T0 + HOUR)


def test_a_later_tick_moves_the_mark_an_earlier_or_the_same_one_does_not(store: Any) -> None:
    store.advance_dispatch_mark(DispatchMark(T0, T0 + HOUR))
    later = DispatchMark(T0 + timedelta(minutes=1), T0 + 2 * HOUR)
    assert store.advance_dispatch_mark(later) is True
    assert store.advance_dispatch_mark(DispatchMark(T0, T0 + 3 * HOUR)) is False
    assert store.advance_dispatch_mark(DispatchMark(later.at, T0 + 3 * HOUR)) is False
    assert store.dispatch_mark() == later


def test_the_mark_reads_back_the_same_moments_whatever_zone_wrote_it(store: Any) -> None:
    zoned = T0.astimezone(timezone(timedelta(hours=7)))
    store.advance_dispatch_mark(DispatchMark(zoned, zoned + HOUR))
    found = store.dispatch_mark()
    assert found == DispatchMark(T0, T0 + HOUR)


def test_the_mark_keeps_how_many_plans_its_tick_missed(store: Any) -> None:
    store.advance_dispatch_mark(DispatchMark(T0, T0 + HOUR, missed=2))
    assert store.dispatch_mark() == DispatchMark(T0, T0 + HOUR, missed=2)
    later = T0 + timedelta(minutes=1)
    store.advance_dispatch_mark(DispatchMark(later, later + HOUR))
    assert store.dispatch_mark() == DispatchMark(later, later + HOUR)


def test_plans_are_counted_per_tick_a_retry_adding_to_its_first_run(store: Any) -> None:
    later = T0 + timedelta(minutes=1)
    assert store.planned(T0) == 0
    store.count_planned(T0, 2)
    store.count_planned(T0, 3)
    assert store.planned(T0) == 5
    assert store.planned(later) == 0
    # the next tick's count starts afresh, and an earlier tick's no longer counts
    store.count_planned(later, 1)
    store.count_planned(T0, 4)
    assert store.planned(later) == 1
    assert store.planned(T0) == 0


def test_the_mark_keeps_when_its_read_began_and_what_it_found_put_back_just_before(
    store: Any,
) -> None:
    zoned = T0.astimezone(timezone(timedelta(hours=7)))
    read_at = zoned + timedelta(seconds=2)
    seen = frozenset({"fu_put_back", "fu_fallback"})
    store.advance_dispatch_mark(DispatchMark(zoned, zoned + HOUR, read_at=read_at, seen=seen))
    found = DispatchMark(T0, T0 + HOUR, read_at=T0 + timedelta(seconds=2), seen=seen)
    assert store.dispatch_mark() == found
    # a later tick that found none of them keeps none
    later = T0 + timedelta(minutes=1)
    store.advance_dispatch_mark(DispatchMark(later, later + HOUR, read_at=later))
    assert store.dispatch_mark() == DispatchMark(later, later + HOUR, read_at=later)
