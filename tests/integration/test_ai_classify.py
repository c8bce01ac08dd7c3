"""Replies read by Claude (the fake server, through the real SDK) on the local engine:
what the AI reads is used and its cost recorded; an unusable answer leaves the rules'
reading; opt-outs never reach the AI."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL, AiUnavailable, Unavailable
from followup.domain.ai_classify import TOOL_NAME
from followup.domain.followup import FollowUp, Status
from followup.domain.settings import AiSettings
from followup_local import envelopes
from followup_local.engine import LambdaContext, LocalEngine
from followup_local.fake_anthropic import FakeAnthropic, estimate_tokens
from tests.service.test_intents_flow import LEAD, intents, reply
from tests.support.sender import sent_followup

KEY = "sk-ant-local-test"


@pytest.fixture
def ai(engine: LocalEngine, fake: FakeAnthropic) -> LocalEngine:
    """The engine reading replies with Claude (the fake)."""
    engine.deps.classifier = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url)
    return engine


def only_intent(engine: LocalEngine, contact_id: str) -> dict[str, Any]:
    [record] = intents(engine, contact_id)
    assert record is not None
    return record


def test_a_valid_tool_answer_is_used_with_its_time_and_cost(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    fake.tool_input_next(
        {"intent": "call_back_at", "confidence": 0.95, "local_time": "2030-01-02T10:00"}
    )
    record = only_intent(ai, reply(ai, "hmm maybe after the long weekend, early morning"))
    assert record["source"] == "ai"
    assert record["intent"] == "call_back_at"
    assert record["confidence"] == 0.95
    assert record["local"] == "2030-01-02T10:00"
    assert record["ai_fallback"] is None
    assert record["output_tokens"] > 0
    assert record["cost_usd"] > 0
    [request] = fake.requests
    body = request.body
    assert body is not None
    # The input counts the prompt written to the cache, as a written text's does
    cached = estimate_tokens("".join(block["text"] for block in body["system"]))
    assert record["input_tokens"] > cached
    assert body["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert [tool["name"] for tool in body["tools"]] == [TOOL_NAME]
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert "early morning" in body["messages"][0]["content"]


def test_by_default_the_fake_reads_like_the_rules(ai: LocalEngine, fake: FakeAnthropic) -> None:
    record = only_intent(ai, reply(ai, "not interested, thanks"))
    assert (record["source"], record["intent"]) == ("ai", "not_interested")
    assert len(fake.requests) == 1


def test_claude_is_told_the_times_the_rules_give(ai: LocalEngine, fake: FakeAnthropic) -> None:
    # Given the workspace reading replies with Claude
    # When a lead asks for a call back
    reply(ai, "call me tomorrow")
    # Then Claude is asked to resolve times as the rules do, so that turning the AI on
    # does not move call backs: a bare day at 09:00, "call me" a quarter of an hour on
    [request] = fake.requests
    assert request.body is not None
    system = request.body["system"][0]["text"]
    assert "a day with no hour is 09:00" in system
    assert "('call me', 'call me now')" in system
    assert "are 15 minutes from now" in system


@pytest.mark.parametrize(
    ("tool_input", "reason"),
    [
        ({"intent": "maybe", "confidence": 0.9, "local_time": None}, "intent"),
        ({"intent": "call_back_at", "confidence": 0.9, "local_time": "tomorrow 10"}, "local_time"),
        ({"intent": "call_back_at", "confidence": 0.9, "local_time": "2030-13-40T25:00"}, "local"),
        ({"intent": "busy", "confidence": 1.5, "local_time": None}, "confidence"),
        (None, "no tool call"),
    ],
)
def test_an_invalid_answer_leaves_the_rules_reading(
    ai: LocalEngine, fake: FakeAnthropic, tool_input: object, reason: str
) -> None:
    fake.tool_input_next(tool_input)
    record = only_intent(ai, reply(ai, "lagi sibuk"))
    assert (record["source"], record["intent"]) == ("rules", "busy")
    assert "invalid_answer" in record["ai_fallback"]
    assert reason in record["ai_fallback"]
    assert record["cost_usd"] > 0  # the tokens were spent all the same


@pytest.mark.parametrize(("status", "reason"), [(429, "rate_limited"), (529, "overloaded")])
def test_a_busy_provider_leaves_the_rules_reading(
    ai: LocalEngine, fake: FakeAnthropic, status: int, reason: str
) -> None:
    fake.fail_next(status)
    record = only_intent(ai, reply(ai, "lagi sibuk"))
    assert (record["source"], record["intent"]) == ("rules", "busy")
    assert reason in record["ai_fallback"]
    assert record["cost_usd"] is None


def test_a_slow_provider_leaves_the_rules_reading(ai: LocalEngine, fake: FakeAnthropic) -> None:
    ai.deps.classifier = ClaudeWriter(
        KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=0.2
    )
    fake.latency = 1.0
    record = only_intent(ai, reply(ai, "lagi sibuk"))
    assert (record["source"], record["intent"]) == ("rules", "busy")
    assert "timeout" in record["ai_fallback"]


def test_with_ai_off_no_request_reaches_the_provider(ai: LocalEngine, fake: FakeAnthropic) -> None:
    settings = ai.deps.rules.settings()
    ai.deps.rules.save_settings(settings.model_copy(update={"ai": AiSettings(enabled=False)}))
    ai.deps.catalog.invalidate()
    record = only_intent(ai, reply(ai, "lagi sibuk"))
    assert (record["source"], record["intent"]) == ("rules", "busy")
    assert record["ai_fallback"] is None
    assert fake.requests == []


def test_an_opt_out_never_reaches_the_ai_and_stays_an_opt_out(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    contact_id = reply(ai, "STOP")
    assert intents(ai, contact_id) == [None]
    found = ai.deps.contacts.contact(contact_id)
    assert found is not None
    assert found.item.opted_out
    assert fake.requests == []


def webhook_metrics(engine: LocalEngine, text: str, message_id: str) -> dict[str, float]:
    """Deliver the lead's `text` to the webhook handler; the metrics it recorded, by name."""
    module = importlib.import_module("functions.webhook.handler")
    engine.sandbox.record_inbound(LEAD, engine.clock.now())
    document = envelopes.text_message(LEAD, text, engine.clock.now(), message_id, name="Dewi")
    secret = engine.config.webhook_secrets.get_secret_value().split(",")[0]
    try:
        module.handler(envelopes.http_event(document, secret), LambdaContext("webhook"))
        return {name: sum(m["Value"]) for name, m in module.metrics.metric_set.items()}
    finally:
        module.metrics.clear_metrics()


