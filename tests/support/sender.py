"""Run the sender handler on one SQS batch, as Lambda's SQS trigger would."""

from __future__ import annotations

import importlib

from followup_local.engine import LambdaContext, LocalEngine, sqs_event


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
