"""Queueing a step is three writes, each alone: the contact's slot, the follow-up, the
enrollment. A tick that dies between them, a journey that ends between them, and another
planner landing between them keep every promise: one pending follow-up per contact, one
send, nothing sent for a journey that ended, no enrollment waiting for nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.contact import Contact
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.ids import followup_id
from followup.services import holds
from followup.services.planning import Outcome, advance
from followup.services.settle import end_enrollment
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, quiet_lead, rule
from tests.support.crashes import Died, Interrupted

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
SATURDAY = timedelta(days=4)  # from the engine's Tuesday start: nothing can be sent
RUDI = "6281100000971"


def lead(engine: MemoryEngine, path: str) -> Contact:
    """A lead whose first step is due: enrolled already ("due"), or enrolled by the tick
    in the commit that queues it ("enrolled")."""
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    if path == "due":
        return quiet_contact(engine.deps, RUDI, quiet)
    found = quiet_lead("c-rudi", RUDI, quiet)
    engine.deps.contacts.import_contacts([found])
    return found


def the_followup(engine: MemoryEngine, contact: Contact) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact.id)
    return followup


def the_enrollment(engine: MemoryEngine, contact: Contact) -> Enrollment:
    [enrollment] = engine.deps.followups.enrollments_of(contact.id)
    return enrollment.item


def step_id(enrollment: Enrollment) -> str:
    return followup_id(enrollment.id, enrollment.step_index, enrollment.repeat_index, 0)


@pytest.mark.parametrize("path", ["due", "enrolled"])
def test_a_tick_that_dies_after_taking_the_slot_leaves_it_to_the_next_tick(
    engine: MemoryEngine, path: str
) -> None:
    # Given a lead whose first step is due
    rudi = lead(engine, path)
    # When the enqueue tick dies right after taking the lead's slot
    crash = Interrupted(engine.deps, dies_after=1)
    with pytest.raises(Died):
        engine.scheduled("enqueue")
    crash.restore()
    # Then the slot names a follow-up not written, and nothing else moved
    slot = engine.deps.contacts.slot(rudi.id)
    assert slot is not None
    assert engine.deps.followups.followups_of(rudi.id) == []
    # When the next tick runs, Then the step goes out once, and the journey is done
    engine.clock.advance(5 * MINUTE)
    engine.tick()
    assert the_followup(engine, rudi).id == slot.item.holder
    assert the_followup(engine, rudi).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1
    assert the_enrollment(engine, rudi).state is EnrollmentState.COMPLETED


@pytest.mark.parametrize("path", ["due", "enrolled"])
def test_a_tick_that_dies_after_writing_the_follow_up_has_it_sent_once(
    engine: MemoryEngine, path: str
) -> None:
    # Given a lead whose first step is due
    rudi = lead(engine, path)
    # When the enqueue tick dies after writing the follow-up, before moving the
    # enrollment on to wait for it
    crash = Interrupted(engine.deps, dies_after=2)
    with pytest.raises(Died):
        engine.scheduled("enqueue")
    crash.restore()
    queued = the_followup(engine, rudi)
    assert queued.status is Status.QUEUED
    if path == "due":
        assert the_enrollment(engine, rudi).next_due_at is not None
    # When the next ticks run, Then it goes out once and the journey is done
    engine.ticks(3, every=5 * MINUTE)
    assert the_followup(engine, rudi).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1
    assert the_enrollment(engine, rudi).state is EnrollmentState.COMPLETED


def exit_event(engine: MemoryEngine, contact: Contact) -> None:
    """An exit event ends the lead's journey; its sweep of queued follow-ups ran before
    this tick wrote one (or its index had not caught up), so only the enrollment ends."""
    [enrollment] = engine.deps.followups.enrollments_of(contact.id)
    assert end_enrollment(engine.deps, enrollment.item.id, Reason.EXIT_EVENT, engine.clock.now())


def test_a_journey_that_ends_between_the_follow_up_and_the_enrollment_write_sends_nothing(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose first step is due
    rudi = lead(engine, "due")
    # When an exit event ends the journey just after the tick wrote the follow-up
    Interrupted(engine.deps, after=2, meanwhile=lambda: exit_event(engine, rudi))
    report = engine.scheduled("enqueue")
    # Then the tick lost the race and ended the follow-up it wrote, for the same reason
    assert report[Outcome.LOST_RACE.value] == 1
    ended = the_followup(engine, rudi)
    assert (ended.status, ended.reason) == (Status.CANCELED, Reason.EXIT_EVENT)
    # And nothing is ever sent for it
    engine.ticks(3, every=HOUR)
    assert engine.sandbox.sent() == []
    assert the_enrollment(engine, rudi).exit_reason == Reason.EXIT_EVENT


def test_a_journey_held_between_the_follow_up_and_the_enrollment_write_keeps_it(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose first step is due
    rudi = lead(engine, "due")

    def hold() -> None:
        [enrollment] = engine.deps.followups.enrollments_of(rudi.id)
        assert holds.hold(engine.deps, enrollment, engine.clock.now())

    # When a tick of a rule turned off holds the journey just after the follow-up is
    # written (the rule is on again by the next tick)
    Interrupted(engine.deps, after=2, meanwhile=hold)
    report = engine.scheduled("enqueue")
    # Then the tick lost the race but the follow-up stays queued: the journey runs on
    assert report[Outcome.LOST_RACE.value] == 1
    assert the_followup(engine, rudi).status is Status.QUEUED
    # And it goes out once, the journey done after it
    engine.ticks(3, every=5 * MINUTE)
    assert the_followup(engine, rudi).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1
    assert the_enrollment(engine, rudi).state is EnrollmentState.COMPLETED


def test_a_tick_that_dies_before_ending_the_follow_up_of_an_ended_journey_sends_nothing(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose journey an exit event ends just after the tick wrote its
    # follow-up, and a tick that dies before it can end that follow-up
    rudi = lead(engine, "due")
    crash = Interrupted(
        engine.deps, after=2, meanwhile=lambda: exit_event(engine, rudi), dies_after=3
    )
    with pytest.raises(Died):
        engine.scheduled("enqueue")
    crash.restore()
    assert the_followup(engine, rudi).status is Status.QUEUED
    # When the follow-up comes due and the sender takes it
    engine.ticks(3, every=HOUR)
    # Then it is canceled for the reason the journey ended, never sent
    ended = the_followup(engine, rudi)
    assert (ended.status, ended.reason) == (Status.CANCELED, Reason.EXIT_EVENT)
    assert engine.sandbox.sent() == []


def test_a_planner_landing_between_another_ones_slot_and_follow_up_waits_for_it(
    engine: MemoryEngine,
) -> None:
    # Given a lead enrolled in two rules whose steps are due on a Saturday (held to Monday)
    deps = engine.deps
    engine.clock.advance(SATURDAY)
    rules = {name: rule(name) for name in ("first-rule", "second-rule")}
    for each in rules.values():
        deps.rules.save_rule(each)
    rudi = quiet_contact(deps, RUDI, engine.clock.now() - 25 * HOUR)
    contact_v = deps.contacts.contact(rudi.id)
    assert contact_v is not None
    first, second = sorted(deps.followups.enrollments_of(rudi.id), key=lambda e: e.item.rule_id)
    now = engine.clock.now()
    outcomes: list[Outcome] = []

    def plan_second() -> None:
        outcomes.append(advance(deps, second, contact_v, rules["second-rule"], now)[0])

    # When the second rule is planned just after the first took the slot, before it
    # wrote its follow-up
    Interrupted(deps, after=1, meanwhile=plan_second)
    outcomes.insert(0, advance(deps, first, contact_v, rules["first-rule"], now)[0])
    # Then the first is queued and the second waits for it: one pending follow-up
    assert outcomes == [Outcome.QUEUED, Outcome.DEFERRED]
    [pending] = deps.followups.followups_of(rudi.id)
    assert (pending.id, pending.status) == (step_id(first.item), Status.QUEUED)
    deferred = deps.followups.enrollment(second.item.id)
    assert deferred is not None
    assert deferred.item.next_due_at is not None


def test_a_slot_left_by_a_dead_tick_is_free_for_another_rule_after_a_while(
    engine: MemoryEngine,
) -> None:
    # Given a tick that died right after taking a lead's slot for one rule, whose journey
    # then ended (so nobody writes that follow-up)
    deps = engine.deps
    deps.rules.save_rule(rule("first-rule"))
    rudi = quiet_contact(deps, RUDI, engine.clock.now() - 25 * HOUR)
    crash = Interrupted(deps, dies_after=1)
    with pytest.raises(Died):
        engine.scheduled("enqueue")
    crash.restore()
    exit_event(engine, rudi)
    # When another rule's step for the lead comes due, Then it goes out once the dead
    # tick's claim has lapsed
    deps.rules.save_rule(rule("second-rule"))
    engine.ticks(4, every=10 * MINUTE)
    assert [f.rule_id for f in deps.followups.followups_of(rudi.id)] == ["second-rule"]
    assert the_followup(engine, rudi).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1
