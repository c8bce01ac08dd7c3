"""The Claude writer through the real Anthropic SDK against the fake server on 127.0.0.1."""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import AiRequest, AiText, AiUnavailable, Pricing, Unavailable
from followup.domain.ai_prompt import SYSTEM_PROMPT, build_request, context_for
from followup.domain.contact import Contact, Speaker
from followup.domain.conversation import Direction, Message
from followup.wiring.ai import writer
from followup.wiring.config import Config
from followup_local.fake_anthropic import LABEL, FakeAnthropic

KEY = "sk-ant-local-test"
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SECRET_LINE = "my mother's maiden name is Wulandari"


def _writer(fake: FakeAnthropic, **kw: object) -> ClaudeWriter:
    return ClaudeWriter(KEY, "claude-haiku-5-5", base_url=fake.base_url, **kw)  # type: ignore[arg-type]


def _request(instructions: str = "Remind them the intake closes Friday.") -> AiRequest:
    contact = Contact(
        id="c-1",
        wa_id="6281234567890",
        name="Budi Santoso",
        stage="registered",
        created_at=NOW,
        attributes={"program": "MBA"},
    )
    messages = [
        Message(
            id="m-1",
            contact_id="c-1",
            at=NOW,
            direction=Direction.INBOUND,
            speaker=Speaker.CONTACT,
            text=f"ok, {SECRET_LINE}",
        ),
    ]
    context = context_for(
        contact, messages, language="id", tone="friendly", rule_purpose="registered, not paid"
    )
    return build_request(context, instructions, max_chars=300)


def test_a_written_text_comes_with_its_usage_and_cost(fake: FakeAnthropic) -> None:
    result = _writer(fake).write(_request())
    assert isinstance(result, AiText)
    assert result.text.startswith(LABEL)
    assert result.model == "claude-haiku-5-5"
    usage = result.usage
    assert usage.input_tokens > 0
    assert usage.output_tokens > 0
    assert usage.cache_creation_input_tokens > 0
    assert usage.cache_read_input_tokens == 0
    expected = (
        usage.input_tokens * 0.10
        + usage.cache_creation_input_tokens * 0.10 * 1.25
        + usage.output_tokens * 0.50
    ) / 1_000_000
    assert usage.cost_usd == pytest.approx(expected)


def test_the_stable_prompt_and_instructions_are_sent_for_caching(fake: FakeAnthropic) -> None:
    writer_ = _writer(fake)
    first = writer_.write(_request())
    second = writer_.write(_request())
    body = fake.requests[0].body
    assert body is not None
    assert body["system"][0] == {
        "type": "text",
        "text": SYSTEM_PROMPT,
        "cache_control": {"type": "ephemeral"},
    }
    assert body["system"][1]["cache_control"] == {"type": "ephemeral"}
    assert "Remind them the intake closes Friday." in body["system"][1]["text"]
    assert not {"temperature", "top_p", "top_k"} & body.keys()
    assert isinstance(first, AiText)
    assert isinstance(second, AiText)
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0
    assert second.usage.cost_usd < first.usage.cost_usd


def test_the_key_and_api_version_reach_the_server(fake: FakeAnthropic) -> None:
    assert isinstance(_writer(fake).write(_request()), AiText)
    headers = fake.requests[0].headers
    assert KEY in (headers.get("x-api-key", "") + headers.get("authorization", ""))
    assert headers["anthropic-version"]


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (429, Unavailable.RATE_LIMITED),
        (529, Unavailable.OVERLOADED),
        (500, Unavailable.SERVER_ERROR),
        (503, Unavailable.SERVER_ERROR),
        (400, Unavailable.REJECTED),
    ],
)
def test_provider_errors_become_unavailable_with_a_reason(
    fake: FakeAnthropic, status: int, reason: Unavailable
) -> None:
    fake.fail_next(status)
    result = _writer(fake).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is reason
    assert str(result).startswith(f"AI unavailable, because {reason.value}")
    assert len(fake.requests) == 1  # no retry past the budget


def test_one_retry_within_the_budget_recovers_from_an_overload(fake: FakeAnthropic) -> None:
    fake.fail_next(529)
    result = _writer(fake, max_retries=1).write(_request())
    assert isinstance(result, AiText)
    assert [request.status for request in fake.requests] == [529, 200]


def test_a_slow_answer_is_a_timeout(fake: FakeAnthropic) -> None:
    fake.latency = 1.0
    result = _writer(fake, budget_seconds=0.2).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.TIMEOUT


