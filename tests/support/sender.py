"""Run the sender handler on one SQS batch, as Lambda's SQS trigger would; or the whole
loop up to a follow-up sent; or a lead's STOP heard while a send is under way."""

from __future__ import annotations

import importlib
from datetime import timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from followup.domain.contact import Contact
from followup.domain.followup import FollowUp, Status
from followup_local import envelopes
from followup_local.engine import LambdaContext, LocalEngine, sqs_event
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule


def send_batch(engine: LocalEngine, size: int = 10, *, failing: bool = False) -> dict[str, float]:
    """Hand one SQS batch to the sender handler; the metrics it recorded, summed by name.
    With `failing`, every record of the batch fails: the handler raises, as Lambda's batch
    utility does, and its metrics are published all the same."""
    module = importlib.import_module("functions.sender.handler")
    received = engine.sqs.receive_message(QueueUrl=engine.queue_url, MaxNumberOfMessages=size)
    messages = received.get("Messages", [])
    event = sqs_event(messages, engine.queue_url)
    try:
        if failing:
            with pytest.raises(BatchProcessingError):
                module.handler(event, LambdaContext("sender"))
        else:
            module.handler(event, LambdaContext("sender"))
        return {name: sum(m["Value"]) for name, m in module.metrics.metric_set.items()}
    finally:
        module.metrics.clear_metrics()
        for message in messages:
            engine.sqs.delete_message(
                QueueUrl=engine.queue_url, ReceiptHandle=message["ReceiptHandle"]
            )


def sent_followup(engine: LocalEngine | MemoryEngine, wa_id: str) -> FollowUp:
    """A follow-up sent to `wa_id` by the real loop: a lead quiet for 25 h, one tick."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    return followup


def reply_mid_send(
    engine: LocalEngine | MemoryEngine,
    monkeypatch: pytest.MonkeyPatch,
    lead: Contact,
    text: str = "STOP",
    *,
    took: timedelta = timedelta(0),
    written_ago: timedelta = timedelta(0),
) -> None:
    """From now on each send takes WhatsApp `took` to answer, and `lead`'s `text` reaches
    the webhook before the sender hears back, stamped `written_ago` before it arrives."""
    provider = engine.deps.whatsapp.send

    def send_then_reply(outbound: Any) -> str:
        wamid = provider(outbound)
        written = engine.clock.advance(took) - written_ago
        engine.deliver(envelopes.text_message(lead.wa_id or "", text, written, "wamid.in.1"))
        return wamid

    monkeypatch.setattr(engine.deps.whatsapp, "send", send_then_reply)
