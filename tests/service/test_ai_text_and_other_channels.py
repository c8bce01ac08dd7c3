"""The AI writes WhatsApp messages only: by SMS or email the step's own text goes, so a
long AI text never becomes an SMS of many paid parts. Through the real Anthropic client
against the fake Messages API, on the in-memory twin."""

from __future__ import annotations

from typing import Any

from followup.domain.followup import FollowUp, Status
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, lead_quiet_before_an_ai_step, writing_in_english
from tests.support.outbox import Outbox

WA_ID = "6281100000860"
WRITTEN = "Hi Rudi, are you still thinking about the MBA intake this year?"


def sent_with(engine: MemoryEngine, fake: FakeAnthropic, **channels: Any) -> FollowUp:
    """The follow-up of an AI step on `channels`, sent to a lead quiet for two hours."""
    deps = engine.deps
    writing_in_english(engine, fake)
    lead = lead_quiet_before_an_ai_step(engine, WA_ID, **channels)
    fake.reply_next(WRITTEN)
    engine.tick()
    [followup] = deps.followups.followups_of(lead.id)
    return followup


def test_a_text_written_for_whatsapp_is_not_said_to_be_sent_by_sms(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    with FakeAnthropic(KEY) as fake:
        # Given an AI step that goes by SMS when WhatsApp cannot deliver it, and WhatsApp
        # refusing the AI's text: the number is not on WhatsApp
        engine.sandbox.fail_next(status=400, code=131026)
        followup = sent_with(engine, fake, fallbacks=["sms"])
        assert len(fake.requests) == 1
    # Then the step's own text went by SMS, and the follow-up does not claim the AI's did
    assert outbox.sent == [("sms", "+" + WA_ID)]
    assert followup.status is Status.SENT
    assert followup.rendered is not None
    assert (followup.rendered.kind, followup.rendered.text) == ("sms", "Hi Rudi, still applying?")
    assert followup.ai is not None
    assert (followup.ai.used, followup.ai.fallback_reason) == (False, "other_channel")
    assert followup.ai.text is None
    assert followup.ai.cost_usd > 0  # the writing was paid for all the same


def test_an_sms_step_sends_its_own_text_without_asking_the_ai(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    with FakeAnthropic(KEY) as fake:
        followup = sent_with(engine, fake, channel="sms")
        assert fake.requests == []
    assert outbox.sent == [("sms", "+" + WA_ID)]
    assert followup.rendered is not None
    assert (followup.rendered.kind, followup.rendered.text) == ("sms", "Hi Rudi, still applying?")
    assert followup.ai is None
