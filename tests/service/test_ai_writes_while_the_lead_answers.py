"""The model takes seconds to write a step's text, after the sender's first read of the
contact. A STOP or a reply the webhook hears meanwhile finds the follow-up `sending` and
leaves it to the sender: the written text must not go. On the in-memory twin and on moto,
through the real Anthropic client against the fake Messages API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, lead_quiet_before_an_ai_step, writing_in_english
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

WA_ID = "6281100000870"
WRITTEN = "Hi Rudi, are you still thinking about the MBA intake this year?"


@pytest.mark.parametrize(
    ("words", "status", "reason"),
    [
        ("STOP", Status.OPTED_OUT, "opted_out"),
        ("Sorry, I already applied yesterday", Status.CANCELED, "done"),
        ("Who is this?", Status.CANCELED, "replied"),
    ],
    ids=["stop", "already-done", "reply"],
)
def test_what_the_lead_writes_while_the_model_writes_keeps_the_text_from_going(
    either: MemoryEngine | LocalEngine,
    monkeypatch: pytest.MonkeyPatch,
    words: str,
    status: Status,
    reason: str,
) -> None:
    engine: Any = either
    with FakeAnthropic(KEY) as fake:
        # Given a lead quiet before an AI step, and the model writing its text
        writing_in_english(engine, fake)
        lead = lead_quiet_before_an_ai_step(engine, WA_ID)
        fake.reply_next(WRITTEN)
        write = engine.deps.writer.write
        heard: list[int] = []

        def slow_write(request: Any) -> Any:
            # When the lead writes three seconds into the model's answer
            written = write(request)
            at = engine.clock.advance(timedelta(seconds=3))
            heard.append(engine.deliver(envelopes.text_message(WA_ID, words, at, "wamid.in")))
            return written

        monkeypatch.setattr(engine.deps.writer, "write", slow_write)
        engine.tick()
    # Then the webhook took the message, and nothing went to the lead
    assert heard == [200]
    assert [r.body for r in engine.sandbox.requests if r.body is not None] == []
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.reason) == (status, reason)
    # and what the model wrote (and cost) stays on the follow-up
    assert followup.ai is not None
    assert followup.ai.text == WRITTEN


def test_a_stop_of_whatsapp_alone_heard_while_the_model_writes_sends_the_step_by_sms(
    engine: MemoryEngine, outbox: Outbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a workspace where STOP stops WhatsApp alone, and an AI step on WhatsApp that
    # falls back to SMS, in a rule a reply does not end
    deps = engine.deps
    settings = deps.rules.settings()
    deps.rules.save_settings(settings.model_copy(update={"whatsapp_stop_stops_all": False}))
    with FakeAnthropic(KEY) as fake:
        writing_in_english(engine, fake)
        step = {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": "Hi {first_name|there}, still applying?",
            "ai": {"instructions": "Ask kindly whether they still want to apply for the MBA."},
            "fallbacks": ["sms"],
        }
        trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
        deps.rules.save_rule(rule(trigger=trigger, steps=[step], exit={"on_reply": False}))
        then = engine.clock.now() - timedelta(hours=2)
        lead = quiet_contact(deps, WA_ID, then)
        engine.sandbox.record_inbound(WA_ID, then)
        fake.reply_next(WRITTEN)
        writer = deps.writer
        assert writer is not None
        write = writer.write
        heard: list[int] = []

        def slow_write(request: Any) -> Any:
            # When the lead sends STOP on WhatsApp three seconds into the model's answer
            written = write(request)
            at = engine.clock.advance(timedelta(seconds=3))
            heard.append(engine.deliver(envelopes.text_message(WA_ID, "STOP", at, "wamid.in")))
            return written

        monkeypatch.setattr(writer, "write", slow_write)
        engine.tick()
    # Then nothing went on WhatsApp, the channel they had just stopped: the step went by SMS
    assert heard == [200]
    assert [r.body for r in engine.sandbox.requests if r.body is not None] == []
    [followup] = deps.followups.followups_of(lead.id)
    assert [channel for channel, _ in outbox.sent] == ["sms"]
    assert (followup.status, followup.channel) == (Status.SENT, "sms")
