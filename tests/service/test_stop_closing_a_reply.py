"""A reply that closes with a request to stop, or opens with one that names what to stop,
opts the lead out, and what it said besides the request is still heard."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import (
    enrollments,
    follow_up_rule,
    intents,
    lead,
    nurtured,
    reply,
    save_settings,
)

KEY = "sk-ant-local-test"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # the request to stop closes the reply
        ("already paid, stop messaging me", "done"),
        ("udah bayar, jangan chat lagi", "done"),
        ("já paguei, parem de mandar mensagem", "done"),
        ("not interested, stop", "not_interested"),
        # or opens it
        ("Stop messaging me, I already paid", "done"),
        ("jangan chat lagi ya, udah bayar", "done"),
        ("parem de mandar mensagem, já paguei", "done"),
        ("please stop texting me. I found another school", "not_interested"),
    ],
)
def test_a_reply_with_a_stop_request_opts_out_and_keeps_what_it_said_besides(
    engine: MemoryEngine, text: str, intent: str
) -> None:
    # Given a lead in a two-step reminder journey (first step sent)
    nurtured(engine)
    # When they say they paid (or are not interested) and ask to stop, in either order
    contact_id = reply(engine, text)
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    # Then they are opted out, the journey ends for it and the second step never goes
    assert lead(engine)["opted_out"] is True
    [enrollment] = enrollments(engine, contact_id)
    assert (enrollment.state, enrollment.exit_reason) == ("exited", "opted_out")
    assert len(engine.sandbox.sent()) == 1
    # And what they said besides the request is heard too
    [heard] = intents(engine, contact_id)
    assert heard is not None
    assert heard["intent"] == intent


@pytest.mark.parametrize(
    "text", ["el precio sube y baja", "la fiebre ya baja", "sube y baja el dólar"]
)
def test_baja_said_as_a_verb_keeps_the_lead_subscribed(engine: MemoryEngine, text: str) -> None:
    # Given a lead in a two-step reminder journey (first step sent)
    nurtured(engine)
    # When they say something goes down ("baja"), the verb, not a request to leave the list
    reply(engine, text)
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    # Then they stay subscribed and the second step goes
    assert lead(engine)["opted_out"] is False
    assert len(engine.sandbox.sent()) == 2


def test_stop_it_opts_the_lead_out(engine: MemoryEngine) -> None:
    # Given a lead in a two-step reminder journey (first step sent)
    nurtured(engine)
    # When they answer "stop it"
    contact_id = reply(engine, "stop it")
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    # Then they are opted out and nothing more is sent
    assert lead(engine)["opted_out"] is True
    assert intents(engine, contact_id) == [None]
    assert len(engine.sandbox.sent()) == 1


def test_a_call_back_asked_in_a_reply_closing_with_a_stop_request_is_not_scheduled(
    engine: MemoryEngine,
) -> None:
    # Given a rule that calls back at the time a lead asks for
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    # When the lead, Tuesday 09:00 WIB, names a time and then asks to stop
    contact_id = reply(engine, "call me tomorrow at 10, stop messaging me")
    engine.clock.advance(timedelta(days=1, hours=1))
    engine.tick()
    engine.tick()
    # Then they are opted out, no call back is planned and nothing goes
    assert lead(engine)["opted_out"] is True
    assert enrollments(engine, contact_id) == []
    [heard] = intents(engine, contact_id)
    assert heard is not None
    assert (heard["intent"], heard["effect_code"]) == ("call_back_at", "opted_out")
    assert engine.sandbox.sent() == []


def test_a_workspace_keyword_closing_a_reply_opts_the_lead_out(engine: MemoryEngine) -> None:
    # Given a workspace that added "keluar" to the opt-out keywords
    settings = engine.deps.rules.settings().model_dump(mode="json")
    save_settings(engine, settings | {"opt_out_keywords": ["keluar"]})
    # When the lead says they paid, then "keluar"
    contact_id = reply(engine, "udah bayar kak, keluar")
    # Then they are opted out, and read as paid
    assert lead(engine)["opted_out"] is True
    [heard] = intents(engine, contact_id)
    assert heard is not None
    assert heard["intent"] == "done"


def test_the_ai_reads_only_what_comes_before_the_stop_request(
    engine: MemoryEngine, fake: FakeAnthropic
) -> None:
    # Given the AI reads replies
    engine.deps.classifier = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url)
    fake.tool_input_next({"intent": "done", "confidence": 0.9, "local_time": None})
    # When the lead says they paid, then asks to stop
    contact_id = reply(engine, "already paid, stop messaging me")
    # Then the lead is opted out by keyword, and the AI was asked about the payment alone
    assert lead(engine)["opted_out"] is True
    [request] = fake.requests
    assert request.body is not None
    asked = str(request.body["messages"])
    assert "already paid" in asked
    assert "stop messaging" not in asked
    [heard] = intents(engine, contact_id)
    assert heard is not None
    assert (heard["intent"], heard["source"]) == ("done", "ai")
