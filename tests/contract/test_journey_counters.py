"""Per-journey and per-step counters: bumped with the commit that moves an enrollment or a
follow-up, exactly once, and never by a commit that lost."""

from __future__ import annotations

from typing import Any

import pytest

from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Reason, Status
from followup.services.ports import (
    CommitRejected,
    ContactChange,
    Conversion,
    EnrollmentChange,
    FollowUpChange,
    NewEnrollment,
    NewFollowUp,
)
from tests.contract.items import T0, contact, enrollment, followup, moved


def journey(store: Any) -> tuple[dict[str, int], dict[tuple[int, int], dict[str, int]]]:
    """The rule's counters today and each step's, with `active` from the gauges."""
    found = store.journey_stats("r", T0.date(), T0.date())
    days = [day.counts for day in found.days]
    rule = {**(days[0] if days else {}), "active": found.active}
    steps: dict[tuple[int, int], dict[str, int]] = {}
    for row in found.steps:
        steps.setdefault((row.version, row.index), {}).update(row.counts)
    for key, active in found.active_steps.items():
        steps.setdefault(key, {})["active"] = active
    return rule, steps


def walk(store: Any, *states: dict[str, Any]) -> None:
    """Enroll, then commit each change of the enrollment in turn."""
    store.commit([NewEnrollment(enrollment())], T0)
    for revision, update in enumerate(states, start=1):
        current = store.enrollment("en_1").item
        store.commit([EnrollmentChange(current.model_copy(update=update), revision)], T0)


def test_an_enrollment_entering_moving_and_completing_moves_the_gauges_with_it(
    store: Any,
) -> None:
    store.commit([NewEnrollment(enrollment())], T0)
    assert journey(store) == ({"entered": 1, "active": 1}, {(1, 0): {"entered": 1, "active": 1}})
    walk_on = enrollment(step_index=1)
    store.commit([EnrollmentChange(walk_on, 1)], T0)
    done = walk_on.model_copy(update={"state": EnrollmentState.COMPLETED, "next_due_at": None})
    store.commit([EnrollmentChange(done, 2)], T0)
    assert journey(store) == (
        {"entered": 1, "completed": 1, "active": 0},
        {(1, 0): {"entered": 1, "active": 0}, (1, 1): {"entered": 1, "completed": 1, "active": 0}},
    )


def test_a_change_naming_the_enrollment_it_replaces_counts_as_one_that_does_not(
    store: Any,
) -> None:
    store.commit([NewEnrollment(enrollment())], T0)
    stored = store.enrollment("en_1")
    walk_on = enrollment(step_index=1)
    store.commit([EnrollmentChange(walk_on, stored.revision, stored.item)], T0)
    ended = walk_on.model_copy(update={"state": EnrollmentState.EXITED, "exit_reason": "x"})
    with pytest.raises(CommitRejected):  # named at a revision that is gone: loses, counts none
        store.commit([EnrollmentChange(ended, stored.revision, stored.item)], T0)
    assert journey(store) == (
        {"entered": 1, "active": 1},
        {(1, 0): {"entered": 1, "active": 0}, (1, 1): {"entered": 1, "active": 1}},
    )


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        (Reason.REPLIED, "replied"),
        (Reason.EXIT_STAGE, "exit"),
        (Reason.OPTED_OUT, "opted_out"),
        (Reason.CONVERSATION_CLOSED, "closed"),
        ("goal_reached", "goal"),
        (f"{Reason.RULE_ERROR.value}: no such template", "error"),
        ("no channel: no_address:email; opted_out:sms", "unreachable"),
        ("contact_deleted", "other"),
        (Reason.CANCELED_BY_STAFF, "other"),
    ],
)
def test_an_exit_counts_by_its_kind_at_the_step_it_left(store: Any, reason: str, kind: str) -> None:
    exited = {"state": EnrollmentState.EXITED, "exit_reason": reason, "step_index": 2}
    walk(store, {"step_index": 1}, exited)
    expected = {"exited": 1, f"exited_{kind}": 1, **({"errors": 1} if kind == "error" else {})}
    rule, steps = journey(store)
    assert rule == {"entered": 1, "active": 0, **expected}
    assert steps[(1, 1)] == {"entered": 1, "active": 0}
    assert steps[(1, 2)] == {"entered": 1, **expected}


