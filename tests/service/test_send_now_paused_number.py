"""Send-now while a paused number holds the lead's WhatsApp follow-up: a pause is
WhatsApp's, so a rule that sends by SMS or email goes now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.errors import Conflict
from followup.domain.followup import Status
from followup.services.manual import send_now
from followup_local.memory_engine import MemoryEngine
from tests.service.test_slot_paused_number import one_step, paused_lead
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)


def held_whatsapp(engine: MemoryEngine, wa_id: str) -> str:
    """A lead whose WhatsApp follow-up the paused number holds, with an SMS rule and a
    second WhatsApp rule no silence of theirs reached yet; the lead's id."""
    lead = paused_lead(
        engine,
        wa_id,
        one_step("wa-nudge", "whatsapp", 24),
        one_step("sms-offer", "sms", 240),
        one_step("wa-offer", "whatsapp", 240),
    )
    engine.tick()
    engine.run_until(engine.clock.now() + HOUR)
    [held] = engine.deps.followups.followups_of(lead.id)
    assert held.status is Status.QUEUED
    assert held.held_by is not None
    return lead.id


def test_send_now_of_an_sms_rule_goes_while_the_paused_number_holds_the_whatsapp_one(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a lead whose WhatsApp follow-up the paused number holds
    lead = held_whatsapp(engine, "6281100000303")
    # When a counsellor sends the SMS rule's first step now
    sent = send_now(engine.deps, lead, "sms-offer")
    engine.drain()
    # Then the SMS goes to the lead, and the WhatsApp one still waits for the number
    found = engine.deps.followups.followup(sent.id)
    assert found is not None
    assert (found.status, found.channel) == (Status.SENT, "sms")
    assert outbox.sent == [("sms", "+6281100000303")]


def test_send_now_of_a_whatsapp_rule_waits_for_the_paused_number_like_the_held_one(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a lead whose WhatsApp follow-up the paused number holds
    lead = held_whatsapp(engine, "6281100000304")
    # When a counsellor sends another WhatsApp rule's first step now
    # Then they are told the lead has a follow-up waiting to be sent
    with pytest.raises(Conflict, match="already has a follow-up waiting"):
        send_now(engine.deps, lead, "wa-offer")
