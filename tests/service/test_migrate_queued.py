"""A journey moved to a rule's new version while its step waits queued: "a follow-up
already queued goes as written; the steps after it come from the new version"."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup.domain.rule import Rule
from followup.services import rules, versions
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
RULE = "apply-remind-24h"


def two_steps(second_template: str, wait_days: int) -> Rule:
    body = rule(RULE).model_dump(mode="json")
    later = {**body["steps"][0], "wait": {"amount": wait_days, "unit": "days"}}
    later["template"] = {**later["template"], "name": second_template}
    body["steps"].append(later)
    return Rule.model_validate(body)


def templates_sent(engine: MemoryEngine) -> list[str]:
    return [
        r.body["template"]["name"] for r in engine.sandbox.sent() if r.body and "template" in r.body
    ]


def migrated_while_queued(engine: MemoryEngine, wa_id: str, new_version: Rule) -> str:
    """Version 1 (a second step a day after the first) with a lead's first step queued at
    19:00 for the morning; marketing saves `new_version` and moves the journeys to it,
    then the first step goes on Wednesday 08:00. The lead's contact id."""
    rules.create(engine.deps, two_steps("second_v1", 1))
    engine.clock.advance(10 * HOUR)
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    saved, _, _ = rules.update(engine.deps, RULE, new_version)
    assert versions.migrate(engine.deps, saved).moved == 1
    engine.clock.advance(14 * HOUR)
    engine.tick()
    assert templates_sent(engine) == ["apply_reminder"]
    return lead.id


def test_the_step_after_the_queued_one_waits_as_the_new_version_says(
    engine: MemoryEngine,
) -> None:
    migrated_while_queued(engine, "6281100000802", two_steps("second_v2", 3))
    engine.ticks(2, every=DAY)
    assert templates_sent(engine) == ["apply_reminder"]
    engine.ticks(3, every=DAY)  # due Saturday, a blackout day: it goes on Monday 08:00
    assert templates_sent(engine) == ["apply_reminder", "second_v2"]


def test_a_journey_moved_to_a_shorter_version_ends_after_its_last_step(
    engine: MemoryEngine,
) -> None:
    contact_id = migrated_while_queued(engine, "6281100000803", rule(RULE))
    failures = []
    for _ in range(3):
        engine.clock.advance(DAY)
        failures.append(engine.tick()["enqueue"].get("failed_rules"))
    [enrollment] = engine.deps.followups.enrollments_of(contact_id)
    assert (enrollment.item.state.value, enrollment.item.exit_reason) == (
        "completed",
        "sequence_done",
    )
    assert not any(failures)
    assert templates_sent(engine) == ["apply_reminder"]


def steps_named(*named: tuple[str, int]) -> Rule:
    """The rule with a step per (template, days to wait) in `named`."""
    body = rule(RULE).model_dump(mode="json")
    first = body["steps"][0]
    body["steps"] = [
        {
            **first,
            "wait": {"amount": days, "unit": "days"},
            "template": {**first["template"], "name": name},
        }
        for name, days in named
    ]
    return Rule.model_validate(body)


def first_of_two_sent(engine: MemoryEngine) -> None:
    """A two-step rule ("first", "second" a day later) whose first step a lead got, its
    send counted on the journey."""
    rules.create(engine.deps, steps_named(("first", 0), ("second", 1)))
    quiet_contact(engine.deps, "6281100007201", engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.pump_stream()
    assert templates_sent(engine) == ["first"]


def three_days_on(engine: MemoryEngine) -> None:
    for _ in range(3 * 24):
        engine.clock.advance(HOUR)
        engine.tick()


def test_a_journey_whose_sent_steps_the_new_version_moved_stays_on_its_own(
    engine: MemoryEngine,
) -> None:
    # Given a lead who got the first of two steps and waits for the second
    first_of_two_sent(engine)
    # When marketing adds a welcome in front and moves the running journeys
    welcomed = steps_named(("welcome", 0), ("first", 1), ("second", 1))
    saved, _, _ = rules.update(engine.deps, RULE, welcomed)
    migration = versions.migrate(engine.deps, saved)
    # Then the journey stays on its version, said kept, and goes on to its second step:
    # moved, it would stand on "first" again
    assert (migration.moved, len(migration.kept)) == (0, 1)
    three_days_on(engine)
    assert templates_sent(engine) == ["first", "second"]


def test_a_journey_moved_where_only_its_next_step_changed_takes_the_new_one(
    engine: MemoryEngine,
) -> None:
    # Given the same lead, and a version that only changes the step still to come
    first_of_two_sent(engine)
    saved, _, _ = rules.update(engine.deps, RULE, steps_named(("first", 0), ("second_v2", 1)))
    # When the journeys move, the journey moves and sends the new second step
    assert versions.migrate(engine.deps, saved).moved == 1
    three_days_on(engine)
    assert templates_sent(engine) == ["first", "second_v2"]


def test_a_journey_moved_onto_a_lower_max_sends_it_has_reached_ends(engine: MemoryEngine) -> None:
    # Given a lead who got the first of two steps
    first_of_two_sent(engine)
    # When marketing caps the journey at one message and moves the running journeys
    capped = steps_named(("first", 0), ("second", 1)).model_copy(update={"max_sends": 1})
    saved, _, _ = rules.update(engine.deps, RULE, capped)
    assert versions.migrate(engine.deps, saved).moved == 1
    three_days_on(engine)
    # Then the journey ends there, having sent what the new version allows
    assert templates_sent(engine) == ["first"]
