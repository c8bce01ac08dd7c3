"""Run the sender handler on one SQS batch, as Lambda's SQS trigger would; or the whole
loop up to a follow-up sent."""

from __future__ import annotations

import importlib
from datetime import timedelta

from followup.domain.followup import FollowUp, Status
from followup_local.engine import LambdaContext, LocalEngine, sqs_event
from tests.support.builders import quiet_contact, rule


def send_batch(engine: LocalEngine, size: int = 10) -> dict[str, float]:
    """Hand one SQS batch to the sender handler; the metrics it recorded, summed by name."""
    module = importlib.import_module("functions.sender.handler")
    received = engine.sqs.receive_message(QueueUrl=engine.queue_url, MaxNumberOfMessages=size)
    messages = received.get("Messages", [])
    try:
        module.handler(sqs_event(messages, engine.queue_url), LambdaContext("sender"))
        return {name: sum(m["Value"]) for name, m in module.metrics.metric_set.items()}
    finally:
        module.metrics.clear_metrics()
        for message in messages:
            engine.sqs.delete_message(
                QueueUrl=engine.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )


def sent_followup(engine: LocalEngine, wa_id: str) -> FollowUp:
    """A follow-up sent to `wa_id` by the real loop: a lead quiet for 25 h, one tick."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    return followup
