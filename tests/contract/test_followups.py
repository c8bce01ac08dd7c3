"""Follow-ups: waiting phases by time, by contact, by provider id, and the queue view."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta, timezone
from typing import Any

import pytest

from followup.adapters.tables import SHARDS
from followup.domain.followup import FollowUp, Status
from followup.domain.ids import shard_of
from followup.services.ports import (
    FollowUpChange,
    NewFollowUp,
    Phase,
    QueueQuery,
)
from tests.contract.items import T0, followup, moved


def write(store: Any, *followups: FollowUp) -> None:
    """Store each follow-up as it is; one in `sending` is planned first, then claimed."""
    for each in followups:
        if each.status is Status.SENDING:
            store.commit([NewFollowUp(each.model_copy(update={"status": Status.QUEUED}))], T0)
            store.commit([FollowUpChange(each, Status.QUEUED)], T0)
        else:
            store.commit([NewFollowUp(each)], T0)


def minutes(n: int) -> Any:
    return T0 + timedelta(minutes=n)


def test_a_follow_up_is_read_by_key(store: Any) -> None:
    write(store, followup())
    assert store.followup("fu_1") == followup()
    assert store.followup("fu_2") is None
    assert store.followup("") is None


def test_waiting_follow_ups_are_read_by_phase_and_time_shard_by_shard(store: Any) -> None:
    queued = [
        followup(f"fu_q{n}", scheduled_at=minutes(m), wake_at=minutes(m))
        for n, m in enumerate([30, 10, 20, 0, 60, 61, 5, 5])
    ]
    write(
        store,
        *queued,
        followup("fu_d", wake_at=minutes(1), dispatched_at=T0),
        followup("fu_s", status=Status.SENDING, wake_at=minutes(2)),
        followup("fu_sent", status=Status.SENT, wake_at=minutes(3)),
        followup("fu_dlv", status=Status.DELIVERED, wake_at=minutes(4)),
        followup("fu_read", status=Status.READ, wake_at=minutes(200)),
        followup("fu_done", status=Status.RESPONDED, wake_at=minutes(3)),
        followup("fu_none", wake_at=None),
    )
    found = [f.id for f in store.waiting(Phase.QUEUED, minutes(60))]
    due = [f for f in queued if f.wake_at <= minutes(60)]
    expected = sorted(due, key=lambda f: (shard_of(f.id, SHARDS), f.wake_at, f.id))
    assert found == [f.id for f in expected]
    assert [f.id for f in store.waiting(Phase.DISPATCHED, minutes(60))] == ["fu_d"]
    both = {f.id for f in store.waiting((Phase.QUEUED, Phase.DISPATCHED), minutes(60))}
    assert both == {f.id for f in due} | {"fu_d"}
    with pytest.raises(ValueError, match="do not share a lane"):
        list(store.waiting((Phase.QUEUED, Phase.SENT), minutes(60)))
    assert [f.id for f in store.waiting(Phase.SENDING, minutes(60))] == ["fu_s"]
    sent = {f.id for f in store.waiting(Phase.SENT, minutes(60))}
    assert sent == {"fu_sent", "fu_dlv"}
    assert next(iter(store.waiting(Phase.SENDING, minutes(60)))) == followup(
        "fu_s", status=Status.SENDING, wake_at=minutes(2)
    )


def test_a_follow_up_moves_between_phases_and_leaves_them_when_it_ends(store: Any) -> None:
    queued = followup()
    write(store, queued)
    sending = moved(queued, Status.SENDING, T0).model_copy(update={"wake_at": minutes(15)})
    store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    assert list(store.waiting(Phase.QUEUED, minutes(60))) == []
    assert [f.id for f in store.waiting(Phase.SENDING, minutes(60))] == ["fu_1"]
    assert list(store.waiting(Phase.SENDING, minutes(14))) == []
    failed = moved(sending, Status.FAILED, T0)
    store.commit([FollowUpChange(failed, Status.SENDING)], T0)
    assert all(list(store.waiting(phase, minutes(60))) == [] for phase in Phase)


def test_a_follow_up_brought_forward_keeps_when_it_was_due_and_is_read_at_its_new_time(
    store: Any,
) -> None:
    put_off = followup(scheduled_at=minutes(600), wake_at=minutes(600), due_at=T0)
    write(store, put_off)
    assert store.followup("fu_1") == put_off
    sooner = put_off.opened_sooner(minutes(1), minutes(30))
    store.commit([FollowUpChange(sooner, Status.QUEUED, moves=put_off.moves)], minutes(1))
    assert store.followup("fu_1") == sooner
    assert store.followup("fu_1").due_at == T0
    assert list(store.waiting(Phase.QUEUED, minutes(29))) == []
    assert list(store.waiting(Phase.QUEUED, minutes(30))) == [sooner]


def test_a_dispatched_follow_up_is_read_in_its_phase_at_its_new_wake_only(store: Any) -> None:
    queued = followup()
    write(store, queued)
    dispatched = queued.model_copy(update={"dispatched_at": T0, "wake_at": minutes(30)})
    store.commit([FollowUpChange(dispatched, Status.QUEUED)], T0)
    assert list(store.waiting(Phase.QUEUED, minutes(60))) == []
    assert list(store.waiting(Phase.DISPATCHED, minutes(29))) == []
    assert [f.id for f in store.waiting(Phase.DISPATCHED, minutes(30))] == ["fu_1"]
    assert list(store.waiting(Phase.SENDING, minutes(60))) == []


def test_a_follow_up_held_for_its_template_is_read_in_its_own_lane_at_its_wait_s_end(
    store: Any,
) -> None:
    # Given a claimed follow-up held for its template until minute 90
    queued = followup()
    write(store, queued)
    sending = moved(queued, Status.SENDING, T0).model_copy(update={"wake_at": minutes(15)})
    store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    reason = "waiting_template: template 'apply_reminder' (en) is paused"
    held = sending.held_for_template(minutes(1), reason, minutes(90), ["apply_reminder:en"])
    store.commit([FollowUpChange(held, Status.SENDING)], T0)

    # Then it is stored whole, and no dispatch or sending read meets it
    assert store.followup("fu_1") == held
    assert (held.status, held.reason) == (Status.WAITING_TEMPLATE, reason)
    for phase in (Phase.QUEUED, Phase.DISPATCHED, Phase.SENDING, Phase.SENT):
        assert list(store.waiting(phase, minutes(200))) == []
    # And its own lane gives it from the end of its wait on
    assert list(store.waiting(Phase.WAITING_TEMPLATE, minutes(89))) == []
    assert list(store.waiting(Phase.WAITING_TEMPLATE, minutes(90))) == [held]

    # When it is released, it leaves that lane for the queued one, due now
    released = held.released(minutes(5), "template_approved")
    store.commit([FollowUpChange(released, Status.WAITING_TEMPLATE)], T0)
    assert list(store.waiting(Phase.WAITING_TEMPLATE, minutes(200))) == []
    assert list(store.waiting(Phase.QUEUED, minutes(5))) == [released]


def test_unsent_count_is_every_follow_up_not_yet_out_whenever_it_is_due(store: Any) -> None:
    # Given follow-ups queued (soon and much later), dispatched, claimed, held and sent
    queued = followup()
    write(
        store,
        queued,
        followup("fu_late", wake_at=minutes(60 * 24 * 300)),
        followup("fu_d", wake_at=minutes(1), dispatched_at=T0),
        followup("fu_s", status=Status.SENDING, wake_at=minutes(2)),
        followup("fu_sent", status=Status.SENT, wake_at=minutes(3)),
        followup("fu_done", status=Status.RESPONDED, wake_at=minutes(3)),
    )
    reason = "waiting_template: template 'apply_reminder' (en) is paused"
    held = followup("fu_h", status=Status.SENDING, wake_at=minutes(15))
    write(store, held)
    waiting = held.held_for_template(minutes(1), reason, minutes(90), ["apply_reminder:en"])
    store.commit([FollowUpChange(waiting, Status.SENDING)], T0)
    # Then all but the sent and the answered are counted
    assert store.unsent_count([]) == 5
    # And one that fails leaves the count
    store.commit([FollowUpChange(moved(queued, Status.FAILED, T0), Status.QUEUED)], T0)
    assert store.unsent_count([]) == 4


def test_follow_ups_of_a_contact_are_newest_first(store: Any) -> None:
    write(
        store,
        followup("fu_a", at=minutes(0)),
        followup("fu_b", at=minutes(5)),
        followup("fu_c", at=minutes(5)),
        followup("fu_x", at=minutes(3), contact_id="ct_2"),
    )
    assert [f.id for f in store.followups_of("ct_1")] == ["fu_c", "fu_b", "fu_a"]
    assert store.followups_of("ct_9") == []


def page_ids(store: Any, query: QueueQuery, limit: int) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        page = store.queue(query, limit, cursor)
        pages.append([f.id for f in page.items])
        cursor = page.cursor
        if cursor is None:
            return pages


def test_the_queue_is_newest_first_across_days_a_page_at_a_time(store: Any) -> None:
    write(
        store,
        followup("fu_1", at=T0 - timedelta(days=2)),
        followup("fu_2", at=T0 - timedelta(days=1)),
        followup("fu_3", at=T0),
        followup("fu_4", at=T0 + timedelta(hours=1)),
        followup("fu_5", at=T0 + timedelta(hours=1)),
        followup("fu_6", at=T0 - timedelta(days=9)),
    )
    query = QueueQuery(since=T0 - timedelta(days=3), until=T0 + timedelta(hours=2))
    assert page_ids(store, query, 2) == [["fu_5", "fu_4"], ["fu_3", "fu_2"], ["fu_1"]]
    assert page_ids(store, query, 5) == [["fu_5", "fu_4", "fu_3", "fu_2", "fu_1"], []]
    # The planning window is inclusive at both ends
    exact = QueueQuery(since=T0 - timedelta(days=1), until=T0)
    assert page_ids(store, exact, 10) == [["fu_3", "fu_2"]]


def test_queue_filters_never_skip_an_entry_between_pages(store: Any) -> None:
    write(
        store,
        *[followup(f"fu_{n}", at=minutes(n), rule_id="a" if n % 3 else "b") for n in range(10)],
        followup("fu_late", at=minutes(11), rule_id="b", scheduled_at=minutes(20)),
        followup("fu_other", at=minutes(12), rule_id="b", contact_id="ct_2"),
    )
    canceled = moved(followup("fu_6", at=minutes(6), rule_id="b"), Status.CANCELED, T0)
    store.commit([FollowUpChange(canceled, Status.QUEUED)], T0)
    window = {"since": T0, "until": minutes(30)}
    by_rule = QueueQuery(**window, rule_id="b")
    assert page_ids(store, by_rule, 2) == [
        ["fu_late", "fu_other"],
        ["fu_9", "fu_6"],
        ["fu_3", "fu_0"],
        [],
    ]
    queued_b = QueueQuery(**window, rule_id="b", status=Status.QUEUED)
    assert [i for p in page_ids(store, queued_b, 1) for i in p] == [
        "fu_late",
        "fu_other",
        "fu_9",
        "fu_3",
        "fu_0",
    ]
    soon = QueueQuery(since=T0, until=minutes(9), rule_id="b")
    assert [i for p in page_ids(store, soon, 1) for i in p] == ["fu_9", "fu_6", "fu_3", "fu_0"]


def test_the_queue_comes_by_send_time_either_way_across_days_and_pages(store: Any) -> None:
    # Given follow-ups planned in one order and to be sent in another, over three days
    day = timedelta(days=1)
    write(
        store,
        followup("fu_a", at=T0, scheduled_at=T0 + 2 * day),
        followup("fu_b", at=minutes(1), scheduled_at=T0),
        followup("fu_c", at=minutes(2), scheduled_at=T0 + day + timedelta(hours=3)),
        followup("fu_d", at=minutes(3), scheduled_at=minutes(30)),
        followup("fu_e", at=minutes(4), scheduled_at=T0 + day),
        followup("fu_out", at=minutes(5), scheduled_at=T0 + 4 * day),
    )
    # Then every page follows the send time, latest first by default
    latest = QueueQuery(since=T0, until=T0 + 3 * day)
    assert page_ids(store, latest, 2) == [["fu_a", "fu_c"], ["fu_e", "fu_d"], ["fu_b"]]
    # And earliest first on request, over the same follow-ups
    earliest = replace(latest, earliest_first=True)
    assert page_ids(store, earliest, 2) == [["fu_b", "fu_d"], ["fu_e", "fu_c"], ["fu_a"]]
    # And a rescheduled one moves to its new place
    moved_on = followup("fu_a", at=T0, scheduled_at=minutes(10), attempt=1)
    store.commit([FollowUpChange(moved_on, Status.QUEUED)], T0)
    assert [i for p in page_ids(store, earliest, 3) for i in p] == [
        "fu_b",
        "fu_a",
        "fu_d",
        "fu_e",
        "fu_c",
    ]


def test_the_queue_of_one_contact_reads_only_that_contact(store: Any) -> None:
    write(
        store,
        followup("fu_a", at=minutes(1)),
        followup("fu_b", at=minutes(2), contact_id="ct_2"),
        followup("fu_c", at=T0 - timedelta(days=5)),
        followup("fu_d", at=minutes(3)),
    )
    query = QueueQuery(since=T0 - timedelta(days=7), until=minutes(10), contact_id="ct_1")
    assert page_ids(store, query, 2) == [["fu_d", "fu_a"], ["fu_c"]]
    recent = QueueQuery(since=T0, until=minutes(10), contact_id="ct_1")
    assert page_ids(store, recent, 5) == [["fu_d", "fu_a"]]
    earliest = QueueQuery(since=T0 - timedelta(days=7), until=minutes(10), contact_id="ct_1")
    earliest = replace(earliest, earliest_first=True)
    assert page_ids(store, earliest, 2) == [["fu_c", "fu_a"], ["fu_d"]]


def test_a_queue_window_given_in_local_time_finds_every_entry_inside_it(store: Any) -> None:
    # 24 Nov 00:00 to 23:59 in Jakarta is 23 Nov 17:00 to 24 Nov 16:59 UTC
    jakarta = timezone(timedelta(hours=7))
    write(store, followup("fu_eve", at=T0 - timedelta(hours=8)), followup("fu_day", at=T0))
    since = T0.astimezone(jakarta).replace(hour=0)
    until = since + timedelta(hours=23, minutes=59)
    assert page_ids(store, QueueQuery(since=since, until=until), 10) == [["fu_day", "fu_eve"]]
    # 24 Nov 20:00 in New York is 25 Nov 01:00 UTC
    new_york = timezone(timedelta(hours=-5))
    night = T0 + timedelta(hours=23)
    write(store, followup("fu_night", at=night))
    evening = QueueQuery(since=T0.astimezone(new_york), until=night.astimezone(new_york))
    assert page_ids(store, evening, 10) == [["fu_night", "fu_day"]]


def held_three_of_four(store: Any) -> None:
    """Four follow-ups, `fu_h0` to `fu_h3`: the first two held for number 111, the third
    for 222, the last queued."""
    write(store, *(followup(f"fu_h{n}") for n in range(4)))
    for n, number in enumerate(["111", "111", "222"]):
        claimed = moved(followup(f"fu_h{n}"), Status.SENDING, T0)
        store.commit([FollowUpChange(claimed, Status.QUEUED)], T0)
        held = claimed.held_for_number(minutes(n), number, f"held: number {number} paused")
        store.commit([FollowUpChange(held, Status.SENDING)], T0)


def test_follow_ups_held_for_a_paused_number_are_read_by_that_number_only(store: Any) -> None:
    # Given two follow-ups held for one number, one for another, and one queued
    held_three_of_four(store)
    # Then each number's lane holds its own, and no tick's phase reads them
    assert sorted(f.id for f in store.held_for("111")) == ["fu_h0", "fu_h1"]
    assert [(f.id, f.held_by) for f in store.held_for("222")] == [("fu_h2", "222")]
    assert list(store.held_for("333")) == []
    assert [f.id for f in store.waiting(Phase.QUEUED, minutes(60))] == ["fu_h3"]
    # When one is released, it leaves the lane for the dispatched phase
    [first, _] = sorted(store.held_for("111"), key=lambda f: f.id)
    store.commit(
        [FollowUpChange(first.unheld(minutes(5), timedelta(minutes=30)), Status.QUEUED)], T0
    )
    assert [f.id for f in store.held_for("111")] == ["fu_h1"]
    assert [f.id for f in store.waiting(Phase.DISPATCHED, minutes(60))] == ["fu_h0"]


def test_unsent_count_takes_in_the_follow_ups_held_for_the_numbers_named(store: Any) -> None:
    # Given one follow-up queued and three held: two for one paused number, one for another
    held_three_of_four(store)
    # Then the count takes in those held for the numbers it is given, and only those
    assert store.unsent_count(["111", "222"]) == 4
    assert store.unsent_count(["111"]) == 3
    assert store.unsent_count([]) == 1
