"""AI-written follow-ups through the sender on the local engine, with the real Anthropic SDK
against the fake Anthropic server: what is sent, what falls back, what is recorded, and
what a retried send reuses and adds up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import FollowUp, Status
from followup.domain.rule import Step
from followup.domain.settings import AiSettings
from followup.services import send
from followup.services.messaging_limit import cleared
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import DEFAULT_TEXT, LABEL, FakeAnthropic
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.sender import send_batch

KEY = "sk-ant-local-test"
BUDGET = 60.0
"""Seconds the writer may take in these tests: the first call imports the SDK, and on a busy
machine that alone can pass the 3 s default, which would make the text fall back."""
HOUR = timedelta(hours=1)
STATIC_TEXT = "Hi {first_name|there}, still thinking about applying?"
STATIC_HIGHLIGHT = "Seats are limited this intake."
AI_TEXT = LABEL + DEFAULT_TEXT


def ai_step(**changes: Any) -> dict[str, Any]:
    step: dict[str, Any] = {
        "wait": {"amount": 0, "unit": "minutes"},
        "text": STATIC_TEXT,
        "template": {
            "name": "apply_reminder",
            "language": "en",
            "params": [
                {"field": "first_name", "default": "there"},
                {"text": STATIC_HIGHLIGHT, "ai": True},
            ],
        },
        "ai": {"instructions": "Ask kindly whether they still want to apply for the MBA."},
    }
    step.update(changes)
    return step


@pytest.fixture
def ai(engine: LocalEngine, fake: FakeAnthropic) -> LocalEngine:
    """The engine writing with Claude (the fake), in an English-speaking workspace."""
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


def sent_bodies(engine: LocalEngine) -> list[dict[str, Any]]:
    return [request.body for request in engine.sandbox.sent() if request.body is not None]


def test_inside_the_window_the_ai_text_is_sent_and_its_cost_recorded(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    lead = quiet_contact(ai.deps, "6281100000101", ai.clock.now() - 3 * HOUR)
    ai.deps.rules.save_rule(
        rule(
            trigger={"stages": ["new"], "idle": {"amount": 2, "unit": "hours"}},
            steps=[ai_step()],
        )
    )
    ai.sandbox.record_inbound(lead.wa_id or "", ai.clock.now() - 3 * HOUR)
    ai.tick()
    [body] = sent_bodies(ai)
    assert body["type"] == "text"
    assert body["text"]["body"] == AI_TEXT
    followup = only_followup(ai, lead.id)
    assert followup.status is Status.SENT
    assert followup.rendered is not None
    assert followup.rendered.text == AI_TEXT
    assert followup.ai is not None
    assert followup.ai.used
    assert followup.ai.fallback_reason is None
    assert followup.ai.input_tokens > 0
    assert followup.ai.output_tokens > 0
    assert followup.ai.cost_usd > 0
    # The model read the step's instructions and the contact's name, never the number
    [request] = fake.requests
    assert request.body is not None
    prompt = str(request.body)
    assert "still want to apply for the MBA" in prompt
    assert "Rudi" in prompt
    assert "6281100000101" not in prompt


def test_outside_the_window_the_ai_writes_only_the_template_highlight(ai: LocalEngine) -> None:
    lead = quiet_contact(ai.deps, "6281100000102", ai.clock.now() - 25 * HOUR)
    ai.tick()
    [body] = sent_bodies(ai)
    assert body["type"] == "template"
    parameters = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert parameters == ["Rudi", AI_TEXT]
    followup = only_followup(ai, lead.id)
    assert followup.ai is not None
    assert followup.ai.used


@pytest.mark.parametrize(
    ("status", "reason"), [(429, "rate_limited"), (529, "overloaded"), (500, "server_error")]
)
def test_an_anthropic_error_sends_the_static_text_and_records_why(
    ai: LocalEngine, fake: FakeAnthropic, status: int, reason: str
) -> None:
    lead = quiet_contact(ai.deps, "6281100000103", ai.clock.now() - 3 * HOUR)
    ai.deps.rules.save_rule(
        rule(
            trigger={"stages": ["new"], "idle": {"amount": 2, "unit": "hours"}},
            steps=[ai_step()],
        )
    )
    ai.sandbox.record_inbound(lead.wa_id or "", ai.clock.now() - 3 * HOUR)
    fake.fail_next(status)
    ai.tick()
    [body] = sent_bodies(ai)
    assert body["text"]["body"] == "Hi Rudi, still thinking about applying?"
    followup = only_followup(ai, lead.id)
    assert followup.status is Status.SENT
    assert followup.ai is not None
    assert not followup.ai.used
    assert followup.ai.fallback_reason == reason


def test_a_slow_answer_sends_the_static_template_parameter(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    ai.deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=0.2)
    fake.latency = 1.0
    lead = quiet_contact(ai.deps, "6281100000104", ai.clock.now() - 25 * HOUR)
    ai.tick()
    [body] = sent_bodies(ai)
    parameters = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert parameters == ["Rudi", STATIC_HIGHLIGHT]
    followup = only_followup(ai, lead.id)
    assert followup.status is Status.SENT
    assert followup.ai is not None
    assert followup.ai.fallback_reason == "timeout"


def test_a_text_failing_a_guardrail_is_not_sent(ai: LocalEngine, fake: FakeAnthropic) -> None:
    fake.reply_next("Apply now at https://cheap-mba.example.com before Friday!")
    lead = quiet_contact(ai.deps, "6281100000105", ai.clock.now() - 25 * HOUR)
    ai.tick()
    [body] = sent_bodies(ai)
    parameters = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert parameters == ["Rudi", STATIC_HIGHLIGHT]
    followup = only_followup(ai, lead.id)
    assert followup.status is Status.SENT
    assert followup.ai is not None
    assert followup.ai.fallback_reason == "guardrail"
    assert followup.ai.guardrail == "url"
    assert followup.ai.cost_usd > 0  # the tokens were spent all the same


def test_with_ai_switched_off_no_request_reaches_anthropic(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    settings = ai.deps.rules.settings()
    ai.deps.rules.save_settings(settings.model_copy(update={"ai": AiSettings(enabled=False)}))
    ai.deps.catalog.invalidate()
    lead = quiet_contact(ai.deps, "6281100000106", ai.clock.now() - 25 * HOUR)
    ai.tick()
    [body] = sent_bodies(ai)
    parameters = [p["text"] for p in body["template"]["components"][0]["parameters"]]
    assert parameters == ["Rudi", STATIC_HIGHLIGHT]
    assert fake.requests == []
    followup = only_followup(ai, lead.id)
    assert followup.ai is not None
    assert followup.ai.fallback_reason == "ai_disabled"


def test_without_a_writer_the_static_text_goes_for_want_of_a_key(ai: LocalEngine) -> None:
    ai.deps.writer = None
    lead = quiet_contact(ai.deps, "6281100000107", ai.clock.now() - 25 * HOUR)
    ai.tick()
    followup = only_followup(ai, lead.id)
    assert followup.status is Status.SENT
    assert followup.ai is not None
    assert followup.ai.fallback_reason == "no_api_key"


def test_the_same_ai_text_is_never_sent_twice_to_one_contact(ai: LocalEngine) -> None:
    # Given a two-step rule (a day apart) and the fake writing the same text every time
    ai.deps.rules.save_rule(rule(steps=[ai_step(), ai_step(wait={"amount": 1, "unit": "days"})]))
    lead = quiet_contact(ai.deps, "6281100000108", ai.clock.now() - 25 * HOUR)
    ai.tick()
    ai.ticks(30, every=HOUR)
    first, second = sorted(ai.deps.followups.followups_of(lead.id), key=lambda f: f.step_index)
    assert first.ai is not None
    assert first.ai.used
    assert second.status is Status.SENT
    assert second.ai is not None
    assert second.ai.fallback_reason == "guardrail"
    assert second.ai.guardrail == "duplicate"
    highlights = [
        body["template"]["components"][0]["parameters"][1]["text"] for body in sent_bodies(ai)
    ]
    assert highlights == [AI_TEXT, STATIC_HIGHLIGHT]


def test_an_ai_step_needs_a_place_for_the_text() -> None:
    with pytest.raises(ValidationError, match="ai: true"):
        Step.model_validate(
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "template": {"name": "apply_reminder", "language": "en"},
                "ai": {"instructions": "Say hello."},
            }
        )
    with pytest.raises(ValidationError, match="instructions"):
        Step.model_validate(ai_step(ai={"instructions": ""}))


def test_a_sample_writes_what_the_step_would_say_without_sending(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    lead = quiet_contact(ai.deps, "6281100000109", ai.clock.now() - 25 * HOUR)
    path = "/api/rules/apply-remind-24h/steps/0/sample"
    status, answer = call(ai, "POST", path, {"contact_id": lead.id}, role="marketing")
    assert status == 200
    assert answer["message"]["kind"] == "template"
    assert answer["message"]["params"] == ["Rudi", AI_TEXT]
    assert answer["ai"]["used"] is True
    assert answer["ai"]["cost_usd"] > 0
    assert len(fake.requests) == 1
    assert ai.sandbox.sent() == []
    assert ai.deps.followups.followups_of(lead.id) == []


def test_a_sample_names_what_it_cannot_find(ai: LocalEngine) -> None:
    lead = quiet_contact(ai.deps, "6281100000110", ai.clock.now() - 25 * HOUR)
    known = {"contact_id": lead.id}
    status, _ = call(ai, "POST", "/api/rules/no-such-rule/steps/0/sample", known)
    assert status == 404
    status, _ = call(
        ai, "POST", "/api/rules/apply-remind-24h/steps/0/sample", {"contact_id": "nobody"}
    )
    assert status == 404
    for step in ("1", "x", "-1"):
        status, answer = call(ai, "POST", f"/api/rules/apply-remind-24h/steps/{step}/sample", known)
        assert (status, answer["error"]["details"][0]["field"]) == (422, "step")


def test_the_sender_reports_what_ai_messages_cost(ai: LocalEngine, fake: FakeAnthropic) -> None:
    quiet_contact(ai.deps, "6281100000111", ai.clock.now() - 25 * HOUR)
    quiet_contact(ai.deps, "6281100000112", ai.clock.now() - 25 * HOUR)
    ai.scheduled("enqueue")
    ai.scheduled("dispatch")
    fake.fail_next(429)
    metrics = send_batch(ai)
    assert metrics["send_sent"] == 2
    assert (metrics["ai_used"], metrics["ai_fallback"]) == (1, 1)
    assert metrics["ai_cost_usd"] > 0
    assert metrics["ai_input_tokens"] > 0
    assert metrics["ai_output_tokens"] > 0


# --- a send retried after a provider error reuses the AI text already written for it,
# and what every call cost adds up on the follow-up and in the stats, never overwritten

BACKOFF = timedelta(minutes=1)


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
    [row] = stats["rules"]
    return row["ai_messages"], row["ai_cost_usd"]


def retried_once(engine: LocalEngine, wa_id: str) -> tuple[str, FollowUp]:
    """A lead whose first send WhatsApp refused with a retryable error: queued again."""
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=503)
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


# --- a send stopped by a failure after the AI wrote (the store throttled) reports the
# call it paid for, once, however many tries it takes to send that text


class StoreDown(Exception):
    """DynamoDB throttled past its retries."""


@pytest.mark.parametrize("interruptions", [1, 2])
def test_a_call_paid_for_by_an_interrupted_send_is_reported_once(
    ai: LocalEngine, fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch, interruptions: int
) -> None:
    # Given a follow-up on the send queue, and the store failing `interruptions` sends in a
    # row after the AI wrote and before the hand-over
    lead = quiet_contact(ai.deps, "6281100000603", ai.clock.now() - 25 * HOUR)
    ai.scheduled("enqueue")
    ai.scheduled("dispatch")
    failed: list[int] = []

    def cleared_after_failures(*args: Any, **kwargs: Any) -> Any:
        if len(failed) < interruptions:
            failed.append(1)
            raise StoreDown("cleared")
        return cleared(*args, **kwargs)

    monkeypatch.setattr(send, "cleared", cleared_after_failures)
    # When the sender takes it, and the send queue brings each failed record back
    published = [send_batch(ai, failing=True)]
    for left in reversed(range(interruptions)):
        ai.deps.queue.enqueue([only_followup(ai, lead.id).id])
        published.append(send_batch(ai, failing=left > 0))
    # Then the text written goes, the AI asked once, and that call is published once
    assert published[-1]["send_sent"] == 1
    assert len(fake.requests) == 1
    sent = only_followup(ai, lead.id)
    assert sent.status is Status.SENT
    assert sent.ai is not None
    assert sum(m.get("ai_cost_usd", 0) for m in published) == pytest.approx(sent.ai.cost_usd)
    assert sum(m.get("ai_input_tokens", 0) for m in published) == sent.ai.input_tokens
    assert sum(m.get("ai_output_tokens", 0) for m in published) == sent.ai.output_tokens
    assert sum(m.get("ai_used", 0) for m in published) == 1


def test_a_text_written_inside_the_window_and_retried_after_it_is_not_shown_as_sent(
    ai: LocalEngine, fake: FakeAnthropic
) -> None:
    # Given a step whose template has no place for the AI, and a lead whose window closes
    # in twenty seconds
    template = {"name": "apply_reminder", "language": "en", "params": [{"field": "first_name"}]}
    soon = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    ai.deps.rules.save_rule(rule(trigger=soon, steps=[ai_step(template=template)]))
    wrote = ai.clock.now() - timedelta(hours=23, minutes=59, seconds=40)
    lead = quiet_contact(ai.deps, "6281100000611", wrote)
    ai.sandbox.record_inbound("6281100000611", wrote)
    # When the AI writes the free text, WhatsApp answers 503, and the retry comes after
    # the window closed
    ai.sandbox.fail_next(status=503)
    ai.tick()
    first = only_followup(ai, lead.id)
    assert first.ai is not None
    assert (first.status, first.ai.text) == (Status.QUEUED, AI_TEXT)
    for _ in range(6):
        ai.clock.advance(timedelta(minutes=5))
        ai.tick()
    # Then the step's template went, and the record says the written text did not
    sent = only_followup(ai, lead.id)
    assert sent.status is Status.SENT
    assert [body["type"] for body in sent_bodies(ai)] == ["template"]
    assert sent.ai is not None
    assert (sent.ai.used, sent.ai.fallback_reason, sent.ai.text) == (False, "window_closed", None)
    assert sent.ai.cost_usd == first.ai.cost_usd
    assert len(fake.requests) == 1
