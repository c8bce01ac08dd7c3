"""The create_task action on the in-memory store: a task for a counsellor, linked to the
contact, due from now, created once however often the step runs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from followup.domain.task import Priority, TaskStatus
from followup.services.ports import Change, CommitRejected, EnrollmentChange, TaskQuery
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import journey, quiet_contact

HOUR = timedelta(hours=1)
CALL_BACK = {
    "kind": "action",
    "do": "create_task",
    "title": "Call about the unpaid registration",
    "assignee": "sari@example.com",
    "due": {"amount": 2, "unit": "hours"},
    "priority": "urgent",
}


def test_a_task_is_created_for_the_counsellor_and_the_journey_goes_on(
    engine: MemoryEngine,
) -> None:
    # Given a journey that creates an urgent task, then sends a template
    reminder = {
        "wait": {"amount": 0, "unit": "minutes"},
        "template": {"name": "pay", "language": "en"},
    }
    engine.deps.rules.save_rule(journey(CALL_BACK, reminder))
    now = engine.clock.now()
    lead = quiet_contact(engine.deps, "6281100000901", now - 25 * HOUR)
    # When the tick enrolls the lead
    engine.tick()
    # Then Sari has one open urgent task about this lead, due in two hours
    [task] = engine.deps.tasks.tasks(TaskQuery("sari@example.com", TaskStatus.OPEN), 10, None).items
    assert (task.title, task.contact_id, task.rule_id, task.step) == (
        "Call about the unpaid registration",
        lead.id,
        "unpaid",
        0,
    )
    assert (task.priority, task.due_at, task.created_at) == (Priority.URGENT, now + 2 * HOUR, now)
    assert engine.deps.tasks.tasks_of(lead.id) == [task]
    # And the journey went on to its send step
    engine.drain()
    assert [(sent.body or {})["template"]["name"] for sent in engine.sandbox.sent()] == ["pay"]


def test_a_task_step_repeated_after_a_lost_race_creates_one_task(engine: MemoryEngine) -> None:
    # Given a journey of two task steps, and an enrollment whose first move loses a race
    second = {**CALL_BACK, "title": "Send the brochure", "priority": "normal"}
    engine.deps.rules.save_rule(journey(CALL_BACK, second))
    lead = quiet_contact(engine.deps, "6281100000902", engine.clock.now() - 25 * HOUR)
    real = engine.deps.transactions
    lost: list[list[EnrollmentChange]] = []

    class LosesTheFirstMove:
        def commit(self, changes: Sequence[Change], at: datetime) -> None:
            moving = [c for c in changes if isinstance(c, EnrollmentChange)]
            if moving and not lost:
                lost.append(moving)
                raise CommitRejected(moving)
            real.commit(changes, at)

    engine.deps.transactions = LosesTheFirstMove()
    # When the tick runs the first step (its move lost) and the next tick repeats it
    engine.tick()
    engine.clock.advance(HOUR)
    engine.tick()
    engine.deps.transactions = real
    # Then the lead has one task per step, not two for the repeated one
    assert lost
    titles = sorted(task.title for task in engine.deps.tasks.tasks_of(lead.id))
    assert titles == ["Call about the unpaid registration", "Send the brochure"]
