"""The AI's cost per rule in /api/stats, counted in the same transaction as each send."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import FollowUp, Status
from followup.domain.settings import AiSettings
from followup.services.inbound import record_inbound
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import FakeAnthropic
from tests.integration.test_ai_send import BUDGET, KEY, ai_step
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.webhook import payload, post

HOUR = timedelta(hours=1)


@pytest.fixture
def ai(engine: LocalEngine) -> Iterator[tuple[LocalEngine, FakeAnthropic]]:
    with FakeAnthropic(KEY) as fake:
        engine.deps.writer = ClaudeWriter(
            KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=BUDGET
        )
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
    [row] = stats["rules"]
    assert row["ai_messages"] == 3
    assert row["ai_cost_usd"] == pytest.approx(sum(costs), abs=1e-6)
    [day] = [d for d in stats["days"] if d["rule_id"] == row["rule_id"]]
    assert day["ai_cost_usd"] == pytest.approx(sum(costs), abs=1e-6)
    assert stats["total"]["ai_cost_usd"] == pytest.approx(sum(costs), abs=1e-6)


def rule_row(engine: LocalEngine) -> dict[str, Any]:
    status, stats = call(engine, "GET", "/api/stats")
    assert status == 200
    row: dict[str, Any]
    [row] = stats["rules"]
    return row


def awaiting_approval(engine: LocalEngine, wa_id: str) -> FollowUp:
    """A follow-up whose AI text was written and waits for a person's approval."""
    step = ai_step(ai={"instructions": "Ask whether they still apply.", "approval": True})
    engine.deps.rules.save_rule(rule(steps=[step]))
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.reason == "awaiting_approval"
    assert followup.ai is not None
    assert followup.ai.cost_usd > 0
    return followup


def test_a_rejected_text_still_costs_what_writing_it_did(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, _ = ai
    followup = awaiting_approval(engine, "6281100000311")
    assert call(engine, "POST", f"/api/followups/{followup.id}/reject")[0] == 200
    row = rule_row(engine)
    assert (row["canceled"], row["ai_messages"]) == (1, 1)
    assert followup.ai is not None
    assert row["ai_cost_usd"] == pytest.approx(followup.ai.cost_usd, abs=1e-6)


def test_a_text_left_unapproved_until_it_expires_still_costs(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, _ = ai
    followup = awaiting_approval(engine, "6281100000312")
    engine.clock.advance(73 * HOUR)  # expire_after defaults to 72 hours
    engine.tick()
    row = rule_row(engine)
    assert (row["skipped"], row["ai_messages"]) == (1, 1)
    assert followup.ai is not None
    assert row["ai_cost_usd"] == pytest.approx(followup.ai.cost_usd, abs=1e-6)


def test_a_written_text_whose_send_fails_still_costs(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, _ = ai
    lead = quiet_contact(engine.deps, "6281100000313", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131026)  # permanent: undeliverable
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.FAILED
    assert followup.ai is not None
    row = rule_row(engine)
    assert (row["failed"], row["ai_messages"]) == (1, 1)
    assert row["ai_cost_usd"] == pytest.approx(followup.ai.cost_usd, abs=1e-6)


def test_a_sent_text_is_counted_once_however_far_it_goes(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, _ = ai
    lead = quiet_contact(engine.deps, "6281100000314", engine.clock.now() - 25 * HOUR)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.ai is not None
    for name in ("status-delivered.json", "status-read.json"):
        document = payload(name)
        status = document["entry"][0]["changes"][0]["value"]["statuses"][0]
        status["id"] = followup.provider_message_id
        status["biz_opaque_callback_data"] = followup.id
        post(engine, document)
    record_inbound(engine.deps, lead.wa_id or "", "yes, still applying", engine.clock.now())
    replied = engine.deps.followups.followup(followup.id)
    assert replied is not None
    assert replied.status is Status.RESPONDED
    row = rule_row(engine)
    assert (row["sent"], row["read"], row["responded"]) == (1, 1, 1)
    assert row["ai_messages"] == 1
    assert row["ai_cost_usd"] == pytest.approx(followup.ai.cost_usd, abs=1e-6)
