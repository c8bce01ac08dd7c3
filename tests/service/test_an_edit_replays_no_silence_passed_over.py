"""A silence the re-entry policy passed over stays passed over: saving a rule again reads
back over its lookback, and a silence the cool-down, or the lead's journey then running,
kept out days ago starts no journey when marketing merely edits the rule's text."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.rule import Rule
from followup.services import rules
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WA = "6281100000981"


def templates(engine: MemoryEngine) -> list[str]:
    """The templates sent, in order."""
    return [(r.body or {})["template"]["name"] for r in engine.sandbox.sent()]


def body(text: str) -> dict[str, Any]:
    return {
        "id": "nudge",
        "name": "Nudge",
        "trigger": {"stages": ["new"], "idle": {"amount": 3, "unit": "hours"}},
        "steps": [
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "text": text,
                "template": {"name": "nudge", "language": "en"},
            }
        ],
        "reentry": {"policy": "cooldown", "cooldown": {"amount": 3, "unit": "days"}},
        "send_anytime": True,
    }


def test_an_edit_does_not_enroll_a_silence_the_cooldown_passed_over(
    engine: MemoryEngine,
) -> None:
    # Given a rule with a 3-day cool-down, its first silence enrolled and sent
    rules.create(engine.deps, Rule.model_validate(body("Still there?")))
    quiet_contact(engine.deps, WA, engine.clock.now() - 4 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    # And the lead writing a day later, then quiet again: the cool-down passes that over
    engine.ticks(24, every=HOUR)
    now = engine.clock.now()
    engine.sandbox.record_inbound(WA, now)
    assert engine.deliver(envelopes.text_message(WA, "hmm", now, "wamid.R1")) == 200
    reasons: dict[str, int] = {}
    for _ in range(5):
        engine.clock.advance(HOUR)
        reasons |= engine.tick()["enqueue"]["reasons"]
    assert reasons == {"not_enrolled:reentry_cooldown": 1}
    assert len(engine.sandbox.sent()) == 1
    # When three days on (the lead still quiet) marketing fixes a typo in the rule's text
    engine.ticks(24 * 3, every=HOUR)
    assert len(engine.sandbox.sent()) == 1
    rules.update(engine.deps, "nudge", Rule.model_validate(body("Still there? :)")), confirmed=True)
    engine.ticks(3, every=HOUR)
    # Then the silence passed over four days ago is still passed over: nothing more goes
    assert len(engine.sandbox.sent()) == 1


def test_an_edit_does_not_enroll_a_silence_passed_over_while_the_journey_ran(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey a reply does not end (re-entry: always, the default)
    doc: dict[str, Any] = {
        "id": "pay",
        "name": "Pay",
        "trigger": {"stages": ["new"], "idle": {"amount": 3, "unit": "hours"}},
        "steps": [
            {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
            {"wait": {"amount": 2, "unit": "days"}, "template": {"name": "b", "language": "en"}},
        ],
        "exit": {"on_reply": False},
        "send_anytime": True,
    }
    rules.create(engine.deps, Rule.model_validate(doc))
    quiet_contact(engine.deps, WA, engine.clock.now() - 4 * HOUR)
    engine.tick()
    # And the lead answering step a: their new silence crosses while the journey runs
    engine.clock.advance(HOUR)
    now = engine.clock.now()
    engine.sandbox.record_inbound(WA, now)
    assert engine.deliver(envelopes.text_message(WA, "ok", now, "wamid.R2")) == 200
    reasons: dict[str, int] = {}
    for _ in range(5):
        engine.clock.advance(HOUR)
        reasons |= engine.tick()["enqueue"]["reasons"]
    assert reasons == {"not_enrolled:in_journey": 1}
    engine.ticks(24 * 3, every=HOUR)  # step b goes: the journey completes
    assert templates(engine) == ["a", "b"]
    # When marketing edits the rule (a new template language, say)
    doc["steps"][1]["template"] = {"name": "b", "language": "en_US"}
    rules.update(engine.deps, "pay", Rule.model_validate(doc), confirmed=True)
    engine.ticks(3, every=HOUR)
    # Then the silence passed over three days ago starts no journey
    assert templates(engine) == ["a", "b"]
