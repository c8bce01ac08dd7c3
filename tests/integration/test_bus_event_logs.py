"""A bus event dropped is logged (to CloudWatch) without the lead's phone number, e-mail
address or words: the number shows its last 4 digits, a field sent wrong only its name."""

from __future__ import annotations

import pytest

from followup_local.engine import LocalEngine
from tests.support.events import load
from tests.support.logs import logged

NUMBER = "+62 811-0000-5019"


def test_a_stage_change_for_an_unknown_number_is_logged_by_its_last_digits(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a CRM naming by its number a lead this workspace does not know
    event = load("eventbridge-stage-changed.json") | {
        "detail": {"contact": NUMBER, "stage": "paid"}
    }
    # When its stage change arrives on the bus
    answer = engine.invoke("bus_events", event)
    # Then it is dropped, and the log says which contact by its last 4 digits only
    written, [line] = logged(caplog, "bus_events", "event dropped")
    assert NUMBER not in written
    assert "811-0000" not in written
    assert line["reason"] == "contact '****5019' not found"
    assert answer == {"applied": False, "reason": "contact '****5019' not found"}


def test_a_message_sent_event_too_long_is_logged_without_the_lead_s_words(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a help desk telling of a line longer than a WhatsApp message, quoting the lead
    said = f"Budi wrote: please call me on {NUMBER} or budi.santoso@example.com. " * 60
    event = load("eventbridge-stage-changed.json") | {
        "detail-type": "message_sent",
        "detail": {"contact": "6281100005019", "speaker": "agent", "text": said},
    }
    # When it arrives on the bus
    answer = engine.invoke("bus_events", event)
    # Then it is dropped, with no number, address or words of the lead's in the log
    written, [line] = logged(caplog, "bus_events", "event dropped")
    assert NUMBER not in written
    assert "Budi wrote" not in written
    assert "santoso@example.com" not in written
    # And the log and the answer name the field and what is wrong with it
    expected = "message_sent.text: String should have at most 4096 characters"
    assert line["reason"] == answer["reason"] == expected


def test_an_unreadable_ses_bounce_is_logged_without_the_address(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given an SES bounce whose recipient is not written the way SES writes it
    event = load("eventbridge-ses-bounce.json")
    event["detail"]["bounce"]["bouncedRecipients"] = ["rudi@example.com"]
    # When it arrives on the bus
    answer = engine.invoke("bus_events", event)
    # Then it is dropped naming where it is wrong, and the address is not in the log
    written, [line] = logged(caplog, "bus_events", "event dropped")
    assert "rudi@example.com" not in written
    assert line["reason"].startswith("bounce.bouncedRecipients.0: ")
    assert answer["applied"] is False
