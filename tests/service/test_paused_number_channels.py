"""A WhatsApp number's pause (WhatsApp's quality report, or an admin pausing it) is
WhatsApp's alone: the contact's SMS and email follow-ups go on; a WhatsApp send waits for
the number, its fallback too; a paused workspace stops every channel."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.followup import FollowUp, Status
from followup.services.pausing import pause_number
from followup.services.webhook import resume_number
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
NUMBER = BUSINESS_NUMBER["phone_number_id"]
TEXT = "Hi {first_name|there}, your place is still open."
EMAIL = {"subject": "{first_name|Friend}, one step left", "body": "Hi {first_name|there}, apply."}


def one_step(channel: str, fallbacks: list[str] | None = None) -> Any:
    """A rule whose one step sends on `channel` (then `fallbacks`) to leads quiet for a day."""
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": channel,
        "fallbacks": fallbacks or [],
        "text": TEXT,
        "template": {"name": "apply_reminder", "language": "en"},
        "email": EMAIL,
    }
    return rule(steps=[step])


def quiet_lead(engine: MemoryEngine, wa_id: str) -> Contact:
    """A lead with WhatsApp, a phone and an email, quiet for a day, tied to the number."""
    quiet = engine.clock.now() - 25 * HOUR
    return quiet_contact(
        engine.deps, wa_id, quiet, email="rudi@example.com", phone_number_id=NUMBER
    )


def the_followup(engine: MemoryEngine, contact: Contact) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact.id)
    return followup


def pause_the_number(engine: MemoryEngine) -> None:
    assert pause_number(engine.deps, NUMBER, "quality FLAGGED", engine.clock.now())


@pytest.mark.parametrize(
    ("channel", "address"), [("sms", "+6281100000301"), ("email", "rudi@example.com")]
)
def test_an_sms_or_email_follow_up_goes_while_the_whatsapp_number_is_paused(
    engine: MemoryEngine, outbox: Outbox, channel: str, address: str
) -> None:
    # Given a rule sending by SMS (or email), and the lead's WhatsApp number paused
    engine.deps.rules.save_rule(one_step(channel))
    lead = quiet_lead(engine, "6281100000301")
    pause_the_number(engine)
    # When the scheduler ticks
    engine.tick()
    # Then the SMS (or email) goes out, and nothing went by WhatsApp
    assert outbox.sent == [(channel, address)]
    assert engine.sandbox.sent() == []
    followup = the_followup(engine, lead)
    assert (followup.status, followup.channel, followup.held_by) == (Status.SENT, channel, None)


def test_an_sms_already_on_its_way_when_the_whatsapp_number_is_paused_still_goes(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given an SMS follow-up handed to the send queue, and then the lead's number paused
    engine.deps.rules.save_rule(one_step("sms"))
    lead = quiet_lead(engine, "6281100000305")
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    pause_the_number(engine)
    # When the sender takes it
    engine.drain()
    # Then the SMS goes out
    assert outbox.sent == [("sms", "+6281100000305")]
    followup = the_followup(engine, lead)
    assert (followup.status, followup.held_by) == (Status.SENT, None)


def test_a_whatsapp_send_with_an_sms_fallback_waits_for_the_paused_number(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a WhatsApp step falling back to SMS, and the lead's WhatsApp number paused
    engine.deps.rules.save_rule(one_step("whatsapp", ["sms"]))
    lead = quiet_lead(engine, "6281100000302")
    pause_the_number(engine)
    # When the scheduler ticks
    engine.tick()
    # Then nothing goes: the follow-up waits for the number, saying so, its SMS not sent
    assert outbox.sent == []
    assert engine.sandbox.sent() == []
    assert the_followup(engine, lead).status is Status.QUEUED
    # When an admin resumes the number
    assert resume_number(engine.deps, NUMBER, engine.clock.now())
    engine.tick()
    # Then it goes by WhatsApp, once
    assert [(r.body or {}).get("to") for r in engine.sandbox.sent()] == ["6281100000302"]
    assert outbox.sent == []
    assert the_followup(engine, lead).status is Status.SENT


def test_a_whatsapp_step_goes_by_sms_to_a_lead_who_stopped_whatsapp_while_the_number_is_paused(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a WhatsApp step falling back to SMS, a lead who stopped WhatsApp only, the
    # number paused
    engine.deps.rules.save_rule(one_step("whatsapp", ["sms"]))
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(
        engine.deps, "6281100000303", quiet, phone_number_id=NUMBER, opted_out_channels=["whatsapp"]
    )
    pause_the_number(engine)
    # When the scheduler ticks
    engine.tick()
    # Then the SMS goes out
    assert outbox.sent == [("sms", "+6281100000303")]
    followup = the_followup(engine, lead)
    assert (followup.status, followup.channel) == (Status.SENT, "sms")


@pytest.mark.parametrize("channel", ["sms", "email"])
def test_a_paused_workspace_still_holds_sms_and_email(
    engine: MemoryEngine, outbox: Outbox, channel: str
) -> None:
    # Given a rule sending by SMS (or email), and an admin pausing all sending
    engine.deps.rules.save_rule(one_step(channel))
    lead = quiet_lead(engine, "6281100000304")
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"paused": True}))
    engine.deps.catalog.invalidate()
    # When the scheduler ticks
    engine.tick()
    # Then nothing goes out, on any channel
    assert outbox.sent == []
    assert engine.sandbox.sent() == []
    assert the_followup(engine, lead).status is Status.QUEUED