def test_the_webhook_reports_ai_readings_and_their_tokens(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    used = webhook_metrics(ai, "lagi sibuk", "wamid.AI1")
    fake.fail_next(529)
    fallback = webhook_metrics(ai, "lagi sibuk", "wamid.AI2")
    assert used["webhook_ai_classify_used"] == 1
    assert used["webhook_ai_classify_input_tokens"] > 0
    assert used["webhook_ai_classify_output_tokens"] > 0
    assert used["ai_classify_cost_usd"] > 0
    assert "webhook_ai_classify_fallback" not in used
    assert fallback["webhook_ai_classify_fallback"] == 1
    assert "webhook_ai_classify_used" not in fallback
    assert "ai_classify_cost_usd" not in fallback  # refused with 529: nothing spent


def test_without_a_key_the_classifier_says_so_and_sends_nothing(fake: FakeAnthropic) -> None:
    result = ClaudeWriter("", DEFAULT_MODEL, base_url=fake.base_url).classify(
        "lagi sibuk", datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    )
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.NO_API_KEY
    assert fake.requests == []


def test_the_fake_refuses_a_tool_choice_naming_no_tool(fake: FakeAnthropic) -> None:
    body = {
        "model": DEFAULT_MODEL,
        "max_tokens": 50,
        "system": [{"type": "text", "text": "x", "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "Reply: hi"}],
        "tools": [{"name": TOOL_NAME, "input_schema": {"type": "object"}}],
        "tool_choice": {"type": "tool", "name": "other_tool"},
    }
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    response = httpx.post(f"{fake.base_url}/v1/messages", json=body, headers=headers)
    assert response.status_code == 400
    assert "tool_choice.name" in response.json()["error"]["message"]


def test_a_call_or_a_photo_without_words_is_not_sent_to_claude(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    # Given the workspace reading replies with Claude
    # When a lead sends a photo without a caption, then a sticker
    for kind in ("image", "sticker"):
        document = envelopes.text_message(LEAD, "x", ai.clock.now(), f"wamid.{kind}", name="Dewi")
        message = document["entry"][0]["changes"][0]["value"]["messages"][0]
        del message["text"]
        message |= {"type": kind, kind: {"id": "media-1", "mime_type": "image/webp"}}
        assert ai.deliver(document) == 200
    # Then neither is read by Claude, paid for, nor read as asking anything
    assert fake.requests == []
    found = ai.deps.contacts.contact_by_wa_id(LEAD)
    assert found is not None
    records = intents(ai, found.item.id)
    assert [(r or {}).get("intent") for r in records] == ["other", "other"]
    assert [(r or {}).get("cost_usd") for r in records] == [None, None]


def react(engine: LocalEngine, emoji: str, to: FollowUp, message_id: str) -> None:
    """The lead reacts to the follow-up `to` with `emoji`, as WhatsApp delivers it."""
    document = envelopes.text_message(LEAD, "x", engine.clock.now(), message_id, name="Dewi")
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message |= {
        "type": "reaction",
        "reaction": {"message_id": to.provider_message_id, "emoji": emoji},
    }
    assert engine.deliver(document) == 200


def test_a_reaction_is_a_reply_read_without_claude(ai: LocalEngine, fake: FakeAnthropic) -> None:
    # Given the workspace reading replies with Claude, and a follow-up sent to the lead
    followup = sent_followup(ai, LEAD)
    # When the lead reacts to it with a thumbs up
    react(ai, "\U0001f44d", followup, "wamid.REACT1")
    # Then Claude is not asked nor paid for: a reaction asks for nothing
    assert fake.requests == []
    [record] = intents(ai, followup.contact_id)
    assert record is not None
    assert (record["source"], record["intent"], record["cost_usd"]) == ("rules", "other", None)
    # And it is still the lead's reply: the follow-up answered, the window open
    answered = ai.deps.followups.followup(followup.id)
    assert answered is not None
    assert answered.status is Status.RESPONDED
    found = ai.deps.contacts.contact(followup.contact_id)
    assert found is not None
    assert found.item.last_inbound_at == ai.clock.now().replace(microsecond=0)


def test_a_stop_sign_reaction_opts_out_without_claude(ai: LocalEngine, fake: FakeAnthropic) -> None:
    # Given the workspace reading replies with Claude, and a follow-up sent to the lead
    followup = sent_followup(ai, LEAD)
    # When the lead reacts to it with a stop sign
    react(ai, "\U0001f6d1", followup, "wamid.REACT2")
    # Then they are opted out, as a lone stop sign written does, and Claude is not asked
    found = ai.deps.contacts.contact(followup.contact_id)
    assert found is not None
    assert found.item.opted_out
    answered = ai.deps.followups.followup(followup.id)
    assert answered is not None
    assert answered.status is Status.OPTED_OUT
    assert fake.requests == []
