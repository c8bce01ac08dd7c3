"""The notify action on moto: an event on the workspace's EventBridge bus, carrying the
contact, the rule, the step and the payload, put once however often the tick runs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3

from followup.wiring import runtime
from followup_local.engine import LocalEngine
from tests.support.builders import journey, quiet_contact
from tests.support.hooks import hook

HOUR = timedelta(hours=1)


def bus_to_queue(engine: LocalEngine) -> str:
    """A bus for the engine's notifications, with a rule copying journey events to a queue;
    returns the queue's URL."""
    region = engine.config.aws_region
    events, sqs = (
        boto3.client("events", region_name=region),
        boto3.client("sqs", region_name=region),
    )
    events.create_event_bus(Name="followup-events")
    url = sqs.create_queue(QueueName="journey-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(
        Name="journeys",
        EventBusName="followup-events",
        EventPattern=json.dumps({"source": ["followup.journeys"]}),
    )
    events.put_targets(
        Rule="journeys", EventBusName="followup-events", Targets=[{"Id": "q", "Arn": arn}]
    )
    engine.deps.notifier = runtime.notifier(engine.configure(event_bus_name="followup-events"))
    return str(url)


def received(engine: LocalEngine, url: str) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", region_name=engine.config.aws_region)
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_a_bus_notification_is_an_event_with_the_contact_rule_and_payload(
    engine: LocalEngine,
) -> None:
    url = bus_to_queue(engine)
    notify = {
        "kind": "action",
        "do": "notify",
        "bus": True,
        "detail_type": "lead_unpaid",
        "payload": {"program": "nursing"},
    }
    engine.deps.rules.save_rule(journey(notify))
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, "6281100000961", start - 25 * HOUR)
    # When the ticks run, one after the other
    engine.tick()
    engine.clock.advance(HOUR)
    engine.tick()
    # Then one event went out, as the journey said
    [event] = received(engine, url)
    assert (event["source"], event["detail-type"]) == ("followup.journeys", "lead_unpaid")
    detail = event["detail"]
    assert (detail["contact_id"], detail["rule_id"], detail["step"]) == (lead.id, "unpaid", 0)
    assert (detail["time"], detail["payload"]) == (start.isoformat(), {"program": "nursing"})


def test_a_webhook_notification_is_retried_by_the_handlers_on_moto(engine: LocalEngine) -> None:
    with hook(engine.config.notify_secret.get_secret_value(), failures=1) as crm:
        notify = {"kind": "action", "do": "notify", "webhook": crm.url}
        engine.deps.rules.save_rule(journey(notify))
        quiet_contact(engine.deps, "6281100000962", engine.clock.now() - 25 * HOUR)
        first = engine.scheduled("enqueue")
        engine.clock.advance(timedelta(seconds=30))
        second = engine.scheduled("enqueue")
        assert (first["notify_failed"], second["notified"]) == (1, 1)
        assert [(r.answered, r.signed) for r in crm.received] == [(503, True), (200, True)]
