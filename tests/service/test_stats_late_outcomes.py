"""What the Stats page shows for outcomes that come late or take something back: a send
found sent after all on a later day, and a failure WhatsApp reports after the delivery.
Each counts on the day its send or its failure was counted, once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from followup.domain.followup import Reason, Status
from followup_local.memory_engine import MemoryEngine
from tests.service.test_sent_after_all import (
    RULE,
    answer_lost,
    given_up,
    only_followup,
    report,
)
from tests.service.test_webhook_order import RUDI, current, failed_status, status
from tests.support.builders import quiet_contact, rule
from tests.support.sender import sent_followup

FUNNEL = ("sent", "delivered", "failed")
MARKETING = {"billable": True, "category": "marketing", "type": "regular"}


def on_day(engine: MemoryEngine, day: date, *names: str) -> dict[str, int]:
    """The rule's counters of one UTC day on the Stats page, and of its journey's steps."""
    total: Counter[str] = Counter()
    for row in engine.deps.stats.stats(day, day):
        if row.rule_id == RULE:
            total.update(row.counts)
    steps: Counter[str] = Counter()
    for step in engine.deps.stats.journey_stats(RULE, day, day).steps:
        steps.update(step.counts)
    assert {n: steps[n] for n in names} == {n: total[n] for n in names}
    return {n: total[n] for n in names}


def test_a_send_found_sent_on_a_later_day_counts_on_the_day_it_was_sent(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up whose answer was lost, given up as failed on the day it went
    contact_id, request = answer_lost(engine, "6281100000801")
    given_up(engine)
    failed = only_followup(engine, contact_id)
    assert (failed.status, failed.reason) == (Status.FAILED, Reason.OUTCOME_UNKNOWN)
    sent_on = engine.clock.now().date()
    # When WhatsApp's `delivered` status about it comes the next UTC day
    engine.clock.advance(timedelta(days=1))
    assert report(engine, request, "delivered", engine.clock.now()) == 200
    engine.pump_stream()
    # Then the day it went counts it sent and delivered, its failure taken back; the day
    # the status came counts nothing of it (no delivery rate over 100 %)
    assert only_followup(engine, contact_id).status is Status.DELIVERED
    assert on_day(engine, sent_on, *FUNNEL) == {"sent": 1, "delivered": 1, "failed": 0}
    later = engine.clock.now().date()
    assert on_day(engine, later, *FUNNEL) == {"sent": 0, "delivered": 0, "failed": 0}


def test_a_failure_given_up_after_midnight_is_taken_back_on_the_day_it_was_counted(
    engine: MemoryEngine,
) -> None:
    # Given a lead in New Zealand whose follow-up went ten minutes before midnight UTC
    # with its answer lost, and was given up as failed just after midnight
    start = engine.clock.now()
    engine.clock.advance(datetime(2026, 11, 24, 23, 50, tzinfo=UTC) - start)
    engine.deps.rules.save_rule(rule())
    last_wrote = engine.clock.now() - timedelta(hours=25)
    lead = quiet_contact(engine.deps, "6421000000802", last_wrote, timezone="Pacific/Auckland")
    engine.sandbox.drop_connection_next()
    engine.tick()
    [request] = engine.sandbox.requests
    contact_id = lead.id
    sent_on = engine.clock.now().date()
    given_up(engine)
    failed_on = engine.clock.now().date()
    assert (sent_on, failed_on) == (date(2026, 11, 24), date(2026, 11, 25))
    assert on_day(engine, failed_on, "failed") == {"failed": 1}
    # When WhatsApp's `sent` status about it comes an hour later
    engine.clock.advance(timedelta(hours=1))
    assert report(engine, request, "sent", engine.clock.now()) == 200
    engine.pump_stream()
    # Then the send counts on the day it went, and neither day keeps a failure
    assert only_followup(engine, contact_id).status is Status.SENT
    assert on_day(engine, sent_on, *FUNNEL) == {"sent": 1, "delivered": 0, "failed": 0}
    assert on_day(engine, failed_on, *FUNNEL) == {"sent": 0, "delivered": 0, "failed": 0}


def test_a_failure_reported_after_the_delivery_takes_the_delivery_back(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up WhatsApp reported delivered
    followup = sent_followup(engine, RUDI)
    now = engine.clock.now()
    delivered = status(followup, "delivered", now + timedelta(seconds=2))
    delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["pricing"] = MARKETING
    assert engine.deliver(delivered) == 200
    assert on_day(engine, now.date(), "delivered") == {"delivered": 1}
    # When WhatsApp then reports it failed
    assert engine.deliver(failed_status(followup, now + timedelta(seconds=5))) == 200
    # Then the follow-up shows failed, and the Stats page counts it sent and failed (one
    # failure, refused after the send), not delivered
    assert current(engine, followup).status is Status.FAILED
    counts = on_day(engine, now.date(), *FUNNEL, "failed_after_send")
    assert counts == {"sent": 1, "delivered": 0, "failed": 1, "failed_after_send": 1}
