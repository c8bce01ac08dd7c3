"""A step WhatsApp took and then reported failed for a rate limit goes again as it was
written: the AI's text (not asked for, nor paid for, again) and, for a step a person
approves, the text they approved (not put to them again)."""

from __future__ import annotations

from datetime import date, timedelta

from followup.domain.followup import FollowUp, Status
from followup.domain.ids import resend_followup_id
from followup.services.approval import approve
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.service.test_webhook_order import failed_status
from tests.support.ai import KEY, lead_quiet_before_an_ai_step, writing_in_english

WA_ID = "6281100000993"
WRITTEN = "Hi Rudi, are you still thinking about applying for the MBA this intake?"


def reported_throttled(engine: MemoryEngine, sent: FollowUp) -> FollowUp | None:
    """WhatsApp reports `sent` failed for the pair's rate limit 30 s after taking it; the
    next tick comes a minute later. The follow-up sending its step again, if any."""
    engine.clock.advance(timedelta(seconds=30))
    assert engine.deliver(failed_status(sent, engine.clock.now(), code=131056)) == 200
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    return engine.deps.followups.followup(resend_followup_id(sent.id))


def bodies(engine: MemoryEngine) -> list[str]:
    return [r.body["text"]["body"] for r in engine.sandbox.requests if r.body is not None]


def test_an_ai_text_reported_rate_limited_goes_again_as_written_without_a_second_call(
    engine: MemoryEngine,
) -> None:
    with FakeAnthropic(KEY) as fake:
        writing_in_english(engine, fake)
        lead = lead_quiet_before_an_ai_step(engine, WA_ID)
        # Given the AI's text went out (the model would write the same words again)
        fake.reply_next(WRITTEN)
        fake.reply_next(WRITTEN)
        engine.tick()
        [first] = engine.deps.followups.followups_of(lead.id)
        assert first.status is Status.SENT
        # When WhatsApp reports it failed for a rate limit: the lead never got it
        again = reported_throttled(engine, first)
        calls = len(fake.requests)
    # Then the step goes again with the text written for it, the model asked once
    assert again is not None
    assert again.status is Status.SENT
    assert bodies(engine) == [WRITTEN, WRITTEN]
    assert calls == 1
    # And the Stats page counts one AI message, at the one call's cost
    engine.pump_stream()
    today = engine.clock.now().date()
    days = engine.deps.stats.stats(date(today.year, 1, 1), today)
    spent = [d.counts.get("ai_messages", 0) for d in days if d.rule_id == first.rule_id]
    assert sum(spent) == 1


def test_an_approved_text_reported_rate_limited_goes_again_without_a_second_approval(
    engine: MemoryEngine,
) -> None:
    with FakeAnthropic(KEY) as fake:
        writing_in_english(engine, fake)
        deps = engine.deps
        asked = {"instructions": "Ask whether they still apply.", "approval": True}
        lead = lead_quiet_before_an_ai_step(engine, WA_ID, ai=asked)
        # Given a text the AI wrote inside the window, that a person approved and that went
        fake.reply_next(WRITTEN)
        engine.tick()
        [waiting] = deps.followups.followups_of(lead.id)
        assert waiting.reason == "awaiting_approval"
        approve(deps, waiting.id)
        engine.drain()
        sent = deps.followups.followup(waiting.id)
        assert sent is not None
        assert sent.status is Status.SENT
        # When WhatsApp reports it failed for a rate limit
        again = reported_throttled(engine, sent)
        engine.drain()
        calls = len(fake.requests)
    # Then the approved text goes again at once, not back to a person for approval
    assert again is not None
    again = deps.followups.followup(again.id)
    assert again is not None
    assert again.status is Status.SENT, again.reason
    assert bodies(engine) == [WRITTEN, WRITTEN]
    assert calls == 1
