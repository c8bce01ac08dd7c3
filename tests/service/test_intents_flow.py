"""Replies understood: each inbound text's intent is recorded and acted on, via the webhook."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.enrollment import Enrollment
from followup.domain.settings import WorkspaceSettings
from followup.services import rules
from followup.services.do_not_contact import allow_contacting
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

LEAD = "6281100000901"


def reply(engine: LocalEngine | MemoryEngine, text: str, message_id: str = "wamid.INTENT1") -> str:
    """The lead writes `text` now (WhatsApp opens its 24-hour window); returns their id."""
    engine.sandbox.record_inbound(LEAD, engine.clock.now())
    document = envelopes.text_message(LEAD, text, engine.clock.now(), message_id, name="Dewi")
    assert engine.deliver(document) == 200
    return str(lead(engine)["id"])


def lead(engine: LocalEngine | MemoryEngine) -> dict[str, Any]:
    """The lead, as the contacts API shows them."""
    found = engine.deps.contacts.contact_by_wa_id(LEAD)
    assert found is not None
    return found.item.model_dump(mode="json")


def intents(engine: LocalEngine | MemoryEngine, contact_id: str) -> list[dict[str, Any] | None]:
    """The intent recorded with each inbound message, oldest first (as the timeline shows)."""
    messages = engine.deps.contacts.recent_messages(contact_id, 50)
    shown = [m.model_dump(mode="json") for m in reversed(messages)]
    return [m["intent"] for m in shown if m["direction"] == "inbound"]


def enrollments(engine: MemoryEngine, contact_id: str) -> list[Enrollment]:
    return [found.item for found in engine.deps.followups.enrollments_of(contact_id)]


def nurtured(engine: MemoryEngine) -> None:
    """The lead got the first of two follow-ups of a rule that a plain reply does not end."""
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": template},
        {"wait": {"amount": 1, "unit": "hours"}, "template": template},
    ]
    engine.deps.rules.save_rule(
        rule("nurture", steps=steps, exit={"on_reply": False, "stages": []})
    )
    quiet_contact(engine.deps, LEAD, engine.clock.now() - timedelta(hours=25), name="Dewi")
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    engine.clock.advance(timedelta(minutes=10))


def follow_up_rule(engine: MemoryEngine, rule_id: str, intent: str, *waits: int) -> None:
    """A rule that follows `intent` up, with steps waiting `waits` minutes each."""
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"wait": {"amount": wait, "unit": "minutes"}, "text": "Hi again!", "template": template}
        for wait in waits
    ]
    trigger = {"kind": "intent", "intents": [intent]}
    engine.deps.rules.save_rule(rule(rule_id, trigger=trigger, steps=steps))


def save_settings(engine: MemoryEngine, settings: dict[str, Any]) -> None:
    """What an admin's PUT /api/settings does."""
    checked = WorkspaceSettings.model_validate(settings)
    rules.check_settings(engine.deps, checked)
    engine.deps.rules.save_settings(checked)
    engine.deps.catalog.invalidate()


def set_intents(engine: MemoryEngine, **changes: object) -> None:
    settings = engine.deps.rules.settings().model_dump(mode="json")
    settings["intents"] |= changes
    save_settings(engine, settings)


def test_a_reply_is_recorded_with_its_intent_and_time_in_the_timeline(
    engine: MemoryEngine,
) -> None:
    contact_id = reply(engine, "call me tomorrow at 10")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert (intent["intent"], intent["confidence"], intent["source"]) == (
        "call_back_at",
        0.85,
        "rules",
    )
    # Tuesday 09:00 in Jakarta: tomorrow at 10 is Wednesday 10:00 WIB, 03:00 UTC.
    assert intent["local"] == "2026-11-25T10:00"
    assert intent["at"] == "2026-11-25T03:00:00Z"
    assert intent["effect"] == "no active rule follows up call_back_at"
    assert intent["effect_code"] == "no_rule"


def test_an_intent_below_the_confidence_threshold_is_only_recorded(engine: MemoryEngine) -> None:
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    set_intents(engine, min_confidence=0.95)
    contact_id = reply(engine, "lagi sibuk")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["intent"] == "busy"
    assert intent["effect"] == "recorded only: confidence 0.80 is below 0.95"
    assert intent["effect_code"] == "low_confidence"
    engine.clock.advance(timedelta(minutes=10))
    engine.tick()
    assert enrollments(engine, contact_id) == []
    assert engine.sandbox.sent() == []


def test_an_opt_out_text_is_an_opt_out_never_an_intent(engine: MemoryEngine) -> None:
    contact_id = reply(engine, "BERHENTI")
    assert intents(engine, contact_id) == [None]
    contact = lead(engine)
    assert contact["opted_out"] is True


def test_with_intents_turned_off_nothing_is_read(engine: MemoryEngine) -> None:
    set_intents(engine, enabled=False)
    contact_id = reply(engine, "sudah bayar")
    engine.clock.advance(timedelta(minutes=1))
    assert intents(engine, contact_id) == [None]


