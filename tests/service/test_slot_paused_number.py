"""A contact has one pending follow-up at a time, but a WhatsApp follow-up held by its
paused number keeps only the contact's WhatsApp steps waiting: "a number's pause is
WhatsApp's", so the lead's SMS and email journeys go on meanwhile. Once the number is
resumed, the held follow-up goes too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.rule import Rule
from followup.services.pausing import pause_number
from followup.services.webhook import resume_number
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
NUMBER = BUSINESS_NUMBER["phone_number_id"]
EMAIL = {"subject": "{first_name|Friend}, one step left", "body": "Hi {first_name|there}, apply."}


def one_step(rule_id: str, channel: str, idle_hours: int) -> Rule:
    """A rule whose one step goes on `channel` to leads quiet for `idle_hours`."""
    step: dict[str, Any] = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": channel,
        "text": "Hi {first_name|there}, your place is still open.",
        "template": {"name": "apply_reminder", "language": "en"},
        "email": EMAIL,
    }
    trigger = {"stages": ["new"], "idle": {"amount": idle_hours, "unit": "hours"}}
    return rule(rule_id, trigger=trigger, steps=[step])


def paused_lead(engine: MemoryEngine, wa_id: str, *rules: Rule) -> Contact:
    """`rules` saved, and a lead tied to the number, quiet for 24.5 h: the 24 h rule's
    silence crossed half an hour ago. The lead's WhatsApp number is paused (quality
    flagged)."""
    for saved in rules:
        engine.deps.rules.save_rule(saved)
    quiet = engine.clock.now() - timedelta(hours=24, minutes=30)
    lead = quiet_contact(
        engine.deps, wa_id, quiet, email="rudi@example.com", phone_number_id=NUMBER
    )
    assert pause_number(engine.deps, NUMBER, "quality FLAGGED", engine.clock.now())
    return lead


def hourly_for_a_day(engine: MemoryEngine) -> None:
    """The scheduler ticks hourly for a day, the sender between the ticks."""
    for _ in range(24):
        engine.tick()
        engine.run_until(engine.clock.now() + HOUR)


def sent_by_rule(engine: MemoryEngine, lead: Contact) -> dict[str, str]:
    """Each of the lead's follow-ups by its rule: its status, and the channel it went by."""
    return {
        f.rule_id: f"{f.status.value} {f.channel}" if f.sent_at else f.status.value
        for f in engine.deps.followups.followups_of(lead.id)
    }


def whatsapp_sent_to(engine: MemoryEngine) -> list[str]:
    return [(r.body or {}).get("to", "") for r in engine.sandbox.sent()]


@pytest.mark.parametrize(
    ("channel", "address"), [("sms", "+6281100000302"), ("email", "rudi@example.com")]
)
def test_an_sms_or_email_journey_goes_on_while_the_whatsapp_number_holds_the_leads_whatsapp_send(
    engine: MemoryEngine, outbox: Outbox, channel: str, address: str
) -> None:
    # Given a WhatsApp rule on a 24 h silence and an SMS (or email) rule on a 26 h one, and
    # a lead tied to the paused WhatsApp number, quiet for 24.5 h
    lead = paused_lead(
        engine,
        "6281100000302",
        one_step("wa-nudge", "whatsapp", 24),
        one_step("other-nudge", channel, 26),
    )
    # When the scheduler ticks hourly for a day
    hourly_for_a_day(engine)
    # Then the WhatsApp follow-up waits for the number, and the SMS (or email) went on
    assert whatsapp_sent_to(engine) == []
    assert outbox.sent == [(channel, address)]
    assert sent_by_rule(engine, lead) == {"wa-nudge": "queued", "other-nudge": f"sent {channel}"}
    # When an admin resumes the number
    assert resume_number(engine.deps, NUMBER, engine.clock.now())
    engine.tick()
    # Then the held WhatsApp follow-up goes too, once
    assert whatsapp_sent_to(engine) == ["6281100000302"]
    assert sent_by_rule(engine, lead) == {
        "wa-nudge": "sent whatsapp",
        "other-nudge": f"sent {channel}",
    }


def test_another_whatsapp_journey_waits_for_the_paused_number_without_a_write_each_tick(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given two WhatsApp rules, on a 24 h and a 26 h silence, and a lead tied to the paused
    # number, quiet for 24.5 h
    lead = paused_lead(
        engine,
        "6281100000303",
        one_step("wa-nudge", "whatsapp", 24),
        one_step("wa-later", "whatsapp", 26),
    )
    # When the scheduler ticks until the 26 h silence crossed
    for _ in range(3):
        engine.tick()
        engine.run_until(engine.clock.now() + HOUR)
    [waiting] = [
        e for e in engine.deps.followups.enrollments_of(lead.id) if e.item.rule_id == "wa-later"
    ]
    # And on for the rest of the day
    for _ in range(21):
        engine.tick()
        engine.run_until(engine.clock.now() + HOUR)
    # Then the second WhatsApp journey still waits behind the held send, its enrollment
    # not written again while it waits, and nothing went out
    assert sent_by_rule(engine, lead) == {"wa-nudge": "queued"}
    again = engine.deps.followups.enrollment(waiting.item.id)
    assert again is not None
    assert again.revision == waiting.revision
    assert whatsapp_sent_to(engine) == []
    assert outbox.sent == []
    # When an admin resumes the number, and the scheduler ticks on
    assert resume_number(engine.deps, NUMBER, engine.clock.now())
    engine.tick()
    engine.run_until(engine.clock.now() + HOUR)
    engine.tick()
    # Then the held one goes, and the waiting one after it
    assert sent_by_rule(engine, lead) == {
        "wa-nudge": "sent whatsapp",
        "wa-later": "sent whatsapp",
    }


def test_a_whatsapp_journey_still_waits_for_the_held_send_after_an_sms_took_the_slot(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a WhatsApp rule (24 h), an SMS rule (26 h) and another WhatsApp rule (30 h),
    # and a lead quiet for 24.5 h on a paused number
    lead = paused_lead(
        engine,
        "6281100000402",
        one_step("wa-nudge", "whatsapp", 24),
        one_step("sms-nudge", "sms", 26),
        one_step("wa-later", "whatsapp", 30),
    )
    # When the scheduler ticks hourly for a day
    hourly_for_a_day(engine)
    # Then the SMS went, and the second WhatsApp journey waits behind the held send
    states = sent_by_rule(engine, lead)
    assert states.get("sms-nudge") == "sent sms"
    assert states.get("wa-nudge") == "queued"
    assert "wa-later" not in states
    # And once the number is resumed, the lead gets the held message alone, not two
    # WhatsApp messages in the same minute
    assert resume_number(engine.deps, NUMBER, engine.clock.now())
    engine.tick()
    engine.run_until(engine.clock.now() + timedelta(minutes=1))
    assert whatsapp_sent_to(engine) == ["6281100000402"]