def test_an_ended_enrollment_rewritten_counts_nothing_more(store: Any) -> None:
    ended = {"state": EnrollmentState.EXITED, "exit_reason": Reason.REPLIED.value}
    walk(store, ended, {"step_index": 3})
    assert journey(store) == (
        {"entered": 1, "exited": 1, "exited_replied": 1, "active": 0},
        {(1, 0): {"entered": 1, "exited": 1, "exited_replied": 1, "active": 0}},
    )


def test_a_new_enrollment_that_ends_at_once_is_entered_and_ended_but_never_active(
    store: Any,
) -> None:
    store.commit([NewEnrollment(enrollment(state=EnrollmentState.COMPLETED))], T0)
    assert journey(store) == (
        {"entered": 1, "completed": 1, "active": 0},
        {(1, 0): {"entered": 1, "completed": 1}},
    )


def test_an_enrollment_moved_to_a_new_version_moves_between_the_versions_steps(
    store: Any,
) -> None:
    walk(store, {"rule_version": 2})
    assert journey(store)[1] == {
        (1, 0): {"entered": 1, "active": 0},
        (2, 0): {"entered": 1, "active": 1},
    }


def test_a_lost_race_bumps_nothing(store: Any) -> None:
    # Given an enrollment another worker moved on first
    store.commit([ContactChange(contact(), 0)], T0)
    store.commit([NewEnrollment(enrollment())], T0)
    store.commit([EnrollmentChange(enrollment(step_index=1), 1)], T0)
    before = journey(store)
    # When a commit based on the stale read ends it, or moves it elsewhere with a send
    ended = enrollment(state=EnrollmentState.EXITED, exit_reason=Reason.REPLIED.value)
    with pytest.raises(CommitRejected):
        store.commit([EnrollmentChange(ended, 1)], T0)
    with pytest.raises(CommitRejected) as rejected:
        store.commit(
            [
                NewFollowUp(followup("fu_race", step_index=2)),
                EnrollmentChange(enrollment(step_index=2), 1),
                ContactChange(contact(name="Stale"), 0),
            ],
            T0,
        )
    # Then the losers are named, and no counter moved
    assert {type(change) for change in rejected.value.failed} == {EnrollmentChange, ContactChange}
    assert journey(store) == before
    assert before[0] == {"entered": 1, "active": 1}


def test_a_send_counts_on_its_step_from_sent_to_converted(store: Any) -> None:
    current = followup(step_index=1)
    store.commit([NewFollowUp(current)], T0)
    for status in (Status.SENDING, Status.SENT, Status.DELIVERED, Status.READ, Status.RESPONDED):
        changed = moved(current, status)
        store.commit([FollowUpChange(changed, current.status)], T0)
        current = changed
    store.commit([Conversion(current.model_copy(update={"converted_at": T0}))], T0)
    funnel = {"queued": 1, "sent": 1, "delivered": 1, "read": 1, "responded": 1, "converted": 1}
    rule, steps = journey(store)
    assert rule == {**funnel, "active": 0}
    assert steps == {(1, 1): funnel}


def test_a_send_that_fails_after_going_out_counts_as_an_error(store: Any) -> None:
    current = followup(step_index=0, status=Status.SENT, sent_at=T0)
    store.commit([NewFollowUp(current)], T0)
    store.commit([FollowUpChange(moved(current, Status.FAILED), Status.SENT)], T0)
    rule, steps = journey(store)
    assert steps == {(1, 0): {"sent": 1, "failed": 1, "failed_after_send": 1, "errors": 1}}
    assert rule["errors"] == 1


def test_an_enrollment_older_than_the_gauges_counts_its_end_but_moves_no_gauge(
    store: Any,
) -> None:
    # Given an enrollment stored before gauges existed, and one enrolled since
    store.commit([NewEnrollment(enrollment("en_old", gauged=False))], T0)
    store.commit([NewEnrollment(enrollment())], T0)
    # When the older one moves on and ends
    old = store.enrollment("en_old").item
    store.commit([EnrollmentChange(old.model_copy(update={"step_index": 1}), 1)], T0)
    done = {"step_index": 1, "state": EnrollmentState.COMPLETED}
    store.commit([EnrollmentChange(old.model_copy(update=done), 2)], T0)
    # Then the gauges still count only the newer one, never below zero
    rule, steps = journey(store)
    assert (rule["active"], rule["completed"]) == (1, 1)
    assert steps[(1, 0)]["active"] == 1
    assert steps[(1, 1)] == {"entered": 1, "completed": 1}
