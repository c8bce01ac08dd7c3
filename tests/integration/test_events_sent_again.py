"""Another system sends an event again (its first answer lost, the bus delivering twice), on
a clock that may run a little ahead of ours: the event does its work once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup_local.engine import LocalEngine
from tests.integration.test_triggers import BOOKED_GOLD, LEAD, enrolled, event, lead, save
from tests.support.api import call
from tests.support.events import load

SAID = "Sudah saya kirim brosurnya"


def booked(at: Any) -> dict[str, Any]:
    """A gold booking as a CRM reports it: with its own time, without an id."""
    return {
        "type": "custom",
        "name": "booking_completed",
        "contact": LEAD,
        "properties": {"plan": "gold"},
        "at": at.isoformat(),
    }


def lines_said(engine: LocalEngine, contact_id: str) -> int:
    status, timeline = call(engine, "GET", f"/api/contacts/{contact_id}/timeline")
    assert status == 200
    return len([m for m in timeline["messages"] if m["text"] == SAID])


def test_a_booking_from_a_clock_a_little_ahead_sent_again_enrolls_and_sends_once(
    engine: LocalEngine,
) -> None:
    # Given a rule on gold bookings, a lead, and a CRM whose clock runs 30 seconds ahead
    save(engine, "gold-thanks", BOOKED_GOLD)
    contact = lead(engine)
    ahead = booked(engine.clock.now() + timedelta(seconds=30))
    assert event(engine, **ahead)[0] == 200
    # When it sends the very same booking again 5 seconds later (its first answer lost)
    engine.clock.advance(timedelta(seconds=5))
    assert event(engine, **ahead)[0] == 200
    engine.ticks(6, every=timedelta(minutes=10))
    # Then the lead is enrolled once and gets one message
    assert enrolled(engine, contact.id) == ["gold-thanks"]
    assert len(engine.sandbox.sent()) == 1


def test_a_late_stage_from_a_clock_a_little_ahead_does_not_move_the_lead_back(
    engine: LocalEngine,
) -> None:
    # Given a lead, and a CRM whose clock runs a minute ahead
    contact = lead(engine)
    ahead = engine.clock.now() + timedelta(minutes=1)
    # When it reports "paid", then, 10 seconds later, "applied" dated 5 seconds before it
    paid = {"type": "stage_changed", "contact": LEAD, "stage": "paid", "at": ahead.isoformat()}
    assert event(engine, **paid)[0] == 200
    engine.clock.advance(timedelta(seconds=10))
    applied = paid | {"stage": "applied", "at": (ahead - timedelta(seconds=5)).isoformat()}
    assert event(engine, **applied)[0] == 200
    # Then the late "applied" changes nothing: the lead stays "paid"
    found = engine.deps.contacts.contact(contact.id)
    assert found is not None
    assert found.item.stage == "paid"


def test_an_event_dated_more_than_five_minutes_ahead_is_refused_naming_at(
    engine: LocalEngine,
) -> None:
    # Given a rule on gold bookings and a lead
    save(engine, "gold-thanks", BOOKED_GOLD)
    contact = lead(engine)
    # When a CRM whose clock runs 6 minutes ahead reports a booking
    status, answer = event(engine, **booked(engine.clock.now() + timedelta(minutes=6)))
    # Then it is refused, naming `at`, and the lead is not enrolled
    assert status == 422
    assert [d["field"] for d in answer["error"]["details"]] == ["at"]
    assert enrolled(engine, contact.id) == []


def test_a_message_sent_event_the_bus_delivers_twice_is_one_line(engine: LocalEngine) -> None:
    # Given a lead, and a help desk telling of a counsellor's message through the bus
    contact = lead(engine)
    bus = load("eventbridge-custom.json")
    bus["detail-type"] = "message_sent"
    bus["detail"] = {"contact": LEAD, "speaker": "agent", "text": SAID}
    # When EventBridge delivers the same envelope twice, a minute apart
    assert engine.invoke("bus_events", bus)["applied"] is True
    engine.clock.advance(timedelta(minutes=1))
    assert engine.invoke("bus_events", bus)["applied"] is True
    # Then the contact's timeline shows the counsellor's message once
    assert lines_said(engine, contact.id) == 1


def test_a_message_sent_event_the_crm_posts_again_is_one_line(engine: LocalEngine) -> None:
    # Given a lead
    contact = lead(engine)
    said = {
        "type": "message_sent",
        "contact": LEAD,
        "speaker": "agent",
        "text": SAID,
        "at": (engine.clock.now() - timedelta(minutes=1)).isoformat(),
    }
    # When the CRM posts a counsellor's message, then posts it again (its first answer lost)
    assert event(engine, **said)[0] == 200
    engine.clock.advance(timedelta(seconds=5))
    assert event(engine, **said)[0] == 200
    # Then the contact's timeline shows it once
    assert lines_said(engine, contact.id) == 1
