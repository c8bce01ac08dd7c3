"""A dry run for a lead its own message already enrolled ahead of time in an idle rule: the
journey of that silence is the tick's own, so the run says nothing against a journey that
has sent nothing yet, and says that a silence already played will not play again."""

from __future__ import annotations

from datetime import timedelta

from followup.services.dry_run import as_json
from followup_local.memory_engine import MemoryEngine
from tests.service.test_dry_run_history import kinds, nudge, played, writes

MINUTE = timedelta(minutes=1)


def sent(engine: MemoryEngine) -> list[object]:
    return [(m.body or {}).get("text") for m in engine.sandbox.sent()]


def test_a_dry_run_for_a_lead_about_to_get_the_first_message_says_nothing_against_it(
    engine: MemoryEngine,
) -> None:
    # Given an hour-idle rule, and a lead who wrote 20 minutes ago (its write enrolled it
    # ahead of time: the silence crosses the idle time before the next tick's horizon)
    rule = nudge()
    engine.deps.rules.save_rule(rule)
    engine.tick()
    contact_id = writes(engine, 1)
    engine.clock.advance(20 * MINUTE)
    engine.tick()
    # When the rule is played for the lead
    run = played(engine, rule, contact_id)
    # Then the run shows the first message with nothing held against the lead
    assert run.not_enrolled is None
    assert "not_enrolled" not in as_json(run)
    assert kinds(run)[:2] == ["entered", "send"]
    assert run.entries[0].reason is None
    # And the tick does send it, 40 minutes later
    engine.clock.advance(45 * MINUTE)
    engine.tick()
    engine.drain()
    assert sent(engine) == [{"body": "Still there?"}]


def test_a_dry_run_for_a_silence_already_played_says_the_tick_will_not_play_it_again(
    engine: MemoryEngine,
) -> None:
    # Given a lead who went quiet, got the rule's message (its journey done) and has not
    # written since
    rule = nudge()
    engine.deps.rules.save_rule(rule)
    engine.tick()
    contact_id = writes(engine, 1)
    for _ in range(12):
        engine.clock.advance(10 * MINUTE)
        engine.tick()
        engine.drain()
    assert sent(engine) == [{"body": "Still there?"}]
    # When the rule is played for the lead
    run = played(engine, rule, contact_id)
    # Then the run says the tick would not enroll the lead: this silence was played already
    assert run.not_enrolled == "silence_played"
    assert as_json(run)["not_enrolled"] == "silence_played"
    assert run.entries[0].reason == "not_enrolled:silence_played"
    # And the tick indeed sends nothing more for this silence
    for _ in range(6):
        engine.clock.advance(10 * MINUTE)
        engine.tick()
        engine.drain()
    assert sent(engine) == [{"body": "Still there?"}]
