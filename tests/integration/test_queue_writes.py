"""Queueing a step on DynamoDB (moto): three plain conditional writes, no transaction, and
the handlers keep every promise when the tick dies or a journey ends between them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.adapters.tables import ContactItem, EnrollmentItem, FollowUpItem
from followup.domain.contact import Contact
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import FollowUp, Reason, Status
from followup.services.settle import end_enrollment
from followup_local.engine import LocalEngine
from followup_local.metering import counting
from tests.support.builders import quiet_contact, quiet_lead, rule
from tests.support.crashes import Died, Interrupted

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
RUDI = "6281100000972"
TABLES = {model.Meta.table_name for model in (ContactItem, EnrollmentItem, FollowUpItem)}


def due_lead(engine: LocalEngine) -> Contact:
    engine.deps.rules.save_rule(rule())
    return quiet_contact(engine.deps, RUDI, engine.clock.now() - 25 * HOUR)


def the_followup(engine: LocalEngine, contact: Contact) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact.id)
    return followup


def exit_event(engine: LocalEngine, contact: Contact) -> None:
    """An exit event ends the lead's journey, its sweep having missed the follow-up."""
    [enrollment] = engine.deps.followups.enrollments_of(contact.id)
    assert end_enrollment(engine.deps, enrollment.item.id, Reason.EXIT_EVENT, engine.clock.now())


def test_a_queued_step_is_three_plain_conditional_writes_and_no_transaction(
    engine: LocalEngine,
) -> None:
    # Given a lead whose silence crossed a rule's idle time, first step due now
    engine.pump_each_step = False  # the stats function's counters come later
    engine.deps.rules.save_rule(rule())
    lead = quiet_lead("c-rudi", RUDI, engine.clock.now() - 25 * HOUR)
    engine.deps.contacts.import_contacts([lead])
    # When the enqueue tick enrolls it and queues its step
    with counting() as counts:
        assert engine.scheduled("enqueue")["queued"] == 1
    # Then the slot, the follow-up and the enrollment are each put alone
    assert not [key for key in counts.requests if key[0] == "TransactWriteItems"]
    queued = {key: n for key, n in counts.requests.items() if key[1] in TABLES}
    assert queued == {("PutItem", table): 1 for table in TABLES}
    assert the_followup(engine, lead).status is Status.QUEUED
    [enrolled] = engine.deps.followups.enrollments_of(lead.id)
    assert (enrolled.revision, enrolled.item.next_due_at) == (1, None)


@pytest.mark.parametrize("writes", [1, 2])
def test_a_tick_that_dies_between_the_writes_has_the_step_sent_once_by_the_next(
    engine: LocalEngine, writes: int
) -> None:
    # Given a lead whose first step is due, and an enqueue tick that dies after taking
    # the slot (1) or after writing the follow-up too (2)
    rudi = due_lead(engine)
    crash = Interrupted(engine.deps, dies_after=writes)
    with pytest.raises(Died):
        engine.scheduled("enqueue")
    crash.restore()
    assert len(engine.deps.followups.followups_of(rudi.id)) == writes - 1
    # When the next ticks run, Then the step goes out once and the journey is done
    engine.ticks(3, every=5 * MINUTE)
    assert the_followup(engine, rudi).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1
    [enrollment] = engine.deps.followups.enrollments_of(rudi.id)
    assert enrollment.item.state is EnrollmentState.COMPLETED


@pytest.mark.parametrize("dies", [False, True])
def test_a_journey_ending_between_the_follow_up_and_the_enrollment_write_sends_nothing(
    engine: LocalEngine, dies: bool
) -> None:
    # Given a lead whose journey an exit event ends just after the tick wrote its
    # follow-up; the tick then ends the follow-up, or dies before it can
    rudi = due_lead(engine)
    crash = Interrupted(
        engine.deps,
        after=2,
        meanwhile=lambda: exit_event(engine, rudi),
        dies_after=3 if dies else None,
    )
    if dies:
        with pytest.raises(Died):
            engine.scheduled("enqueue")
    else:
        engine.scheduled("enqueue")
    crash.restore()
    # When the ticks and the sender run on
    engine.ticks(3, every=HOUR)
    # Then the follow-up ended unsent, for the reason the journey ended
    ended = the_followup(engine, rudi)
    assert (ended.status, ended.reason) == (Status.CANCELED, Reason.EXIT_EVENT)
    assert engine.sandbox.sent() == []
