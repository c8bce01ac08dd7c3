"""A lead who asks for a call back often writes more short lines right after it: a thank-you
or why they are busy leaves the call back in place, via the webhook on the in-memory twin."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import enrollments, follow_up_rule, intents, reply
from tests.support.builders import rule


def sent_by(engine: MemoryEngine, local: str) -> int:
    """Ticks at `local` (Jakarta) and returns how many messages have gone by then."""
    moment = datetime.fromisoformat(f"{local}+07:00")
    engine.clock.advance(moment - engine.clock.now())
    engine.tick()
    engine.tick()
    return len(engine.sandbox.sent())


def test_a_thank_you_after_asking_for_a_call_back_keeps_the_call_back(
    engine: MemoryEngine,
) -> None:
    # Given a rule that calls the lead back at the time asked (it exits on reply)
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    # When the lead, Tuesday 09:00 in Jakarta, asks for tomorrow at 10 and thanks a moment later
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.CB1")
    engine.clock.advance(timedelta(seconds=20))
    reply(engine, "thanks!", "wamid.CB2")
    # Then nothing goes before Wednesday 10:00 WIB, and the call back goes then
    assert sent_by(engine, "2026-11-25T09:59") == 0
    assert sent_by(engine, "2026-11-25T10:00") == 1
    [journey] = enrollments(engine, contact_id)
    assert journey.state == "completed"


def test_saying_why_after_asking_for_a_call_back_starts_no_busy_nudge(
    engine: MemoryEngine,
) -> None:
    # Given a call back at the time asked, and a nudge 5 minutes after "busy"
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    # When the lead, Tuesday 09:00 WIB, asks for tomorrow at 10, then says why, in two lines
    contact_id = reply(engine, "besok jam 10 aja ya kak", "wamid.CB1")
    engine.clock.advance(timedelta(seconds=10))
    reply(engine, "lagi sibuk soalnya", "wamid.CB2")
    # Then the timeline says why no nudge was scheduled
    [_, busy] = intents(engine, contact_id)
    assert busy is not None
    assert busy["intent"] == "busy"
    assert (busy["effect"], busy["effect_code"]) == (
        "a call back is still to come: nothing scheduled",
        "call_back_pending",
    )
    # And nothing goes today, and one message goes on Wednesday at 10:00
    assert sent_by(engine, "2026-11-24T09:10") == 0
    assert sent_by(engine, "2026-11-25T09:59") == 0
    assert sent_by(engine, "2026-11-25T10:00") == 1
    assert [e.rule_id for e in enrollments(engine, contact_id)] == ["call-back"]


def test_a_call_back_of_a_rule_that_follows_busy_too_stands_through_a_thank_you(
    engine: MemoryEngine,
) -> None:
    # Given one rule that follows up both a call back and a busy lead
    template = {"name": "apply_reminder", "language": "en"}
    steps = [{"wait": {"amount": 5, "unit": "minutes"}, "text": "Hi again!", "template": template}]
    trigger = {"kind": "intent", "intents": ["busy", "call_back_at"]}
    engine.deps.rules.save_rule(rule("follow-up", trigger=trigger, steps=steps))
    # When the lead, Tuesday 09:00 WIB, asks for tomorrow at 10, then says "ok makasih"
    contact_id = reply(engine, "besok jam 10 aja ya kak", "wamid.CB1")
    engine.clock.advance(timedelta(seconds=30))
    reply(engine, "ok makasih kak", "wamid.CB2")
    # Then the call back still goes on Wednesday at 10:00 WIB, and nothing before
    assert sent_by(engine, "2026-11-25T09:59") == 0
    assert sent_by(engine, "2026-11-25T10:00") == 1
    [journey] = enrollments(engine, contact_id)
    assert journey.state == "completed"


def test_a_thank_you_once_the_call_back_is_queued_keeps_the_call_back(
    engine: MemoryEngine,
) -> None:
    # Given a call back the lead asked for Wednesday at 10:00 WIB, queued by the tick at 09:00
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.CB1")
    assert sent_by(engine, "2026-11-25T09:00") == 0
    [queued] = engine.deps.followups.followups_of(contact_id)
    assert queued.status == "queued"
    # When the lead writes "ok, thanks" at 09:30, before it goes
    engine.clock.advance(timedelta(minutes=30))
    reply(engine, "ok, thanks", "wamid.CB2")
    # Then the call back still goes at 10:00, and nothing before
    assert sent_by(engine, "2026-11-25T09:59") == 0
    assert sent_by(engine, "2026-11-25T10:00") == 1
    [journey] = enrollments(engine, contact_id)
    assert journey.state == "completed"


def test_not_interested_once_the_call_back_is_queued_ends_it(engine: MemoryEngine) -> None:
    # Given a call back the lead asked for Wednesday at 10:00 WIB, queued by the tick at 09:00
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.CB1")
    assert sent_by(engine, "2026-11-25T09:00") == 0
    # When the lead writes at 09:30 that they are not interested after all
    engine.clock.advance(timedelta(minutes=30))
    reply(engine, "makasih, gak tertarik", "wamid.CB2")
    # Then nothing goes, and the journey says why it ended
    assert sent_by(engine, "2026-11-25T10:30") == 0
    [journey] = enrollments(engine, contact_id)
    assert (journey.state, journey.exit_reason) == ("exited", "not_interested")


def test_a_new_time_once_the_call_back_is_queued_replaces_it(engine: MemoryEngine) -> None:
    # Given a call back the lead asked for Wednesday at 10:00 WIB, queued by the tick at 09:00
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.CB1")
    assert sent_by(engine, "2026-11-25T09:00") == 0
    # When the lead asks at 09:30 for 14:00 instead
    engine.clock.advance(timedelta(minutes=30))
    reply(engine, "call me at 2pm", "wamid.CB2")
    # Then nothing goes at 10:00, and one message goes at 14:00
    assert sent_by(engine, "2026-11-25T13:59") == 0
    assert sent_by(engine, "2026-11-25T14:00") == 1
    states = sorted((e.state, e.exit_reason) for e in enrollments(engine, contact_id))
    assert states == [("completed", "sequence_done"), ("exited", "replied")]


def test_a_new_time_replaces_the_call_back_of_a_rule_that_branches_on_replies(
    engine: MemoryEngine,
) -> None:
    # Given a call-back rule that branches on replies, so a reply does not end it
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": "Calling as asked",
            "template": template,
        },
        {"kind": "branch", "if": {"replied": True}, "then": 2},
        {"wait": {"amount": 1, "unit": "hours"}, "text": "Did we reach you?", "template": template},
    ]
    trigger = {"kind": "intent", "intents": ["call_back_at"]}
    on_reply = {"on_reply": False, "stages": []}
    engine.deps.rules.save_rule(rule("call-back", trigger=trigger, steps=steps, exit=on_reply))
    # When the lead asks for tomorrow at 10, then a minute later for 14:00 instead
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.CB1")
    engine.clock.advance(timedelta(minutes=1))
    reply(engine, "actually call me tomorrow at 2pm", "wamid.CB2")
    # Then the first call back was replaced: nothing goes at 10:00, the call back at 14:00
    assert sent_by(engine, "2026-11-25T13:59") == 0
    assert sent_by(engine, "2026-11-25T14:00") == 1
    states = [(e.state, e.exit_reason) for e in enrollments(engine, contact_id)]
    assert ("exited", "replied") in states
