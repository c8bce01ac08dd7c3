"""A lead asking twice for a call back within one second: WhatsApp stamps both messages to
the same whole second, each with its own id, and the newer time is the one kept."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import rule

LEAD = "6281100000931"
WITHIN_THE_SECOND = timedelta(milliseconds=300)


def call_back_rule(engine: MemoryEngine) -> None:
    """A rule that calls the lead back at the time they ask for (it exits on reply)."""
    template = {"name": "apply_reminder", "language": "en"}
    steps = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Halo!", "template": template}]
    trigger = {"kind": "intent", "intents": ["call_back_at"]}
    engine.deps.rules.save_rule(rule("call-back", trigger=trigger, steps=steps))


def writes(engine: MemoryEngine, text: str, stamped: datetime, message_id: str) -> None:
    """WhatsApp delivers the lead's `text`, stamped `stamped` to the whole second."""
    engine.sandbox.record_inbound(LEAD, engine.clock.now())
    document = envelopes.text_message(LEAD, text, stamped, message_id, name="Dewi")
    assert engine.deliver(document) == 200


def lead_id(engine: MemoryEngine) -> str:
    found = engine.deps.contacts.contact_by_wa_id(LEAD)
    assert found is not None
    return found.item.id


def effects(engine: MemoryEngine) -> list[str]:
    """What the timeline says was done about each of the lead's messages, oldest first."""
    lines = reversed(engine.deps.contacts.recent_messages(lead_id(engine), 50))
    return [m.intent.effect for m in lines if m.intent is not None]


def journeys(engine: MemoryEngine) -> list[tuple[str, str | None]]:
    """The lead's call-back journeys: state and why each ended, oldest first."""
    found = [e.item for e in engine.deps.followups.enrollments_of(lead_id(engine))]
    return [(e.state.value, e.exit_reason) for e in sorted(found, key=lambda e: e.enrolled_at)]


def sent_at(engine: MemoryEngine, hours: list[int]) -> list[tuple[int, int]]:
    """Ticks on the hours (Jakarta, Wednesday) given; how many messages had gone by each."""
    counts = []
    for hour in hours:
        wednesday = datetime.fromisoformat(f"2026-11-25T{hour:02d}:00:00+07:00")
        engine.clock.advance(wednesday - engine.clock.now())
        engine.tick()
        counts.append((hour, len(engine.sandbox.sent())))
    return counts


def test_a_second_call_back_in_the_same_second_is_scheduled_at_its_own_time(
    engine: MemoryEngine,
) -> None:
    # Given a call-back rule, and a lead who writes on Tuesday 09:00 in Jakarta
    call_back_rule(engine)
    stamped = engine.clock.now()
    # When they ask for tomorrow at 10, then, within the same second, for 3 instead
    writes(engine, "besok jam 10 ya", stamped, "wamid.CB1")
    engine.clock.advance(WITHIN_THE_SECOND)
    writes(engine, "eh besok jam 3 aja", stamped, "wamid.CB2")
    # Then the timeline promises the call back at 15:00, and it goes then, not at 10:00
    assert effects(engine) == [
        "follow-up call-back at 2026-11-25 10:00 Asia/Jakarta",
        "follow-up call-back at 2026-11-25 15:00 Asia/Jakarta",
    ]
    assert journeys(engine) == [("exited", "replied"), ("active", None)]
    assert sent_at(engine, [10, 11, 15]) == [(10, 0), (11, 0), (15, 1)]


def test_a_call_back_delivered_again_is_still_one_call_back(engine: MemoryEngine) -> None:
    # Given a call-back rule, and a lead who asks on Tuesday 09:00 to be called at 10
    call_back_rule(engine)
    stamped = engine.clock.now()
    writes(engine, "besok jam 10 ya", stamped, "wamid.CB1")
    # When WhatsApp delivers the same message again, a moment and then an hour later
    engine.clock.advance(WITHIN_THE_SECOND)
    writes(engine, "besok jam 10 ya", stamped, "wamid.CB1")
    engine.clock.advance(timedelta(hours=1))
    writes(engine, "besok jam 10 ya", stamped, "wamid.CB1")
    # Then there is one call back, and one message goes at 10:00
    assert journeys(engine) == [("active", None)]
    assert sent_at(engine, [10, 15]) == [(10, 1), (15, 1)]


def test_the_first_call_back_delivered_again_leaves_the_newer_time_in_place(
    engine: MemoryEngine,
) -> None:
    # Given a lead who asked for 10, then within the same second for 3
    call_back_rule(engine)
    stamped = engine.clock.now()
    writes(engine, "besok jam 10 ya", stamped, "wamid.CB1")
    engine.clock.advance(WITHIN_THE_SECOND)
    writes(engine, "eh besok jam 3 aja", stamped, "wamid.CB2")
    # When WhatsApp delivers the first message again a minute later
    engine.clock.advance(timedelta(minutes=1))
    writes(engine, "besok jam 10 ya", stamped, "wamid.CB1")
    # Then the call back still goes at 15:00 alone
    assert journeys(engine) == [("exited", "replied"), ("active", None)]
    assert sent_at(engine, [10, 15]) == [(10, 0), (15, 1)]
