"""A dry run for a real contact weighs the contact's history in the rule as the tick does:
a journey it may not start again, a cool-down not over, or the journey it is in right
now. The journey is still played, and the run says the tick would not enroll the contact
now, with the tick's own reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.rule import Rule
from followup.services.contacts import find_contact
from followup.services.dry_run import DryRun, DryRunRequest, as_json, dry_run
from followup_local.envelopes import text_message
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
WA_ID = "6281100002001"


STILL_THERE = {"wait": {"amount": 0, "unit": "minutes"}, "text": "Still there?"}
LAST_CALL = {"wait": {"amount": 1, "unit": "days"}, "text": "Last call?"}


def nudge(*steps: dict[str, Any], **reentry: Any) -> Rule:
    """Quiet for an hour in `new`: `steps` (one free text by default), entering again as
    `reentry` says."""
    return rule(
        "nudge",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=list(steps or [STILL_THERE]),
        reentry=reentry or {"policy": "always"},
    )


def writes(engine: MemoryEngine, n: int) -> str:
    """The lead writes its `n`-th message now; its contact id."""
    now = engine.clock.now()
    engine.deliver(text_message(WA_ID, f"hello {n}", now, f"wamid.lead.{n}", "Dewi"))
    engine.sandbox.record_inbound(WA_ID, now)
    found = find_contact(engine.deps, WA_ID, None)
    assert found is not None
    return found.item.id


def went_through(engine: MemoryEngine, journey: Rule) -> str:
    """The lead wrote, went quiet and was nudged (its journey done); it answers half an
    hour later and has been quiet for two hours since: the rule's idle time has passed
    again."""
    engine.deps.rules.save_rule(journey)
    first = writes(engine, 1)
    engine.clock.advance(2 * HOUR)
    engine.tick()
    assert journeys(engine, journey, first) == 1
    assert [(m.body or {}).get("text") for m in engine.sandbox.sent()] == [{"body": "Still there?"}]
    engine.clock.advance(HOUR / 2)
    contact_id = writes(engine, 2)
    engine.clock.advance(2 * HOUR)
    return contact_id


def journeys(engine: MemoryEngine, journey: Rule, contact_id: str) -> int:
    """How many times the lead was enrolled in the rule (by its own write, which enrolls
    ahead a silence crossing before the next tick, or by a tick)."""
    found = engine.deps.followups.enrollments_of(contact_id)
    return sum(1 for enrollment in found if enrollment.item.rule_id == journey.id)


def played(engine: MemoryEngine, journey: Rule, contact_id: str) -> DryRun:
    request = DryRunRequest.model_validate({"contact_id": contact_id, "days": 1})
    return dry_run(engine.deps, journey, request)


def kinds(run: DryRun) -> list[str]:
    return [entry.kind for entry in run.entries]


def test_a_dry_run_says_a_contact_who_went_through_a_never_again_rule_is_not_enrolled(
    engine: MemoryEngine,
) -> None:
    # Given a rule a contact may go through once, which the lead already went through
    once = nudge(policy="never")
    contact_id = went_through(engine, once)
    # When the rule is played for the lead
    run = played(engine, once, contact_id)
    # Then the run says the tick would not enroll the lead now, and why
    assert run.not_enrolled == "reentry_never"
    answer = as_json(run)
    assert answer["not_enrolled"] == "reentry_never"
    # And the journey is still shown as it would play, its start marked with the reason
    assert kinds(run)[:2] == ["entered", "send"]
    assert run.entries[0].reason == "not_enrolled:reentry_never"
    # And the tick agrees: it passes the lead over for that very reason
    report = engine.tick()["enqueue"]
    assert (report["enrolled"], report["reasons"]) == (0, {"not_enrolled:reentry_never": 1})
    assert len(engine.sandbox.sent()) == 1


def test_a_dry_run_says_a_contact_inside_the_rules_cooldown_is_not_enrolled(
    engine: MemoryEngine,
) -> None:
    # Given a rule a contact may enter again only a week after its last start, which the
    # lead started two and a half hours ago
    weekly = nudge(policy="cooldown", cooldown={"amount": 7, "unit": "days"})
    contact_id = went_through(engine, weekly)
    # When the rule is played for the lead
    run = played(engine, weekly, contact_id)
    # Then the run says the tick would not enroll the lead now: its cool-down is not over
    assert run.not_enrolled == "reentry_cooldown"
    assert run.entries[0].reason == "not_enrolled:reentry_cooldown"
    # And the tick agrees
    report = engine.tick()["enqueue"]
    assert report["reasons"] == {"not_enrolled:reentry_cooldown": 1}


def test_a_dry_run_says_a_contact_in_the_journey_right_now_is_not_enrolled(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey the lead is in right now, its second message due in a day
    two_steps = nudge(STILL_THERE, LAST_CALL)
    engine.deps.rules.save_rule(two_steps)
    contact_id = writes(engine, 1)
    engine.clock.advance(2 * HOUR)
    engine.tick()
    assert journeys(engine, two_steps, contact_id) == 1
    assert len(engine.sandbox.sent()) == 1
    # When the rule is played for the lead
    run = played(engine, two_steps, contact_id)
    # Then the run says the tick would not enroll the lead: it is in the journey already
    assert run.not_enrolled == "in_journey"
    assert run.entries[0].reason == "not_enrolled:in_journey"


def test_a_dry_run_for_a_contact_new_to_the_rule_says_nothing_against_it(
    engine: MemoryEngine,
) -> None:
    # Given a rule a contact may go through once, and a lead never in it
    once = nudge(policy="never")
    engine.deps.rules.save_rule(once)
    contact_id = writes(engine, 1)
    engine.clock.advance(2 * HOUR)
    # When the rule is played for the lead
    run = played(engine, once, contact_id)
    # Then the journey plays with nothing held against the lead
    assert run.not_enrolled is None
    assert "not_enrolled" not in as_json(run)
    assert kinds(run)[:2] == ["entered", "send"]
    assert run.entries[0].reason is None
