"""Handlers fed the sample events in events/, as AWS would deliver them."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule
from tests.support.events import load


def test_a_scheduled_tick_uses_the_events_own_time(engine: LocalEngine) -> None:
    # Given a lead quiet for 25 h at the sample event's time (24 Nov 2026 02:00 UTC)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000101", engine.clock.now() - timedelta(hours=25))
    # When the enqueue handler gets the sample EventBridge event, with the clock elsewhere
    engine.clock.advance(timedelta(days=30))
    report = engine.invoke("enqueue", load("scheduled-tick.json"))
    # Then the tick worked for the event's time: the lead is queued
    assert report["queued"] == 1
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.created_at.isoformat().startswith("2026-11-24T02:00")


def test_a_bad_record_fails_alone_and_the_rest_of_the_batch_is_processed(
    engine: LocalEngine,
) -> None:
    # Given the sample SQS batch: one unknown follow-up id, one malformed body
    event = load("sqs-send-batch.json")
    # When the sender handles it
    response = engine.invoke("sender", event)
    # Then only the malformed record is reported for retry (partial batch failure)
    assert response == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["messageId"]}]}


def test_dispatch_holds_everything_while_the_workspace_is_paused(engine: LocalEngine) -> None:
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000102", engine.clock.now() - timedelta(hours=25))
    deps.rules.save_settings(deps.catalog.settings().model_copy(update={"paused": True}))
    deps.catalog.invalidate()
    engine.tick()
    assert engine.sandbox.sent() == []
    assert deps.followups.followups_of(lead.id)[0].status is Status.QUEUED
    # When resumed, the queued follow-up goes out: nothing was lost
    deps.rules.save_settings(deps.catalog.settings().model_copy(update={"paused": False}))
    deps.catalog.invalidate()
    engine.tick()
    assert deps.followups.followups_of(lead.id)[0].status is Status.SENT
