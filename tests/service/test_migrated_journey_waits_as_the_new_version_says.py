"""Saving a rule with `?migrate=true` while a journey waits for its next step (nothing
queued yet): "each continues from the same step of the new version", so the step goes
after the new version's wait, not the old one's."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from followup.domain.rule import Rule
from followup.services import rules, versions
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
RULE = "nurture"


def two_steps(second: str, wait_days: int) -> Rule:
    return rule(
        RULE,
        steps=[
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "template": {"name": "first", "language": "en"},
            },
            {
                "wait": {"amount": wait_days, "unit": "days"},
                "template": {"name": second, "language": "en"},
            },
        ],
    )


def sent(engine: MemoryEngine) -> list[tuple[str, str]]:
    return [
        (r.body["template"]["name"], r.received_at.astimezone(JAKARTA).strftime("%a %H:%M"))
        for r in engine.sandbox.sent()
        if r.body
    ]


def test_a_migrated_journey_waits_for_its_next_step_as_the_new_version_says(
    engine: MemoryEngine,
) -> None:
    # Given version 1 (a second message a day after the first) and a lead who got the
    # first message on Tuesday 09:00, its journey waiting for the second
    rules.create(engine.deps, two_steps("second_v1", 1))
    quiet_contact(engine.deps, "6281100000801", engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.clock.advance(HOUR)
    engine.tick()
    assert sent(engine) == [("first", "Tue 09:00")]
    # When marketing lengthens the wait to 3 days and moves running journeys onto it
    saved, _, _ = rules.update(engine.deps, RULE, two_steps("second_v2", 3))
    assert versions.migrate(engine.deps, saved).moved == 1
    engine.ticks(2 * 24, every=HOUR)
    # Then nothing more went in the two days after (the new wait is 3 days)...
    assert sent(engine) == [("first", "Tue 09:00")]
    engine.ticks(24, every=HOUR)
    # ...and the new second step goes 3 days after the first, Friday 09:00
    assert sent(engine) == [("first", "Tue 09:00"), ("second_v2", "Fri 09:00")]


def test_a_migrated_journey_whose_new_wait_is_shorter_gets_its_next_step_sooner(
    engine: MemoryEngine,
) -> None:
    # Given version 1 (a second message 3 days after the first) and a lead who got the
    # first message on Tuesday 09:00
    rules.create(engine.deps, two_steps("second_v1", 3))
    quiet_contact(engine.deps, "6281100000802", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert sent(engine) == [("first", "Tue 09:00")]
    # When marketing shortens the wait to 1 day and moves running journeys onto it
    saved, _, _ = rules.update(engine.deps, RULE, two_steps("second_v2", 1))
    assert versions.migrate(engine.deps, saved).moved == 1
    engine.ticks(24, every=HOUR)
    # Then the new second step goes a day after the first, Wednesday 09:00
    assert sent(engine) == [("first", "Tue 09:00"), ("second_v2", "Wed 09:00")]
