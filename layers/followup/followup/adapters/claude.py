"""Claude (Anthropic Messages API) behind the Writer port: a text, or why there is none.

The SDK costs about a second to import, so it is imported on the first call, never when
a handler module loads. Every Anthropic failure becomes `AiUnavailable`; message contents
are never logged (and the SDK's OpenTelemetry spans are turned off, so none go there).
No sampling parameters are sent: the SDK's Messages API takes none for these models.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from followup.domain.ai import (
    AiRequest,
    AiResult,
    AiText,
    AiUnavailable,
    Pricing,
    Unavailable,
    Usage,
)
from followup.domain.ai_classify import (
    CLASSIFY_PROMPT,
    TOOL_NAME,
    TOOL_SCHEMA,
    AiReading,
    checked,
    user_prompt,
)
from followup.domain.ai_prompt import render
from followup.loading import loading

if TYPE_CHECKING:
    from anthropic import Anthropic, APIStatusError
    from anthropic.types import CacheControlEphemeralParam, Message

log = logging.getLogger(__name__)

_CACHED: CacheControlEphemeralParam = {"type": "ephemeral"}
# Tokens allowed per requested character: generous, so a text is not cut mid-sentence.
_TOKENS_PER_CHAR = 0.5
_MIN_TOKENS = 64
_CLASSIFY_TOKENS = 200  # one small tool call


class ClaudeWriter:
    """Writes one follow-up per call through the Anthropic SDK, within a time budget."""

    def __init__(
        self,
        api_key: str,
        model: str,
        *,
        budget_seconds: float = 3.0,
        max_retries: int = 0,
        base_url: str | None = None,
        pricing: Pricing | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._api_key, self._model, self._base_url = api_key, model, base_url
        self._budget, self._max_retries = budget_seconds, max_retries
        self._pricing = pricing or Pricing()
        self._monotonic = monotonic
        self._client: Anthropic | None = None

    def write(self, request: AiRequest) -> AiResult:
        """The text Claude wrote for `request`, or AiUnavailable with the reason."""
        if not self._api_key:
            return self._unavailable(Unavailable.NO_API_KEY, "ANTHROPIC_API_KEY is not set")
        prompt = render(request)
        self._sdk()  # loading the SDK (a second, cold) is not the API's answer time
        started = self._monotonic()
        message = self._create(
            max_tokens=max(_MIN_TOKENS, int(request.max_chars * _TOKENS_PER_CHAR)),
            system=[
                {"type": "text", "text": prompt.system, "cache_control": _CACHED},
                {"type": "text", "text": prompt.instructions, "cache_control": _CACHED},
            ],
            messages=[{"role": "user", "content": prompt.context}],
        )
        if isinstance(message, AiUnavailable):
            return message
        return self._result(message, self._monotonic() - started)

    def classify(self, text: str, now_local: datetime) -> AiReading | AiUnavailable:
        """What Claude reads in one reply (a `classify_reply` tool call, checked), or why not."""
        if not self._api_key:
            return self._unavailable(Unavailable.NO_API_KEY, "ANTHROPIC_API_KEY is not set")
        self._sdk()  # loading the SDK (a second, cold) is not the API's answer time
        started = self._monotonic()
        message = self._create(
            max_tokens=_CLASSIFY_TOKENS,
            system=[{"type": "text", "text": CLASSIFY_PROMPT, "cache_control": _CACHED}],
            messages=[{"role": "user", "content": user_prompt(text, now_local)}],
            tools=[
                {
                    "name": TOOL_NAME,
                    "description": "Record what the reply means.",
                    "input_schema": TOOL_SCHEMA,
                }
            ],
            tool_choice={"type": "tool", "name": TOOL_NAME},
        )
        if isinstance(message, AiUnavailable):
            return message
        usage = self._usage(message)
        elapsed = self._monotonic() - started
        if elapsed > self._budget:
            detail = f"answered after {elapsed:.1f} s, budget {self._budget} s"
            return self._unavailable(Unavailable.OVER_BUDGET, detail, usage)
        calls = [b for b in message.content if b.type == "tool_use" and b.name == TOOL_NAME]
        if not calls:
            return self._unavailable(Unavailable.INVALID_ANSWER, "no tool call", usage)
        answer = checked(calls[0].input)
        if isinstance(answer, str):
            return self._unavailable(Unavailable.INVALID_ANSWER, answer, usage)
        log.info(
            "AI reading answered",
            extra={"model": message.model, "intent": answer.intent, "cost_usd": usage.cost_usd},
        )
        return AiReading(answer, message.model, usage)

    def _create(self, **params: Any) -> Message | AiUnavailable:
        """One Messages API call; every Anthropic failure becomes AiUnavailable."""
        with loading():
            import anthropic

        try:
            message: Message = self._sdk().messages.create(model=self._model, **params)
        except anthropic.APITimeoutError:
            return self._unavailable(Unavailable.TIMEOUT, f"no answer within {self._budget} s")
        except anthropic.APIConnectionError as exc:
            return self._unavailable(Unavailable.CONNECTION, type(exc).__name__)
        except anthropic.RateLimitError as exc:
            return self._unavailable(Unavailable.RATE_LIMITED, _status(exc))
        except anthropic.OverloadedError as exc:
            return self._unavailable(Unavailable.OVERLOADED, _status(exc))
        except anthropic.InternalServerError as exc:
            return self._unavailable(Unavailable.SERVER_ERROR, _status(exc))
        except anthropic.APIStatusError as exc:
            return self._unavailable(Unavailable.REJECTED, _status(exc))
        except (anthropic.AnthropicError, ValueError) as exc:
            # A 200 whose body is not JSON (ValueError) or not a message (validation error).
            return self._unavailable(Unavailable.INVALID_ANSWER, type(exc).__name__)
        return message

    def _sdk(self) -> Anthropic:
        if self._client is None:
            with loading():
                from anthropic import Anthropic

                client = Anthropic(
                    api_key=self._api_key,
                    base_url=self._base_url,
                    timeout=self._budget,
                    max_retries=self._max_retries,
                    open_telemetry=False,
                    # Refuse an answer that is not a whole message instead of half-reading it.
                    _strict_response_validation=True,
                )
                client.messages  # noqa: B018 - the SDK loads its Messages API on first access
                self._client = client
        return self._client

    def _result(self, message: Message, elapsed: float) -> AiResult:
        usage = self._usage(message)
        log.info(
            "AI text answered",
            extra={
                "model": message.model,
                "stop_reason": message.stop_reason,
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cache_read_input_tokens": usage.cache_read_input_tokens,
                "cache_creation_input_tokens": usage.cache_creation_input_tokens,
                "cost_usd": usage.cost_usd,
            },
        )
        model = message.model
        if elapsed > self._budget:
            detail = f"answered after {elapsed:.1f} s, budget {self._budget} s"
            return self._unavailable(Unavailable.OVER_BUDGET, detail, usage, model)
        if message.stop_reason != "end_turn":
            detail = f"stopped with {message.stop_reason}"
            return self._unavailable(Unavailable.INVALID_ANSWER, detail, usage, model)
        text = _unquoted("".join(block.text for block in message.content if block.type == "text"))
        if not text:
            detail = "no text in the answer"
            return self._unavailable(Unavailable.INVALID_ANSWER, detail, usage, model)
        return AiText(text, model, usage)

    def _usage(self, message: Message) -> Usage:
        usage = message.usage
        return Usage.priced(
            self._pricing,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
            cache_read_input_tokens=usage.cache_read_input_tokens or 0,
        )

    def _unavailable(
        self, reason: Unavailable, detail: str, usage: Usage | None = None, model: str | None = None
    ) -> AiUnavailable:
        result = AiUnavailable(reason, detail, usage, model)
        log.info("AI text unavailable", extra={"reason": reason.value, "detail": detail})
        return result


_QUOTES = {'"': '"', "“": "”", "„": "“", "«": "»", "‘": "’"}


def _unquoted(text: str) -> str:
    """The answer without the pair of quotes a model may put around the whole message
    (`"Hi Rudi, ..."`): the lead reads the message, not a quotation of it. Kept as is when
    the closing quote also appears inside (`"Hi" and "bye"` is two quotations)."""
    text = text.strip()
    closing = _QUOTES.get(text[:1])
    inner = text[1:-1]
    if closing is None or len(text) < 2 or text[-1] != closing or closing in inner:
        return text
    return inner.strip()


def _status(exc: APIStatusError) -> str:
    return f"HTTP {exc.status_code}"
