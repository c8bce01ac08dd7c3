"""Commits: conditional, all or nothing, naming the changes that lost; revisions; counters."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.costs import Pricing
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import AiWriting, FollowUp, Status
from followup.services.ports import (
    CommitRejected,
    ContactChange,
    Conversion,
    EnrollmentChange,
    FollowUpChange,
    NewEnrollment,
    NewFollowUp,
    Slot,
    SlotChange,
    write_token,
)
from tests.contract.items import T0, contact, enrollment, followup, moved
from tests.support.builders import rule

PRICING = Pricing(billable=True, category="marketing", market="indonesia", cost_usd=0.0411)


def counts(store: Any, rule_id: str = "r") -> dict[str, int]:
    rows = [row for row in store.stats(T0.date(), T0.date()) if row.rule_id == rule_id]
    return rows[0].counts if rows else {}


def test_a_commit_with_one_stale_change_writes_nothing(store: Any) -> None:
    # Given a contact read at some revision, then changed by someone else
    store.save_rule(rule("r"))
    store.commit([ContactChange(contact(), 0)], T0)
    read = store.contact("ct_1")
    store.commit([ContactChange(read.item.model_copy(update={"name": "Other"}), 1)], T0)
    # When a commit pairs a new follow-up with a change based on the stale read
    holder = read.item.model_copy(update={"tags": ["vip"]})
    with pytest.raises(CommitRejected) as rejected:
        store.commit([NewFollowUp(followup("fu_x")), ContactChange(holder, read.revision)], T0)
    # Then only the stale change is named, and neither the follow-up nor its counters exist
    assert [type(change) for change in rejected.value.failed] == [ContactChange]
    assert store.followup("fu_x") is None
    assert store.stats(T0.date(), T0.date()) == []
    assert store.contact("ct_1").item.name == "Other"


def test_a_duplicate_planned_send_is_refused_and_not_counted_again(store: Any) -> None:
    store.save_rule(rule("r"))
    store.commit([NewFollowUp(followup("fu_y"))], T0)
    assert counts(store) == {"queued": 1}
    with pytest.raises(CommitRejected) as rejected:
        store.commit([NewFollowUp(followup("fu_y", rule_version=2))], T0)
    assert rejected.value.only(NewFollowUp)
    assert rejected.value.failed == [NewFollowUp(followup("fu_y", rule_version=2))]
    assert store.followup("fu_y") == followup("fu_y")
    assert counts(store) == {"queued": 1}


def test_a_contact_revision_starts_at_one_and_moves_by_one_per_write(store: Any) -> None:
    store.commit([ContactChange(contact(name="A"), 0)], T0)
    assert store.contact("ct_1").revision == 1
    store.commit([ContactChange(contact(name="B"), 1)], T0)
    store.commit([ContactChange(contact(name="C"), 2)], T0)
    current = store.contact("ct_1")
    assert (current.revision, current.item.name) == (3, "C")


@pytest.mark.parametrize(
    "change",
    [
        ContactChange(contact(name="again"), 0),  # created twice
        ContactChange(contact(name="stale"), 1),  # read before the last write
        ContactChange(contact("ct_missing"), 1),  # never written
    ],
    ids=["created-twice", "stale", "missing"],
)
def test_a_contact_change_loses_on_a_wrong_revision(store: Any, change: ContactChange) -> None:
    store.commit([ContactChange(contact(name="first"), 0)], T0)
    store.commit([ContactChange(contact(name="second"), 1)], T0)
    with pytest.raises(CommitRejected) as rejected:
        store.commit([change], T0)
    assert rejected.value.failed == [change]
    assert store.contact("ct_1").item.name == "second"
    assert store.contact("ct_missing") is None


def test_a_status_change_needs_the_status_it_was_read_in_and_counts_once(store: Any) -> None:
    store.save_rule(rule("r"))
    queued = followup()
    store.commit([NewFollowUp(queued)], T0)
    sending = moved(queued, Status.SENDING, T0)
    with pytest.raises(CommitRejected) as rejected:
        store.commit([FollowUpChange(sending, Status.SENT)], T0)
    assert rejected.value.failed == [FollowUpChange(sending, Status.SENT)]
    store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    sent = moved(sending, Status.SENT, T0)
    store.commit([FollowUpChange(sent, Status.SENDING)], T0)
    with pytest.raises(CommitRejected):  # a second sender's claim of the same follow-up
        store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    assert store.followup("fu_1") == sent
    assert counts(store) == {"queued": 1, "sent": 1}


def test_a_copy_read_before_a_move_away_and_back_loses_when_it_gives_its_moves(
    store: Any,
) -> None:
    # Given a queued follow-up read by a lane's reader, then claimed and put back queued
    store.save_rule(rule("r"))
    read = followup()
    store.commit([NewFollowUp(read)], T0)
    sending = moved(read, Status.SENDING, T0)
    store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    back = moved(sending, Status.QUEUED, T0).model_copy(update={"attempt": 1})
    store.commit([FollowUpChange(back, Status.SENDING)], T0)
    # When the reader writes its copy, handed over again, saying the moves it read
    again = read.model_copy(update={"wake_at": T0 + timedelta(minutes=30)})
    stale = FollowUpChange(again, Status.QUEUED, moves=read.moves)
    with pytest.raises(CommitRejected) as rejected:
        store.commit([stale], T0)
    # Then it loses, and the try stays; a copy read after the try is written
    assert rejected.value.failed == [stale]
    assert store.followup("fu_1") == back
    fresh = back.model_copy(update={"wake_at": T0 + timedelta(minutes=30)})
    store.commit([FollowUpChange(fresh, Status.QUEUED, moves=back.moves)], T0)
    assert store.followup("fu_1") == fresh
    assert counts(store) == {"queued": 1}


def test_a_status_change_of_a_follow_up_never_written_loses(store: Any) -> None:
    change = FollowUpChange(moved(followup(), Status.CANCELED, T0), Status.QUEUED)
    with pytest.raises(CommitRejected) as rejected:
        store.commit([change], T0)
    assert rejected.value.failed == [change]
    assert store.followup("fu_1") is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ([Status.SENDING, Status.QUEUED], {}),  # claim and retry are not counted
        ([Status.CANCELED], {"canceled": 1}),
        ([Status.OPTED_OUT], {"opted_out_before_send": 1}),
        ([Status.SENDING, Status.SENT, Status.OPTED_OUT], {"sent": 1, "opted_out": 1}),
        (
            [Status.SENDING, Status.SENT, Status.DELIVERED, Status.READ],
            {"sent": 1, "delivered": 1, "read": 1},
        ),
        ([Status.SENDING, Status.FAILED], {"failed": 1}),
        (  # a reply before the delivered status: it was delivered, counted once
            [Status.SENDING, Status.SENT, Status.RESPONDED],
            {"sent": 1, "delivered": 1, "responded": 1},
        ),
        ([Status.SENDING, Status.SENT, Status.EXPIRED], {"sent": 1, "expired": 1}),
        ([Status.SKIPPED], {"skipped": 1}),
    ],
)
def test_each_status_change_bumps_its_counter(
    store: Any, path: list[Status], expected: dict[str, int]
) -> None:
    store.save_rule(rule("r"))
    current = followup()
    store.commit([NewFollowUp(current)], T0)
    for status in path:
        changed = moved(current, status, T0)
        store.commit([FollowUpChange(changed, current.status)], T0)
        current = changed
    assert counts(store) == {"queued": 1, **expected}
    assert store.followup("fu_1") == current


def test_a_rewrite_in_the_same_status_counts_nothing(store: Any) -> None:
    store.save_rule(rule("r"))
    store.commit([NewFollowUp(followup())], T0)
    store.commit([FollowUpChange(followup(attempt=1), Status.QUEUED)], T0)
    assert counts(store) == {"queued": 1}
    assert store.followup("fu_1").attempt == 1


@pytest.mark.parametrize(
    ("ai", "expected"),
    [
        (AiWriting(used=True, input_tokens=900, output_tokens=60, cost_usd=0.0012), 1200),
        (AiWriting(used=False, fallback_reason="timeout", input_tokens=900), 0),
    ],
)
def test_an_ai_send_counts_the_message_and_its_cost(
    store: Any, ai: AiWriting, expected: int
) -> None:
    store.save_rule(rule("r"))
    queued = followup()
    sending = moved(queued, Status.SENDING, T0)
    store.commit([NewFollowUp(queued)], T0)
    store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    sent = moved(sending, Status.SENT, T0).model_copy(update={"ai": ai})
    store.commit([FollowUpChange(sent, Status.SENDING)], T0)
    assert counts(store) == {
        "queued": 1,
        "sent": 1,
        "ai_messages": 1,
        "ai_cost_micro_usd": expected,
    }


def test_a_new_follow_up_in_a_status_without_a_counter_is_refused(
    store: Any, refused: type[Exception]
) -> None:
    # Only queued and skipped follow-ups are planned; there is no counter for "sending".
    store.save_rule(rule("r"))
    with pytest.raises((refused, AttributeError)):
        store.commit([NewFollowUp(followup(status=Status.SENDING))], T0)
    assert store.followup("fu_1") is None
    assert counts(store) == {}


def test_a_follow_up_converts_once(store: Any) -> None:
    store.save_rule(rule("r"))
    sent = followup(status=Status.SENT, sent_at=T0)
    store.commit([NewFollowUp(sent)], T0)
    credited = sent.model_copy(update={"converted_at": T0 + timedelta(hours=1)})
    store.commit([Conversion(credited)], T0)
    with pytest.raises(CommitRejected) as rejected:
        store.commit([Conversion(credited)], T0)
    assert rejected.value.only(Conversion)
    assert store.followup("fu_1") == credited
    assert counts(store) == {"sent": 1, "converted": 1}


def test_a_conversion_of_a_copy_read_before_the_follow_up_moved_is_refused(store: Any) -> None:
    # Given a sent follow-up read, then answered before its conversion is written
    store.save_rule(rule("r"))
    sent = followup(status=Status.SENT, sent_at=T0)
    store.commit([NewFollowUp(sent)], T0)
    replied = moved(sent, Status.RESPONDED, T0)
    store.commit([FollowUpChange(replied, Status.SENT)], T0)
    # When the conversion is written from the copy read before the reply, it is refused
    with pytest.raises(CommitRejected):
        store.commit([Conversion(sent.model_copy(update={"converted_at": T0}))], T0)
    # And the reply stands; the copy read again converts
    assert store.followup("fu_1") == replied
    store.commit([Conversion(replied.model_copy(update={"converted_at": T0}))], T0)
    found = store.followup("fu_1")
    assert (found.status, found.converted_at) == (Status.RESPONDED, T0)


def test_a_status_read_before_a_conversion_never_writes_the_conversion_away(store: Any) -> None:
    # Given a sent follow-up read by a delivered status, then converted before that status
    # is written
    store.save_rule(rule("r"))
    sent = followup(status=Status.SENT, sent_at=T0)
    store.commit([NewFollowUp(sent)], T0)
    credited = sent.model_copy(update={"converted_at": T0})
    store.commit([Conversion(credited)], T0)
    # When the delivered copy read before the conversion is written, it is refused
    delivered = moved(sent, Status.DELIVERED, T0)
    with pytest.raises(CommitRejected):
        store.commit([FollowUpChange(delivered, Status.SENT)], T0)
    # Then the conversion stands, and a conversion sent again is refused: counted once
    assert store.followup("fu_1") == credited
    with pytest.raises(CommitRejected):
        store.commit([Conversion(credited)], T0)
    # And the delivered copy written over the conversion keeps it
    store.commit(
        [FollowUpChange(delivered.model_copy(update={"converted_at": T0}), Status.SENT)], T0
    )
    found = store.followup("fu_1")
    assert (found.status, found.converted_at) == (Status.DELIVERED, T0)
    with pytest.raises(CommitRejected):
        store.commit([Conversion(found)], T0)
    assert counts(store)["converted"] == 1


def replied_to(store: Any) -> FollowUp:
    """A sent follow-up of rule "r" the lead replied to at T0, stored."""
    store.save_rule(rule("r"))
    replied = moved(followup(status=Status.SENT, sent_at=T0), Status.RESPONDED, T0)
    store.commit([NewFollowUp(replied)], T0)
    return replied


def assert_marked_priced_and_converted(store: Any, at: datetime) -> None:
    """The stored follow-up holds the lead's STOP after their reply, its price and its
    conversion, marked and converted `at`."""
    found = store.followup("fu_1")
    assert (found.stopped_after_reply_at, found.pricing, found.converted_at) == (at, PRICING, at)


def test_a_copy_read_before_the_lead_stopped_after_replying_never_writes_the_mark_away(
    store: Any,
) -> None:
    # Given a follow-up the lead replied to, read by a late priced status and by a goal,
    # then marked stopped: the lead sent STOP after their reply
    replied = replied_to(store)
    stop_at = T0 + timedelta(hours=1)
    marked = replied.model_copy(update={"stopped_after_reply_at": stop_at})
    store.commit([FollowUpChange(marked, Status.RESPONDED, moves=replied.moves)], stop_at)
    assert counts(store)["opted_out"] == 1
    # When the copies read before the STOP are written, priced and converted, both lose
    priced = replied.model_copy(update={"pricing": PRICING})
    with pytest.raises(CommitRejected):
        store.commit([FollowUpChange(priced, Status.RESPONDED)], stop_at)
    with pytest.raises(CommitRejected):
        store.commit([Conversion(replied.model_copy(update={"converted_at": stop_at}))], stop_at)
    # Then the mark stands, and the copies read again are written over it, keeping it: the
    # opt-out counted once
    assert store.followup("fu_1") == marked
    priced = marked.model_copy(update={"pricing": PRICING})
    store.commit([FollowUpChange(priced, Status.RESPONDED)], stop_at)
    store.commit([Conversion(priced.model_copy(update={"converted_at": stop_at}))], stop_at)
    assert_marked_priced_and_converted(store, stop_at)
    assert counts(store)["opted_out"] == 1


def test_a_mark_or_a_conversion_read_before_a_late_price_never_writes_it_away(
    store: Any,
) -> None:
    # Given a follow-up the lead replied to before any priced status came, read by their
    # STOP and by a goal, then priced by a late status
    replied = replied_to(store)
    stop_at = T0 + timedelta(hours=1)
    priced = replied.model_copy(update={"pricing": PRICING})
    store.commit([FollowUpChange(priced, Status.RESPONDED)], stop_at)
    cost = counts(store)["messaging_cost_micro_usd"]
    assert cost == 41100
    # When the mark and the conversion of the copies read before the price are written,
    # both lose
    marked = replied.model_copy(update={"stopped_after_reply_at": stop_at})
    mark = FollowUpChange(marked, Status.RESPONDED, moves=replied.moves, unpriced=True)
    with pytest.raises(CommitRejected):
        store.commit([mark], stop_at)
    with pytest.raises(CommitRejected):
        store.commit([Conversion(replied.model_copy(update={"converted_at": stop_at}))], stop_at)
    # Then the price stands, and the copies read again are written over it, keeping it: the
    # price, the opt-out and the conversion each counted once
    assert store.followup("fu_1") == priced
    marked = priced.model_copy(update={"stopped_after_reply_at": stop_at})
    store.commit([FollowUpChange(marked, Status.RESPONDED, moves=priced.moves)], stop_at)
    store.commit([Conversion(marked.model_copy(update={"converted_at": stop_at}))], stop_at)
    assert_marked_priced_and_converted(store, stop_at)
    assert counts(store)["messaging_cost_micro_usd"] == cost
    assert (counts(store)["opted_out"], counts(store)["converted"]) == (1, 1)


def test_a_copy_read_before_a_send_took_over_as_its_steps_send_never_writes_it_away(
    store: Any,
) -> None:
    # Given a send on a step's second channel, following on its step's first send, which
    # then takes over as the step's send
    store.save_rule(rule("r"))
    queued = followup(channel_index=1, follows_on=True)
    store.commit([NewFollowUp(queued)], T0)
    sending = moved(queued, Status.SENDING)
    store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    sent = moved(sending, Status.SENT).model_copy(update={"sent_at": T0})
    store.commit([FollowUpChange(sent, Status.SENDING)], T0)
    assert counts(store).get("sent", 0) == 0
    at = T0 + timedelta(hours=1)
    taken = sent.model_copy(update={"follows_on": False, "took_over_at": at})
    store.commit([FollowUpChange(taken, Status.SENT)], at)
    assert counts(store)["sent"] == 1
    # When the lead's answer and a goal, read before the take-over, are written: both lose
    with pytest.raises(CommitRejected):
        store.commit([FollowUpChange(moved(sent, Status.RESPONDED, at), Status.SENT)], at)
    with pytest.raises(CommitRejected):
        store.commit([Conversion(sent.model_copy(update={"converted_at": at}))], at)
    # Then the take-over stands, and the copies read again are written over it, keeping it:
    # the send, its answer and its conversion each counted once
    assert store.followup("fu_1") == taken
    replied = moved(taken, Status.RESPONDED, at)
    store.commit([FollowUpChange(replied, Status.SENT)], at)
    store.commit([Conversion(replied.model_copy(update={"converted_at": at}))], at)
    found = store.followup("fu_1")
    assert (found.status, found.follows_on, found.took_over_at) == (Status.RESPONDED, False, at)
    assert {name: counts(store).get(name) for name in ("sent", "responded", "converted")} == {
        "sent": 1,
        "responded": 1,
        "converted": 1,
    }


def test_a_follow_up_written_with_its_conversion_does_not_convert_again(store: Any) -> None:
    credited = followup(status=Status.SENT, sent_at=T0, converted_at=T0)
    store.commit([NewFollowUp(credited)], T0)
    with pytest.raises(CommitRejected):
        store.commit([Conversion(credited)], T0)


def test_an_enrollment_is_created_once_and_changed_by_revision(store: Any) -> None:
    store.commit([NewEnrollment(enrollment())], T0)
    with pytest.raises(CommitRejected) as duplicate:
        store.commit([NewEnrollment(enrollment(step_index=1))], T0)
    assert duplicate.value.only(NewEnrollment)
    assert store.enrollment("en_1").revision == 1
    done = enrollment(state=EnrollmentState.COMPLETED, next_due_at=None)
    store.commit([EnrollmentChange(done, 1)], T0)
    with pytest.raises(CommitRejected) as stale:
        store.commit([EnrollmentChange(enrollment(step_index=2), 1)], T0)
    assert stale.value.only(EnrollmentChange)
    with pytest.raises(CommitRejected):
        store.commit([EnrollmentChange(enrollment("en_never"), 1)], T0)
    assert store.enrollment("en_1") is not None
    assert (store.enrollment("en_1").revision, store.enrollment("en_1").item) == (2, done)
    assert store.enrollment("en_never") is None


def test_every_loser_is_named_conversions_last_and_nothing_is_written(store: Any) -> None:
    store.save_rule(rule("r"))
    store.commit([ContactChange(contact(), 0), NewEnrollment(enrollment())], T0)
    converted = followup("fu_c", status=Status.SENT, converted_at=T0)
    store.commit(
        [NewFollowUp(converted), NewFollowUp(followup("fu_q")), NewFollowUp(followup("fu_d"))], T0
    )
    before = counts(store)
    changes = [
        Conversion(converted),
        ContactChange(contact(name="stale"), 0),
        NewFollowUp(followup("fu_new")),
        FollowUpChange(moved(followup("fu_q"), Status.CANCELED, T0), Status.SENDING),
        NewEnrollment(enrollment("en_new")),
        EnrollmentChange(enrollment(step_index=1), 1),
        NewFollowUp(followup("fu_d")),
    ]
    with pytest.raises(CommitRejected) as rejected:
        store.commit(changes, T0)
    assert rejected.value.failed == [changes[1], changes[3], changes[6], changes[0]]
    assert not rejected.value.only(NewFollowUp)
    assert store.followup("fu_new") is None
    assert store.enrollment("en_new") is None
    assert store.enrollment("en_1").revision == 1
    assert store.followup("fu_q").status is Status.QUEUED
    assert counts(store) == before


def test_a_commit_that_names_one_item_twice_is_refused_whole(
    store: Any, refused: type[Exception]
) -> None:
    queued = followup()
    with pytest.raises(refused):
        store.commit([NewFollowUp(queued), FollowUpChange(queued, Status.QUEUED)], T0)
    with pytest.raises(refused):
        store.commit([ContactChange(contact(), 0), ContactChange(contact(), 0)], T0)
    assert store.followup("fu_1") is None
    assert store.contact("ct_1") is None


def test_an_empty_key_is_refused_wherever_it_would_key_an_item_or_index(
    store: Any, refused: type[Exception]
) -> None:
    with pytest.raises(refused):  # its counters would go to a stats item without a key
        store.commit([NewFollowUp(followup(rule_id=""))], T0)
    with pytest.raises(refused):  # a held enrollment is listed under its rule
        store.commit([NewEnrollment(enrollment("en_held", rule_id="", held_at=T0))], T0)
    with pytest.raises(refused):  # it counts as entered on its rule's stats items
        store.commit([NewEnrollment(enrollment(rule_id=""))], T0)
    assert store.followup("fu_1") is None
    assert store.enrollment("en_held") is None
    assert store.enrollment("en_1") is None


def test_an_empty_commit_writes_nothing(store: Any) -> None:
    store.commit([], T0)
    assert store.stats(T0.date(), T0.date()) == []


def test_counters_go_to_the_commit_day_and_rule_of_each_follow_up(store: Any) -> None:
    store.save_rule(rule("a"))
    store.save_rule(rule("b"))
    late = T0 + timedelta(hours=22)  # 24 Nov, 00:00 UTC the next day
    store.commit([NewFollowUp(followup("fu_1", rule_id="a"))], T0)
    store.commit(
        [NewFollowUp(followup("fu_2", rule_id="a")), NewFollowUp(followup("fu_3", rule_id="b"))],
        late,
    )
    days = [
        (row.rule_id, row.day.isoformat(), row.counts)
        for row in store.stats(T0.date(), late.date())
    ]
    assert days == [
        ("a", "2026-11-24", {"queued": 1}),
        ("a", "2026-11-25", {"queued": 1}),
        ("b", "2026-11-25", {"queued": 1}),
    ]
    assert [row.rule_id for row in store.stats(late.date(), late.date())] == ["a", "b"]


def test_stored_state_is_not_shared_with_callers(store: Any) -> None:
    written = contact(tags=["vip"], attributes={"city": "Bandung"})
    store.commit([ContactChange(written, 0)], T0)
    written.tags.append("changed")
    read = store.contact("ct_1").item
    read.attributes["city"] = "Medan"
    assert store.contact("ct_1").item == contact(tags=["vip"], attributes={"city": "Bandung"})
    queued = followup()
    store.commit([NewFollowUp(queued)], T0)
    queued.history.clear()
    assert len(store.followup("fu_1").history) == 1


def test_concurrent_writers_lose_no_update(store: Any) -> None:
    store.commit([ContactChange(contact(), 0)], T0)
    losses: list[int] = []

    def bump(times: int) -> None:
        for _ in range(times):
            while True:
                read = store.contact("ct_1")
                counted = read.item.followups_sent + 1
                update = read.item.model_copy(update={"followups_sent": counted})
                try:
                    store.commit([ContactChange(update, read.revision)], T0)
                except CommitRejected:
                    losses.append(1)
                    continue
                break

    workers = [threading.Thread(target=bump, args=(5,)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    final = store.contact("ct_1")
    assert (final.item.followups_sent, final.revision) == (20, 21)


def test_status_counts_follow_each_follow_up_to_its_send_day_and_status_now(store: Any) -> None:
    # Given two rules' follow-ups to be sent today and one planned for tomorrow
    store.save_rule(rule("a"))
    store.save_rule(rule("b"))
    today, tomorrow = T0.date(), T0.date() + timedelta(days=1)
    later = followup("fu_2", rule_id="a", scheduled_at=T0 + timedelta(days=1))
    store.commit(
        [
            NewFollowUp(followup("fu_1", rule_id="a")),
            NewFollowUp(later),
            NewFollowUp(followup("fu_3", rule_id="b")),
        ],
        T0,
    )
    assert store.statuses_now(today, today, None) == {"queued": 2}
    # When one goes out and is delivered, and another is skipped
    current = followup("fu_1", rule_id="a")
    for status in (Status.SENDING, Status.SENT, Status.DELIVERED):
        changed = moved(current, status)
        store.commit([FollowUpChange(changed, current.status)], T0)
        current = changed
    skipped = moved(followup("fu_3", rule_id="b"), Status.SKIPPED)
    store.commit([FollowUpChange(skipped, Status.QUEUED)], T0)
    # Then each counts once, in the status it has now, on its send day, per rule on request
    assert store.statuses_now(today, today, None) == {"delivered": 1, "skipped": 1}
    assert store.statuses_now(today, today, "a") == {"delivered": 1}
    assert store.statuses_now(tomorrow, tomorrow, None) == {"queued": 1}
    assert store.statuses_now(today, tomorrow, "b") == {"skipped": 1}
    # And a change that lost moves nothing
    with pytest.raises(CommitRejected):
        store.commit([FollowUpChange(moved(current, Status.READ), Status.SENT)], T0)
    assert store.statuses_now(today, tomorrow, None) == {
        "delivered": 1,
        "skipped": 1,
        "queued": 1,
    }
    # And one put off to today leaves tomorrow, which then counts no change of its own
    today_after_all = later.model_copy(update={"scheduled_at": T0 + timedelta(hours=1)})
    store.commit([FollowUpChange(today_after_all, Status.QUEUED)], T0)
    assert store.statuses_now(today, today, None) == {"delivered": 1, "skipped": 1, "queued": 1}
    assert store.statuses_now(tomorrow, tomorrow, None) == {}
    assert store.stats(tomorrow, tomorrow) == []


def test_an_undecided_change_is_refused_once_someone_approved_the_text(store: Any) -> None:
    # Given a text awaiting approval, read by two people
    waiting = followup("fu_a")
    store.commit([NewFollowUp(waiting)], T0)
    first = waiting.model_copy(update={"approved_at": T0, "dispatched_at": T0})
    second = moved(waiting, Status.CANCELED)
    # When the first approves it, the second's decision on what it read is refused
    store.commit([FollowUpChange(first, Status.QUEUED, undecided=True)], T0)
    with pytest.raises(CommitRejected):
        store.commit([FollowUpChange(second, Status.QUEUED, undecided=True)], T0)
    with pytest.raises(CommitRejected):
        store.commit([FollowUpChange(first, Status.QUEUED, undecided=True)], T0)
    assert store.followup("fu_a") == first
    # And a change that decides nothing still writes the approved copy
    claimed = moved(first, Status.SENDING)
    store.commit([FollowUpChange(claimed, Status.QUEUED)], T0)
    assert store.followup("fu_a") == claimed


def test_a_status_write_sent_again_after_it_was_made_holds_and_counts_once(store: Any) -> None:
    # Given a queued follow-up whose claim was made, its answer lost
    store.save_rule(rule("r"))
    queued = followup()
    store.commit([NewFollowUp(queued)], T0)
    claim = FollowUpChange(moved(queued, Status.SENDING), Status.QUEUED)
    store.commit([claim], T0)
    # When the client sends the same claim again, then it holds, as the first send did
    store.commit([claim], T0)
    # And the sent write, sent twice, holds twice and counts one send
    sent = FollowUpChange(moved(claim.followup, Status.SENT), Status.SENDING)
    store.commit([sent], T0)
    store.commit([sent], T0)
    assert store.followup("fu_1") == sent.followup
    assert counts(store) == {"queued": 1, "sent": 1}
    assert store.statuses_now(T0.date(), T0.date(), None) == {"sent": 1}


def test_another_claim_from_the_same_read_is_refused_though_it_writes_the_same(
    store: Any,
) -> None:
    # Given a queued follow-up two senders read at once, and the first one's claim made
    store.save_rule(rule("r"))
    queued = followup()
    store.commit([NewFollowUp(queued)], T0)
    first = FollowUpChange(moved(queued, Status.SENDING), Status.QUEUED)
    store.commit([first], T0)
    # When the second sender claims it, writing the very same copy, then it is refused
    second = FollowUpChange(moved(queued, Status.SENDING), Status.QUEUED)
    assert second.followup == first.followup
    with pytest.raises(CommitRejected) as rejected:
        store.commit([second], T0)
    assert rejected.value.failed == [second]


def test_a_status_write_sent_again_after_another_write_is_refused(store: Any) -> None:
    # Given a sent follow-up whose sent write was made, then a conversion and a delivery
    store.save_rule(rule("r"))
    store.commit([NewFollowUp(followup())], T0)
    sending = moved(followup(), Status.SENDING)
    store.commit([FollowUpChange(sending, Status.QUEUED)], T0)
    sent = FollowUpChange(moved(sending, Status.SENT), Status.SENDING)
    store.commit([sent], T0)
    credited = sent.followup.model_copy(update={"converted_at": T0})
    store.commit([Conversion(credited)], T0)
    # When the sent write comes again, then it is refused and the conversion kept
    with pytest.raises(CommitRejected):
        store.commit([sent], T0)
    assert store.followup("fu_1") == credited
    # And so it is after a status write of someone else
    delivered = FollowUpChange(moved(credited, Status.DELIVERED), Status.SENT)
    store.commit([delivered], T0)
    with pytest.raises(CommitRejected):
        store.commit([sent], T0)
    assert store.followup("fu_1") == delivered.followup
    assert counts(store) == {"queued": 1, "sent": 1, "converted": 1, "delivered": 1}


def _puts_sent_again() -> list[tuple[str, Any, Any]]:
    """(what, the write made, the same write sent again as the client would) for each kind
    of put: a contact created and changed, an enrollment inserted and moved, a slot taken
    and given on, a follow-up planned."""
    created = ContactChange(contact(), 0)
    inserted = NewEnrollment(enrollment())
    taken = SlotChange(Slot("ct_1", "fu_a", T0), 0)
    planned = NewFollowUp(followup("fu_a"))
    edited = ContactChange(contact(stage="paid"), 1)
    done = EnrollmentChange(enrollment(state=EnrollmentState.COMPLETED, next_due_at=None), 1)
    given = SlotChange(Slot("ct_1", "fu_b", T0), 1)
    puts: list[tuple[str, Any]] = [
        ("contact created", created),
        ("enrollment inserted", inserted),
        ("slot taken", taken),
        ("follow-up planned", planned),
        ("contact changed", edited),
        ("enrollment moved", done),
        ("slot given on", given),
    ]
    return [(name, change, replace(change)) for name, change in puts]


def _everything(store: Any) -> tuple[Any, ...]:
    """What the puts above write, as stored, with their revisions, and the counters."""
    return (
        store.contact("ct_1"),
        store.enrollment("en_1"),
        store.slot("ct_1"),
        store.followup("fu_a"),
        counts(store),
    )


def test_every_put_sent_again_after_it_was_made_holds_and_changes_nothing(store: Any) -> None:
    # Given each kind of put, made once, whose answer the client lost
    store.save_rule(rule("r"))
    for what, change, again in _puts_sent_again():
        store.commit([change], T0)
        before = _everything(store)
        # When the client sends the same write again, then it holds and nothing moves:
        # no revision, no counter
        store.commit([again], T0)
        assert _everything(store) == before, what


def test_a_put_from_the_same_read_as_one_made_is_still_refused(store: Any) -> None:
    # Given each kind of put made by one writer
    store.save_rule(rule("r"))
    for what, change, _ in _puts_sent_again():
        store.commit([change], T0)
        # When another writer puts the very same copy from the same read, then it loses
        rival = replace(change, token=write_token())
        with pytest.raises(CommitRejected) as rejected:
            store.commit([rival], T0)
        assert rejected.value.failed == [rival], what
