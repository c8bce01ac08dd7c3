"""The AI writer of a test engine: the real Anthropic client against the fake Messages API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.contact import Contact
from followup.domain.settings import AiSettings
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

KEY = "sk-ant-local-test"


def writing_in_english(engine: MemoryEngine, fake: FakeAnthropic) -> None:
    """The engine's AI steps written through `fake`, in English."""
    deps = engine.deps
    deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60)
    deps.rules.save_settings(
        deps.rules.settings().model_copy(update={"ai": AiSettings(language="en")})
    )
    deps.catalog.invalidate()


def lead_quiet_before_an_ai_step(engine: MemoryEngine, wa_id: str, **step: Any) -> Contact:
    """An idle rule whose one step the model writes (its own text "Hi {first_name|there},
    still applying?", with `step`'s fields added), and a lead quiet for two hours since
    their last line: the next tick sends the step."""
    deps = engine.deps
    written = {
        "wait": {"amount": 0, "unit": "minutes"},
        "text": "Hi {first_name|there}, still applying?",
        "ai": {"instructions": "Ask kindly whether they still want to apply for the MBA."},
        **step,
    }
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    deps.rules.save_rule(rule(trigger=trigger, steps=[written]))
    then = engine.clock.now() - timedelta(hours=2)
    lead = quiet_contact(deps, wa_id, then)
    engine.sandbox.record_inbound(wa_id, then)
    return lead
