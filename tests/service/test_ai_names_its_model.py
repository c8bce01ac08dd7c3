"""Each AI-written follow-up names the model that answered, beside what its call cost: after
`ANTHROPIC_MODEL` changes, a marketer still reads each cost against the right prices.
Through the real Anthropic client against the fake Messages API, on the in-memory twin."""

from __future__ import annotations

import pytest

from followup.adapters.claude import ClaudeWriter
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, lead_quiet_before_an_ai_step, writing_in_english

WA_ID = "6281100000870"
MODEL = "claude-sonnet-5-5"


@pytest.mark.parametrize(
    ("answer", "stop_reason", "used"),
    [
        ("Hi Rudi, are you still thinking about applying for the MBA?", "end_turn", True),
        ("Hi Rudi, apply now at https://cheap-mba.example.com today!", "end_turn", False),
        ("Hi Rudi, are you still", "max_tokens", False),
    ],
    ids=["used", "refused", "cut"],
)
def test_the_followup_names_the_model_that_wrote_it(
    engine: MemoryEngine, answer: str, stop_reason: str, used: bool
) -> None:
    with FakeAnthropic(KEY, models=frozenset({MODEL})) as fake:
        # Given a workspace writing with another model than the default
        deps = engine.deps
        writing_in_english(engine, fake)
        deps.writer = ClaudeWriter(KEY, MODEL, base_url=fake.base_url, budget_seconds=60)
        lead = lead_quiet_before_an_ai_step(engine, WA_ID)
        # When the step goes and the model answers, its text used or not
        fake.reply_next(answer, stop_reason)
        engine.tick()
    # Then the follow-up names that model beside the tokens and cost it spent
    [followup] = deps.followups.followups_of(lead.id)
    assert followup.ai is not None
    assert followup.ai.used is used
    assert followup.ai.model == MODEL
    assert followup.ai.cost_usd > 0