def test_not_interested_ends_every_follow_up_and_nothing_more_is_sent(
    engine: MemoryEngine,
) -> None:
    nurtured(engine)
    contact_id = reply(engine, "makasih, gak tertarik")
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    [enrollment] = enrollments(engine, contact_id)
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "not_interested")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["effect"] == "ended the follow-ups: not interested"
    assert intent["effect_code"] == "ended_not_interested"
    contact = lead(engine)
    assert contact["marketing_suppressed"] is False


@pytest.mark.parametrize(
    "text",
    [
        "maaf kak, salah sambung",
        "sorry, wrong number",
        "Sorry I think you have the wrong number, I don't know any Budi and never signed up "
        "for a course",
    ],
)
def test_a_wrong_number_ends_every_follow_up_and_stops_all_messages_to_it(
    engine: MemoryEngine, text: str
) -> None:
    # Given a lead who got the first of two follow-ups of a rule a plain reply does not end
    nurtured(engine)
    # When whoever has the number writes that it is the wrong one
    contact_id = reply(engine, text)
    # Then nothing more goes, in this journey or any later one, and the admin app says why
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    engine.clock.advance(timedelta(days=3))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    [enrollment] = enrollments(engine, contact_id)
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "wrong_number")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["effect"] == "ended the follow-ups: wrong number; all messages stopped"
    assert intent["effect_code"] == "ended_wrong_number"
    contact = lead(engine)
    assert (contact["opted_out"], contact["opted_out_by"]) == (True, "wrong_number")


def test_a_wrong_number_stop_an_admin_may_lift_once_the_number_is_right(
    engine: MemoryEngine,
) -> None:
    # Given a number stopped because whoever has it said it is the wrong one
    contact_id = reply(engine, "número errado")
    assert lead(engine)["opted_out"] is True
    # When an admin allows it again (the CRM now has the lead's right number here)
    allow_contacting(engine.deps, contact_id, engine.clock.now())
    # Then it may be messaged again: no one's own STOP stood in the way
    assert lead(engine)["opted_out"] is False


def test_not_interested_can_also_stop_marketing(engine: MemoryEngine) -> None:
    set_intents(engine, not_interested_suppresses_marketing=True)
    contact_id = reply(engine, "no thanks")
    contact = lead(engine)
    assert contact["marketing_suppressed"] is True
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["effect"] == "ended the follow-ups: not interested; marketing suppressed"
    assert intent["effect_code"] == "ended_not_interested_suppressed"


@pytest.mark.parametrize(
    "text",
    # The last three answer "no" and that they paid already, with no comma between.
    ["sudah bayar ya kak", "não já paguei", "gak udah bayar kak", "nggak sudah transfer"],
)
def test_done_ends_the_follow_ups_and_suggests_a_stage_staff_confirm(
    engine: MemoryEngine, text: str
) -> None:
    nurtured(engine)
    contact_id = reply(engine, text)
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    [enrollment] = enrollments(engine, contact_id)
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "done")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert (intent["intent"], intent["suggested_stage"]) == ("done", "paid")
    assert intent["effect"] == "ended the follow-ups; suggested stage: paid (confirm)"
    assert intent["effect_code"] == "ended_done_suggested_stage"
    contact = lead(engine)
    assert contact["stage"] == "new"


def test_call_me_tomorrow_at_10_on_a_friday_goes_at_the_next_opening(engine: MemoryEngine) -> None:
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    engine.clock.advance(timedelta(days=3))  # Friday 27 Nov, 09:00 in Jakarta
    contact_id = reply(engine, "call me tomorrow at 10")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["local"] == "2026-11-28T10:00"
    # Saturday is a blackout day by default: Monday 08:00 WIB is the next opening.
    assert intent["effect"] == "follow-up call-back at 2026-11-30 08:00 Asia/Jakarta"
    assert intent["effect_code"] == "follow_up_scheduled"
    # and in data, for the admin app to say in its reader's language
    assert intent["scheduled"] == [
        {"rule_id": "call-back", "local": "2026-11-30T08:00", "zone": "Asia/Jakarta"}
    ]
    engine.clock.advance(timedelta(days=2, hours=22, minutes=59))  # Monday 07:59 WIB
    engine.tick()
    assert engine.sandbox.sent() == []
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_an_hour_the_lead_refuses_books_no_call_back_then(engine: MemoryEngine) -> None:
    # Given a rule that calls back at the time a lead asks, on Tuesday 09:00 in Jakarta
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    # When the lead says tomorrow at 3 does not suit them, and why
    contact_id = reply(engine, "besok jam 3 gak bisa kak, ada kelas")
    # Then no call back is booked, and nothing goes at 15:00 tomorrow, the hour refused
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["intent"] != "call_back_at"
    assert intent["local"] is None
    engine.ticks(32, every=timedelta(hours=1))  # hourly ticks to Wednesday 17:00
    assert engine.sandbox.sent() == []
    assert enrollments(engine, contact_id) == []


