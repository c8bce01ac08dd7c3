"""A send WhatsApp took, then reported failed (never delivered): one failure in the send
success rate, not a success and a failure, and no conversion credited to it."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup_local.engine import LocalEngine
from tests.integration.test_channels import failed_status
from tests.support.api import call
from tests.support.sender import sent_followup

RUDI = "6281100000561"


def undeliverable(engine: LocalEngine) -> None:
    """A follow-up sent to Rudi, then reported failed: 131026, undeliverable."""
    followup = sent_followup(engine, RUDI)
    engine.clock.advance(timedelta(seconds=30))
    assert failed_status(engine, followup, RUDI) == 200
    stored = engine.deps.followups.followup(followup.id)
    assert stored is not None
    assert stored.status is Status.FAILED


def test_a_send_refused_after_it_went_is_one_failure_in_the_success_rate(
    engine: LocalEngine,
) -> None:
    undeliverable(engine)
    sends = call(engine, "GET", "/api/stats")[1]["sends"]
    assert sends["success_rate"] == 0.0


def test_a_conversion_is_not_credited_to_a_message_never_delivered(engine: LocalEngine) -> None:
    undeliverable(engine)
    engine.clock.advance(timedelta(hours=1))
    event = {"type": "stage_changed", "contact": RUDI, "stage": "applied"}
    assert call(engine, "POST", "/api/events", event)[0] == 200
    rows = call(engine, "GET", "/api/stats")[1]["rules"]
    row = next(r for r in rows if r["rule_id"] == "apply-remind-24h")
    assert (row["failed"], row["converted"]) == (1, 0)
