"""The AI writer of a test engine: the real Anthropic client against the fake Messages API."""

from __future__ import annotations

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.settings import AiSettings
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine

KEY = "sk-ant-local-test"


def writing_in_english(engine: MemoryEngine, fake: FakeAnthropic) -> None:
    """The engine's AI steps written through `fake`, in English."""
    deps = engine.deps
    deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60)
    deps.rules.save_settings(
        deps.rules.settings().model_copy(update={"ai": AiSettings(language="en")})
    )
    deps.catalog.invalidate()