def test_call_back_on_an_open_saturday_goes_at_the_time_asked(engine: MemoryEngine) -> None:
    settings = engine.deps.rules.settings().model_dump(mode="json")
    settings["send_window"]["hours"]["sat"] = [{"start": "08:00", "end": "17:00"}]
    settings["send_window"]["blackout_days"] = ["sun"]
    save_settings(engine, settings)
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    engine.clock.advance(timedelta(days=3))
    contact_id = reply(engine, "call me tomorrow at 10")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["effect"] == "follow-up call-back at 2026-11-28 10:00 Asia/Jakarta"
    engine.clock.advance(timedelta(days=1, hours=1))  # Saturday 10:00 WIB
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_call_back_journey_that_opens_with_a_tag_waits_for_the_time_asked(
    engine: MemoryEngine,
) -> None:
    # Given a call-back rule that tags the lead, then messages them
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"kind": "action", "do": "add_tag", "tag": "call-back"},
        {"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi again!", "template": template},
    ]
    trigger = {"kind": "intent", "intents": ["call_back_at"]}
    engine.deps.rules.save_rule(rule("call-back", trigger=trigger, steps=steps))
    # When the lead asks on Tuesday 09:00 to be called tomorrow at 10
    contact_id = reply(engine, "call me tomorrow at 10")
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["effect"] == "follow-up call-back at 2026-11-25 10:00 Asia/Jakarta"
    # Then nothing goes before Wednesday 10:00 WIB, and the message goes then
    engine.clock.advance(timedelta(days=1, minutes=59))  # Wednesday 09:59 WIB
    engine.tick()
    assert engine.sandbox.sent() == []
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    assert "call-back" in lead(engine)["tags"]


def test_busy_is_followed_up_after_its_cadence_once_per_message(engine: MemoryEngine) -> None:
    follow_up_rule(engine, "busy-nudge", "busy", 5, 15)
    engine.sandbox.record_inbound(LEAD, engine.clock.now())
    busy = envelopes.text_message(LEAD, "lagi sibuk", engine.clock.now(), "wamid.BUSY1")
    assert engine.deliver(busy) == 200
    assert engine.deliver(busy) == 200  # WhatsApp delivers it again
    contact = lead(engine)
    [intent] = intents(engine, contact["id"])
    assert intent is not None
    assert intent["effect"] == "follow-up busy-nudge at 2026-11-24 09:05 Asia/Jakarta"
    engine.clock.advance(timedelta(minutes=4))
    engine.tick()
    assert engine.sandbox.sent() == []
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    assert engine.deliver(busy) == 200
    engine.clock.advance(timedelta(minutes=15))
    engine.tick()
    engine.clock.advance(timedelta(hours=1))
    engine.tick()
    assert engine.deliver(busy) == 200
    engine.tick()
    assert len(engine.sandbox.sent()) == 2
    assert [e.state for e in enrollments(engine, contact["id"])] == ["completed"]


def test_a_reply_resets_the_busy_cadence(engine: MemoryEngine) -> None:
    follow_up_rule(engine, "busy-nudge", "busy", 5, 15)
    contact_id = reply(engine, "lagi sibuk")
    engine.clock.advance(timedelta(minutes=3))
    reply(engine, "ok", message_id="wamid.INTENT2")
    engine.clock.advance(timedelta(minutes=30))
    engine.tick()
    assert engine.sandbox.sent() == []
    [enrollment] = enrollments(engine, contact_id)
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "replied")


def test_a_reply_the_rules_fail_on_is_still_heard_and_ends_the_journey(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a lead sent the first of two follow-ups by a rule that ends on a reply
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": template},
        {"wait": {"amount": 1, "unit": "hours"}, "template": template},
    ]
    engine.deps.rules.save_rule(rule("two-steps", steps=steps))
    quiet_contact(engine.deps, LEAD, engine.clock.now() - timedelta(hours=25), name="Dewi")
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    engine.clock.advance(timedelta(minutes=10))

    # When they reply with a text the reply rules fail on (a defect in them)
    def fails(*_args: object, **_kwargs: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr("followup.domain.intents.classify", fails)
    contact_id = reply(engine, "besok jgn telp jam 3")

    # Then the webhook still takes it: the reply is in the timeline, read as nothing, the
    # failure is logged without the reply's text, and the second follow-up never goes
    [intent] = intents(engine, contact_id)
    assert intent is not None
    assert intent["intent"] == "other"
    [failure] = [r for r in caplog.records if r.getMessage() == "the rules could not read a reply"]
    assert failure.exc_info is not None
    assert not any("jgn" in str(vars(record)) for record in caplog.records)
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    [enrollment] = enrollments(engine, contact_id)
    assert enrollment.state == "exited"
