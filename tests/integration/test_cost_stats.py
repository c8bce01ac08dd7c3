"""What each rule and step cost, in /api/stats and /api/rules/{id}/stats, fed by the streams."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.costs import rate_card
from followup.domain.followup import FollowUp
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.sender import sent_followup

RUDI = "6281100000531"
MARKETING = {"billable": True, "category": "marketing", "type": "regular"}
INDONESIAN_MARKETING = rate_card().rate("indonesia", "marketing")


def status_of(engine: LocalEngine, followup: FollowUp, state: str, pricing: Any = None) -> None:
    at = engine.clock.advance(timedelta(seconds=30))
    wamid = followup.provider_message_id or ""
    document = envelopes.status(wamid, state, at, RUDI, followup.id, pricing)
    assert engine.deliver(document) == 200


def rule_row(engine: LocalEngine) -> dict[str, Any]:
    status, stats = call(engine, "GET", "/api/stats")
    assert status == 200
    row: dict[str, Any] = next(r for r in stats["rules"] if r["rule_id"] == "apply-remind-24h")
    return row


def test_a_delivered_marketing_template_costs_its_markets_rate_once(engine: LocalEngine) -> None:
    # Given a follow-up to an Indonesian number, delivered then read, both priced
    followup = sent_followup(engine, RUDI)
    status_of(engine, followup, "delivered", MARKETING)
    status_of(engine, followup, "read", MARKETING)
    status_of(engine, followup, "delivered", MARKETING)  # a late copy
    # Then its rule's messaging cost is Indonesia's marketing rate, counted once, all of it
    # WhatsApp's
    row = rule_row(engine)
    assert row["messaging_cost_usd"] == pytest.approx(INDONESIAN_MARKETING)
    by_channel = {"whatsapp": pytest.approx(INDONESIAN_MARKETING), "sms": 0, "email": 0}
    assert row["messaging_cost_by_channel"] == by_channel
    assert row["cost_usd"] == pytest.approx(INDONESIAN_MARKETING)
    assert (row["cost_per_reply"], row["cost_per_conversion"]) == (None, None)
    # And its step's too
    status, journey = call(engine, "GET", "/api/rules/apply-remind-24h/stats")
    assert status == 200
    [step] = journey["steps"]
    assert step["messaging_cost_usd"] == pytest.approx(INDONESIAN_MARKETING)
    assert journey["messaging_cost_usd"] == pytest.approx(INDONESIAN_MARKETING)
    assert step["messaging_cost_by_channel"] == journey["messaging_cost_by_channel"] == by_channel


def test_cost_per_reply_and_per_conversion(engine: LocalEngine) -> None:
    # Given a delivered follow-up the contact answered, then applied
    followup = sent_followup(engine, RUDI)
    status_of(engine, followup, "delivered", MARKETING)
    at = engine.clock.advance(timedelta(minutes=5))
    assert engine.deliver(envelopes.text_message(RUDI, "yes, how?", at, "wamid.IN531")) == 200
    body = {"type": "stage_changed", "contact": RUDI, "stage": "applied"}
    assert call(engine, "POST", "/api/events", body)[0] == 200
    # Then one reply and one conversion each cost the message
    row = rule_row(engine)
    assert (row["responded"], row["converted"]) == (1, 1)
    assert row["cost_per_reply"] == pytest.approx(INDONESIAN_MARKETING)
    assert row["cost_per_conversion"] == pytest.approx(INDONESIAN_MARKETING)
    status, journey = call(engine, "GET", "/api/rules/apply-remind-24h/stats")
    assert status == 200
    assert journey["steps"][0]["cost_per_reply"] == pytest.approx(INDONESIAN_MARKETING)


def test_a_message_that_fails_after_its_price_was_named_costs_nothing(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    status_of(engine, followup, "sent", MARKETING)
    document = envelopes.status(
        followup.provider_message_id or "", "failed", engine.clock.now(), RUDI, followup.id
    )
    document["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": 130472, "title": "User's number is part of an experiment"}
    ]
    assert engine.deliver(document) == 200
    assert rule_row(engine)["messaging_cost_usd"] == 0


def test_workspace_rates_price_the_messages(engine: LocalEngine) -> None:
    settings = engine.deps.rules.settings()
    rates = {"indonesia": {"marketing": 0.5}}
    engine.deps.rules.save_settings(settings.model_copy(update={"message_rates": rates}))
    engine.deps.catalog.invalidate()
    followup = sent_followup(engine, RUDI)
    status_of(engine, followup, "delivered", MARKETING)
    assert rule_row(engine)["messaging_cost_usd"] == pytest.approx(0.5)
