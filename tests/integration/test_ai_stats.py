"""The AI's cost per rule in /api/stats, counted in the same transaction as each send."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.settings import AiSettings
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import FakeAnthropic
from tests.integration.test_ai_send import KEY, ai_step
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


@pytest.fixture
def ai(engine: LocalEngine) -> Iterator[tuple[LocalEngine, FakeAnthropic]]:
    with FakeAnthropic(KEY) as fake:
        engine.deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url)
        settings = engine.deps.rules.settings()
        engine.deps.rules.save_settings(
            settings.model_copy(update={"ai": AiSettings(language="en")})
        )
        engine.deps.catalog.invalidate()
        engine.deps.rules.save_rule(rule(steps=[ai_step()]))
        yield engine, fake


def test_stats_sum_the_ai_cost_of_each_rule_fallbacks_included(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, fake = ai
    # Given two AI-written sends and a third whose text failed a guardrail
    since = engine.clock.now() - 25 * HOUR
    numbers = ("6281100000301", "6281100000302", "6281100000303")
    leads = [quiet_contact(engine.deps, wa, since) for wa in numbers]
    fake.reply_next("Apply now at https://cheap-mba.example.com before Friday!")
    engine.tick()
    records = [f.ai for lead in leads for f in engine.deps.followups.followups_of(lead.id)]
    assert sorted(r.used for r in records if r) == [False, True, True]
    assert None not in records
    costs = [r.cost_usd for r in records if r is not None]
    assert all(cost > 0 for cost in costs)
    # Then the rule's row and its day row show the three messages and their summed cost
    status, stats = call(engine, "GET", "/api/stats")
    assert status == 200
    row = next(r for r in stats["rules"] if r["rule_id"] != "all")
    assert row["ai_messages"] == 3
    assert row["ai_cost_usd"] == pytest.approx(sum(costs), abs=1e-6)
    [day] = [d for d in stats["days"] if d["rule_id"] == row["rule_id"]]
    assert day["ai_cost_usd"] == pytest.approx(sum(costs), abs=1e-6)
    overall = next(r for r in stats["rules"] if r["rule_id"] == "all")
    assert overall["ai_cost_usd"] == pytest.approx(sum(costs), abs=1e-6)
