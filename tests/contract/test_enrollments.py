"""Enrollments: due by time across shards, held per rule, by contact."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.adapters.tables import SHARDS
from followup.domain.enrollment import EnrollmentState
from followup.domain.ids import shard_of
from followup.services.ports import EnrollmentChange, NewEnrollment
from tests.contract.items import T0, enrollment


def minutes(n: int) -> Any:
    return T0 + timedelta(minutes=n)


def test_an_enrollment_is_read_by_key_with_its_revision(store: Any) -> None:
    store.commit([NewEnrollment(enrollment())], T0)
    found = store.enrollment("en_1")
    assert (found.item, found.revision) == (enrollment(), 1)
    assert store.enrollment("en_1", consistent=False) == found  # at half the price
    assert store.enrollment("en_2") is None
    assert store.enrollment("") is None


def test_due_enrollments_are_read_soonest_due_first_whatever_their_shard(store: Any) -> None:
    """The enqueue tick gives a contact one queued follow-up at a time: read in due order,
    a step due soon is never kept out by a contact's other step due later."""
    due = [
        enrollment(f"en_{n}", next_due_at=minutes(m))
        for n, m in enumerate([9, 3, 60, 61, 0, 7, 7, 30])
    ]
    store.commit(
        [
            *[NewEnrollment(each) for each in due],
            NewEnrollment(enrollment("en_done", state=EnrollmentState.COMPLETED)),
            NewEnrollment(enrollment("en_out", state=EnrollmentState.EXITED)),
            NewEnrollment(enrollment("en_held", held_at=T0)),
            NewEnrollment(enrollment("en_idle", next_due_at=None)),
        ],
        T0,
    )
    found = [v.item.id for v in store.due_enrollments(minutes(60))]
    ready = [e for e in due if e.next_due_at <= minutes(60)]
    expected = sorted(ready, key=lambda e: (e.next_due_at, shard_of(e.id, SHARDS), e.id))
    assert found == [e.id for e in expected]
    assert len(found) == 7
    assert {v.revision for v in store.due_enrollments(minutes(60))} == {1}


def test_a_held_enrollment_waits_for_its_rule_and_resumes_due(store: Any) -> None:
    store.commit(
        [
            NewEnrollment(enrollment("en_a", held_at=T0)),
            NewEnrollment(enrollment("en_b", held_at=T0)),
            NewEnrollment(enrollment("en_c", rule_id="other", held_at=T0)),
            NewEnrollment(enrollment("en_d")),
            NewEnrollment(enrollment("en_e", held_at=T0, state=EnrollmentState.EXITED)),
        ],
        T0,
    )
    assert [v.item.id for v in store.held_enrollments("r")] == ["en_a", "en_b"]
    assert (store.held_count("r"), store.held_count("other"), store.held_count("none")) == (2, 1, 0)
    assert [v.item.id for v in store.due_enrollments(minutes(1))] == ["en_d"]
    resumed = enrollment("en_a", held_at=T0).resume(minutes(5))
    store.commit([EnrollmentChange(resumed, 1)], T0)
    assert [v.item.id for v in store.held_enrollments("r")] == ["en_b"]
    assert store.held_count("r") == 1
    assert {v.item.id for v in store.due_enrollments(minutes(5))} == {"en_a", "en_d"}


def test_held_enrollments_of_no_rule_are_refused(store: Any, refused: type[Exception]) -> None:
    with pytest.raises(refused):
        store.held_count("")
    with pytest.raises(refused):
        list(store.held_enrollments(""))


def test_enrollments_of_a_contact_come_in_the_order_they_began(store: Any) -> None:
    store.commit(
        [
            NewEnrollment(enrollment("en_b", at=minutes(5))),
            NewEnrollment(enrollment("en_a", at=minutes(9))),
            NewEnrollment(enrollment("en_c", at=minutes(5), state=EnrollmentState.COMPLETED)),
            NewEnrollment(enrollment("en_x", at=minutes(1), contact_id="ct_2")),
        ],
        T0,
    )
    assert [v.item.id for v in store.enrollments_of("ct_1")] == ["en_b", "en_c", "en_a"]
    assert store.enrollments_of("ct_9") == []
