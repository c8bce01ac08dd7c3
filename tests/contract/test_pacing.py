"""Pacing counters, tallies and recipient markers: atomic for every sender, in memory and
on DynamoDB alike."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from followup.adapters.dynamo_pacing import DynamoPacing
from followup.adapters.memory_pacing import MemoryPacing
from followup.services.ports import Tally
from tests.contract.items import T0
from tests.contract.stores import empty_dynamo_store

GAP = timedelta(seconds=6)
LATER = T0 + timedelta(hours=1)


@pytest.fixture(params=["memory", "dynamo"])
def pacing(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return MemoryPacing()
    request.getfixturevalue("tables_on_moto")
    empty_dynamo_store()
    return DynamoPacing()


def race(callers: int, call: Callable[[int], Any]) -> list[Any]:
    """Run `call(n)` for each caller in its own thread, all let go at once."""
    start = threading.Barrier(callers)
    answers: list[Any] = [None] * callers

    def run(n: int) -> None:
        start.wait()
        answers[n] = call(n)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_a_counter_adds_each_reservation_and_says_where_it_stands(pacing: Any) -> None:
    assert pacing.reserve("+62811#1", 8, LATER) == 8
    assert pacing.reserve("+62811#1", 3, LATER) == 11
    assert pacing.reserve("+62811#2", 5, LATER) == 5
    assert pacing.reserve("+62899#1", 1, LATER) == 1


def test_racing_reservations_each_get_their_own_share(pacing: Any) -> None:
    # Given twelve senders booking blocks of 4 in the same slot at once
    totals = race(12, lambda _: pacing.reserve("+62811#7", 4, LATER))
    # Then no two were told the same place: each block is its own
    assert sorted(totals) == [4 * n for n in range(1, 13)]


def test_a_recipient_marker_holds_later_sends_until_the_gap_has_passed(pacing: Any) -> None:
    key = "+62811#to#6281100000001"
    assert pacing.space(key, T0, T0 + GAP) is None
    assert pacing.space(key, T0 + timedelta(seconds=5), T0 + timedelta(seconds=11)) == T0 + GAP
    assert pacing.space(key, T0 + GAP, T0 + 2 * GAP) is None
    assert pacing.space("+62811#to#6281100000002", T0, T0 + GAP) is None


def test_of_senders_racing_to_one_recipient_exactly_one_passes(pacing: Any) -> None:
    key = "+62811#to#6281100000003"
    answers = race(8, lambda n: pacing.space(key, T0, T0 + GAP))
    assert answers.count(None) == 1
    assert [answer for answer in answers if answer is not None] == [T0 + GAP] * 7


def test_counters_read_as_they_stand_and_a_negative_count_gives_back(pacing: Any) -> None:
    # Given a counter added to twice, one taken back
    pacing.reserve("portfolio#p#10", 3, LATER)
    pacing.reserve("portfolio#p#10", -1, LATER)
    # Then it reads 2, and one never added to reads 0
    assert pacing.counts(["portfolio#p#10", "portfolio#p#11"]) == {
        "portfolio#p#10": 2,
        "portfolio#p#11": 0,
    }


def test_a_tally_adds_drops_and_answers_the_item_after_it(pacing: Any) -> None:
    # Given a tally of two hours, written twice
    assert pacing.tally("reached#p", {"10": 2}, [], LATER) == Tally({"10": 2}, carried=False)
    after = pacing.tally("reached#p", {"11": 1, "10": -1}, ["9"], LATER)
    assert after == Tally({"10": 1, "11": 1}, carried=False)

    # When one hour is dropped and another added
    after = pacing.tally("reached#p", {"12": 1}, ["10", "8"], LATER)

    # Then the item holds what is left, read back as it stands; one never written is empty
    assert after == Tally({"11": 1, "12": 1}, carried=False)
    assert pacing.tallied("reached#p") == after
    assert pacing.tallied("reached#q") == Tally({}, carried=False)


def test_racing_tallies_each_see_their_own_total(pacing: Any) -> None:
    # Given twelve senders adding one to the same hour at once
    answers = race(12, lambda _: pacing.tally("reached#p", {"10": 1}, ["9"], LATER))
    # Then each was answered a different total: the one past a limit knows it
    assert sorted(answer.counts["10"] for answer in answers) == list(range(1, 13))


def test_counts_are_carried_into_a_tally_once_whoever_races_to_carry_them(pacing: Any) -> None:
    # Given a tally not carried yet
    pacing.tally("reached#p", {"10": 1}, [], LATER)

    # When four callers carry the counts they read at once
    answers = race(4, lambda _: pacing.carry("reached#p", {"9": 5, "10": 2}, LATER))

    # Then the counts were added once, and every caller is answered the tally carried
    carried = Tally({"9": 5, "10": 3}, carried=True)
    assert answers == [carried] * 4
    assert pacing.tallied("reached#p") == carried
    assert pacing.tally("reached#p", {"10": 1}, [], LATER).carried
