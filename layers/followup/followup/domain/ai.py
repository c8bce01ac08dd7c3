"""AI-written messages: what is asked, what comes back, and what it cost.

A writer never raises for a provider problem: it returns `AiUnavailable` with the reason,
and the caller falls back to the step's static content.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from followup.domain.contact import Score, Speaker

DEFAULT_MODEL = "claude-haiku-5-5"


@dataclass(frozen=True)
class Pricing:
    """US dollars per million tokens, and the cache multipliers of the input price.

    Anthropic bills a cache write at 1.25× and a cache read at 0.1× the input price
    (5-minute cache); `input_tokens` in a response counts only the uncached part.
    Defaults: Claude Haiku 5.5 ($0.10 in, $0.50 out per million tokens, for prompts under
    100k tokens; a follow-up prompt is a few hundred).
    """

    input_per_million: float = 0.10
    output_per_million: float = 0.50
    cache_write_multiplier: float = 1.25
    cache_read_multiplier: float = 0.10

    def cost(
        self, input_tokens: int, output_tokens: int, cache_write_tokens: int, cache_read_tokens: int
    ) -> float:
        """The price of one call in US dollars."""
        weighted_input = (
            input_tokens
            + cache_write_tokens * self.cache_write_multiplier
            + cache_read_tokens * self.cache_read_multiplier
        )
        return (
            weighted_input * self.input_per_million + output_tokens * self.output_per_million
        ) / 1_000_000


@dataclass(frozen=True)
class Usage:
    """Tokens one call used, as the provider reported them, and their cost."""

    input_tokens: int
    output_tokens: int
    cache_creation_input_tokens: int
    cache_read_input_tokens: int
    cost_usd: float

    @classmethod
    def priced(
        cls,
        pricing: Pricing,
        *,
        input_tokens: int,
        output_tokens: int,
        cache_creation_input_tokens: int = 0,
        cache_read_input_tokens: int = 0,
    ) -> Usage:
        cost = pricing.cost(
            input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens
        )
        return cls(
            input_tokens,
            output_tokens,
            cache_creation_input_tokens,
            cache_read_input_tokens,
            cost,
        )


@dataclass(frozen=True)
class Line:
    """One line of the conversation as the model sees it: who spoke and what they said."""

    speaker: Speaker
    text: str


@dataclass(frozen=True)
class AiContext:
    """Everything about the contact the model may read. No ids, phone numbers or e-mails."""

    contact_name: str
    stage: str
    score: Score
    language: str
    tone: str
    rule_purpose: str
    attributes: dict[str, str] = field(default_factory=dict)
    deal_attributes: dict[str, str] = field(default_factory=dict)
    lines: tuple[Line, ...] = ()
    earlier_lines: int = 0  # lines older than `lines`, left out to keep the prompt small


@dataclass(frozen=True)
class AiRequest:
    """One message to write: the stable prompt (cached), the step's instructions, the context."""

    system_prompt: str
    instructions: str
    context: AiContext
    max_chars: int


class Unavailable(StrEnum):
    """Why no AI text came back; the caller sends the static content instead."""

    NO_API_KEY = "no_api_key"
    RATE_LIMITED = "rate_limited"
    OVERLOADED = "overloaded"
    SERVER_ERROR = "server_error"
    REJECTED = "rejected"  # the provider refused the request itself (4xx)
    TIMEOUT = "timeout"
    OVER_BUDGET = "over_budget"  # an answer came, but after the call's time budget
    CONNECTION = "connection"
    INVALID_ANSWER = "invalid_answer"


@dataclass(frozen=True)
class AiText:
    """A written message, with the model that wrote it and what it cost."""

    text: str
    model: str
    usage: Usage


@dataclass(frozen=True)
class AiUnavailable:
    """No text: `reason` says why; `usage` (and `model`, the one that answered) are set when
    tokens were spent all the same."""

    reason: Unavailable
    detail: str = ""
    usage: Usage | None = None
    model: str | None = None

    def __str__(self) -> str:
        return f"AI unavailable, because {self.reason.value}" + (
            f": {self.detail}" if self.detail else ""
        )


AiResult = AiText | AiUnavailable
