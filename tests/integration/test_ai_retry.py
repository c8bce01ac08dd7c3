"""A send retried after a provider error reuses the AI text already written for it, and
what every call cost adds up on the follow-up and in the stats, never overwritten."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import FollowUp, Status
from followup.domain.settings import AiSettings
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import FakeAnthropic
from tests.integration.test_ai_send import AI_TEXT, BUDGET, KEY, STATIC_HIGHLIGHT, ai_step
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.sender import send_batch

HOUR = timedelta(hours=1)
BACKOFF = timedelta(minutes=1)


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic(KEY) as server:
        yield server


@pytest.fixture
def ai(engine: LocalEngine, fake: FakeAnthropic) -> LocalEngine:
    """The engine writing the template's highlight with Claude (the fake)."""
    engine.deps.writer = ClaudeWriter(
        KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=BUDGET
    )
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"ai": AiSettings(language="en")}))
    engine.deps.catalog.invalidate()
    engine.deps.rules.save_rule(rule(steps=[ai_step()]))
    return engine


def only_followup(engine: LocalEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def highlights(engine: LocalEngine) -> list[Any]:
    """The AI parameter of every template WhatsApp was asked to send, refused or not."""
    return [
        request.body["template"]["components"][0]["parameters"][1]["text"]
        for request in engine.sandbox.requests
        if request.body is not None
    ]


def ai_cost_in_stats(engine: LocalEngine) -> tuple[int, float]:
    status, stats = call(engine, "GET", "/api/stats")
    assert status == 200
    row = next(r for r in stats["rules"] if r["rule_id"] != "all")
    return row["ai_messages"], row["ai_cost_usd"]


def retried_once(engine: LocalEngine, wa_id: str) -> tuple[str, FollowUp]:
    """A lead whose first send WhatsApp refused with a retryable error: queued again."""
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=429, code=130429)
    engine.tick()
    first = only_followup(engine, lead.id)
    assert (first.status, first.attempt) == (Status.QUEUED, 1)
    assert first.ai is not None
    assert first.ai.cost_usd > 0
    return lead.id, first


def test_a_retried_send_reuses_the_written_text_without_asking_again(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    contact_id, first = retried_once(ai, "6281100000601")
    assert first.ai is not None
    # When the backoff has passed and the sender tries again
    ai.clock.advance(BACKOFF)
    ai.delays.release_due()
    metrics = send_batch(ai)
    # Then the same text goes, written by one call only, whose cost is counted once
    assert metrics["send_sent"] == 1
    assert "ai_cost_usd" not in metrics  # this attempt spent nothing
    assert len(fake.requests) == 1
    assert highlights(ai) == [AI_TEXT, AI_TEXT]
    sent = only_followup(ai, contact_id)
    assert sent.status is Status.SENT
    assert sent.ai is not None
    assert sent.ai.used
    assert sent.ai.cost_usd == first.ai.cost_usd
    assert (sent.ai.input_tokens, sent.ai.output_tokens) == (
        first.ai.input_tokens,
        first.ai.output_tokens,
    )
    messages, cost = ai_cost_in_stats(ai)
    assert messages == 1
    assert cost == pytest.approx(first.ai.cost_usd, abs=1e-6)


def test_a_second_call_on_a_retry_adds_its_cost_to_the_first(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    # Given a first text refused by a guardrail (none kept), then a refused send
    fake.reply_next("Apply now at https://cheap-mba.example.com before Friday!")
    contact_id, first = retried_once(ai, "6281100000602")
    assert first.ai is not None
    assert first.ai.guardrail == "url"
    # When the retry asks the AI again and its text passes
    ai.clock.advance(BACKOFF)
    ai.delays.release_due()
    second = send_batch(ai)
    assert second["send_sent"] == 1
    # Then both calls' tokens and cost are on the follow-up and in the stats
    assert len(fake.requests) == 2
    assert highlights(ai) == [STATIC_HIGHLIGHT, AI_TEXT]
    sent = only_followup(ai, contact_id)
    assert sent.status is Status.SENT
    assert sent.ai is not None
    assert (sent.ai.used, sent.ai.guardrail) == (True, None)
    assert sent.ai.cost_usd == pytest.approx(first.ai.cost_usd + second["ai_cost_usd"])
    assert sent.ai.input_tokens == first.ai.input_tokens + second["ai_input_tokens"]
    assert sent.ai.output_tokens == first.ai.output_tokens + second["ai_output_tokens"]
    assert sent.ai.cached_tokens == first.ai.cached_tokens + second["ai_cached_tokens"]
    messages, cost = ai_cost_in_stats(ai)
    assert messages == 1
    assert cost == pytest.approx(sent.ai.cost_usd, abs=1e-6)