def test_an_answer_after_the_budget_is_not_used(fake: FakeAnthropic) -> None:
    ticks = itertools.count(step=5.0)  # every reading of the clock is 5 s later
    result = _writer(fake, monotonic=lambda: next(ticks)).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.OVER_BUDGET
    assert result.usage is not None
    assert result.usage.output_tokens > 0


def _cold(fake: FakeAnthropic) -> ClaudeWriter:
    """A writer whose clock shows 5 s pass at each reading while the SDK's client is being
    made (a busy container loading the package), and none once it exists."""
    loading = itertools.count(step=5)

    def clock() -> float:
        return 1000.0 if made._client is not None else float(next(loading))

    made = _writer(fake, monotonic=clock)
    return made


def test_loading_the_sdk_on_a_cold_start_does_not_count_against_the_budget(
    fake: FakeAnthropic,
) -> None:
    # When cold writers write and classify for the first time, and Claude answers at once
    written = _cold(fake).write(_request())
    read = _cold(fake).classify("besok jam 10", NOW)
    # Then both answers are used: the budget is for the API's answer, not the loading
    assert not isinstance(written, AiUnavailable)
    assert not isinstance(read, AiUnavailable)


def test_without_a_key_nothing_is_called(fake: FakeAnthropic) -> None:
    result = ClaudeWriter("", "claude-haiku-5-5", base_url=fake.base_url).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.NO_API_KEY
    assert fake.requests == []


def test_a_wrong_key_is_rejected_not_raised(fake: FakeAnthropic) -> None:
    result = ClaudeWriter("sk-wrong", "claude-haiku-5-5", base_url=fake.base_url).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.REJECTED


def test_no_server_at_all_is_a_connection_failure() -> None:
    with FakeAnthropic(KEY) as server:
        url = server.base_url
    result = ClaudeWriter(KEY, "claude-haiku-5-5", base_url=url).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason in (Unavailable.CONNECTION, Unavailable.TIMEOUT)


@pytest.mark.parametrize(
    ("text", "stop_reason"),
    [("", "end_turn"), ("Halo Budi, kelas", "max_tokens"), ("", "refusal")],
)
def test_an_empty_cut_or_refused_answer_is_invalid(
    fake: FakeAnthropic, text: str, stop_reason: str
) -> None:
    fake.reply_next(text, stop_reason)
    result = _writer(fake).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.INVALID_ANSWER
    assert result.usage is not None


def test_message_contents_are_not_logged_at_info(
    fake: FakeAnthropic, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="followup")  # whatever level a handler gave it
    fake.fail_next(429)
    _writer(fake).write(_request())
    _writer(fake).write(_request())
    logged = " ".join(f"{record.getMessage()} {record.__dict__}" for record in caplog.records)
    assert "AI text answered" in logged
    assert "rate_limited" in logged
    assert SECRET_LINE not in logged
    assert "Budi" not in logged
    assert "intake closes" not in logged


def test_the_configured_model_budget_and_prices_are_used(
    fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    monkeypatch.setenv("ANTHROPIC_MODEL", "claude-sonnet-5-5")
    monkeypatch.setenv("ANTHROPIC_INPUT_USD_PER_MILLION", "1.0")
    config = Config()
    assert config.anthropic_timeout_seconds == 3.0
    result = writer(config).write(_request())
    assert isinstance(result, AiUnavailable)  # the fake serves only claude-haiku-5-5
    assert result.reason is Unavailable.REJECTED
    body = fake.requests[0].body
    assert body is not None
    assert body["model"] == "claude-sonnet-5-5"
    assert KEY not in repr(config)


def test_the_default_model_and_pricing_are_haiku_5_5(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ANTHROPIC_MODEL", "ANTHROPIC_TIMEOUT_SECONDS", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = Config()
    assert config.anthropic_model == "claude-haiku-5-5"
    assert (config.anthropic_input_usd_per_million, config.anthropic_output_usd_per_million) == (
        Pricing().input_per_million,
        Pricing().output_per_million,
    )
    result = writer(config).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.NO_API_KEY


@pytest.mark.parametrize(
    "data",
    [
        b"not json",
        b'{"unexpected": true}',
        b'{"id": "m", "type": "message", "role": "assistant", "model": "claude-haiku-5-5",'
        b' "content": [{"type": "text", "text": "hi"}], "stop_reason": "end_turn",'
        b' "stop_sequence": null}',
    ],
)
def test_a_malformed_answer_is_invalid_not_a_crash(fake: FakeAnthropic, data: bytes) -> None:
    fake.malformed_next(data)
    result = _writer(fake).write(_request())
    assert isinstance(result, AiUnavailable)
    assert result.reason is Unavailable.INVALID_ANSWER
