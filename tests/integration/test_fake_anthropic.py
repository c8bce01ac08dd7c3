"""The fake Anthropic server refuses what the real API would, through the real SDK."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from followup_local.fake_anthropic import LABEL, FakeAnthropic, estimate_tokens

KEY = "sk-ant-fake"
CACHED = {"type": "ephemeral"}


@pytest.fixture
def client() -> Iterator[tuple[FakeAnthropic, anthropic.Anthropic]]:
    with FakeAnthropic(KEY) as server:
        yield server, anthropic.Anthropic(api_key=KEY, base_url=server.base_url, max_retries=0)


def _create(client: anthropic.Anthropic, **overrides: Any) -> anthropic.types.Message:
    arguments: dict[str, Any] = {
        "model": "claude-haiku-5-5",
        "max_tokens": 100,
        "system": [{"type": "text", "text": "Stable prompt.", "cache_control": CACHED}],
        "messages": [{"role": "user", "content": "Context."}],
    }
    answer: anthropic.types.Message = client.messages.create(**{**arguments, **overrides})
    return answer


def test_an_answer_has_the_real_shape_and_estimated_usage(
    client: tuple[FakeAnthropic, anthropic.Anthropic],
) -> None:
    _, sdk = client
    message = _create(sdk)
    assert message.id.startswith("msg_")
    assert (message.type, message.role, message.model) == (
        "message",
        "assistant",
        "claude-haiku-5-5",
    )
    assert message.stop_reason == "end_turn"
    assert message.stop_sequence is None
    block = message.content[0]
    assert block.type == "text"
    assert block.text.startswith(LABEL)
    assert message.usage.cache_creation_input_tokens == estimate_tokens("Stable prompt.")
    assert message.usage.input_tokens == estimate_tokens("Context.")
    assert message.usage.output_tokens == estimate_tokens(block.text)


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"system": [{"type": "text", "text": "Stable prompt."}]}, "system.0.cache_control"),
        ({"system": "Stable prompt."}, "list of text blocks"),
        ({"extra_body": {"temperature": 0.2}}, "temperature"),
        ({"messages": [{"role": "assistant", "content": "Hi"}]}, "first message"),
        ({"messages": []}, "at least one message"),
        ({"tools": [{"name": "lookup"}]}, "input_schema"),
        ({"extra_body": {"output_config": {"format": {"type": "json_schema"}}}}, "schema object"),
    ],
)
def test_a_request_the_adapter_must_not_send_is_refused(
    client: tuple[FakeAnthropic, anthropic.Anthropic], overrides: dict[str, Any], problem: str
) -> None:
    _, sdk = client
    with pytest.raises(anthropic.BadRequestError, match=problem):
        _create(sdk, **overrides)


def test_an_unknown_model_is_not_found(client: tuple[FakeAnthropic, anthropic.Anthropic]) -> None:
    _, sdk = client
    with pytest.raises(anthropic.NotFoundError):
        _create(sdk, model="claude-unknown-1")


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, anthropic.RateLimitError),
        (529, anthropic.OverloadedError),
        (500, anthropic.InternalServerError),
    ],
)
def test_injected_failures_reach_the_sdk_as_its_typed_errors(
    client: tuple[FakeAnthropic, anthropic.Anthropic], status: int, error: type[Exception]
) -> None:
    server, sdk = client
    server.fail_next(status)
    with pytest.raises(error):
        _create(sdk)
    assert isinstance(_create(sdk), anthropic.types.Message)


def test_a_text_longer_than_max_tokens_is_cut(
    client: tuple[FakeAnthropic, anthropic.Anthropic],
) -> None:
    server, sdk = client
    server.reply_next("word " * 100)
    message = _create(sdk, max_tokens=10)
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens <= 10
