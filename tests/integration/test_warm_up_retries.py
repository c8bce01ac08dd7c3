"""A new number's warm-up cap on DynamoDB and SQS, through the sender handler: a batch the
sender handled and then died on comes again, and a follow-up it had put back takes no
second place of the day's cap."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import WARMING_UP
from followup.services.manual import send_now
from followup.services.messaging_limit import warm_up_left
from followup_local.engine import LocalEngine, sqs_event
from tests.support.builders import quiet_contact, rule
from tests.support.limits import warming

LEADS = ["6281100001801", "6281100001802", "6281100001803"]


def _queued(engine: LocalEngine, wa_id: str) -> FollowUp:
    """A follow-up sent by hand now to a lead quiet for 30 h, on the send queue."""
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=30))
    return send_now(engine.deps, lead.id, "apply-remind-24h")


def _now(engine: LocalEngine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def test_a_batch_redelivered_after_the_sender_died_takes_no_second_warm_up_place(
    engine: LocalEngine,
) -> None:
    # Given a new number allowed 2 sends today, and WhatsApp answering "too fast" to the
    # first lead's first send
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [2])
    engine.sandbox.fail_next(status=429, code=130429, to=LEADS[0])
    first = _queued(engine, LEADS[0])

    # When the sender handles the batch (the follow-up takes a place and is put back for
    # a few seconds) and dies before its answer reaches SQS: the batch is not deleted
    received = engine.sqs.receive_message(
        QueueUrl=engine.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=30
    )["Messages"]
    engine.invoke("sender", sqs_event(received, engine.queue_url))
    assert _now(engine, first).status is Status.QUEUED
    for message in received:
        engine.sqs.change_message_visibility(
            QueueUrl=engine.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )

    # And SQS hands the batch over again once the follow-up is due, with its new message
    engine.clock.advance(timedelta(seconds=30))
    engine.drain()

    # Then it went out once, holding the one place its first try took
    assert _now(engine, first).status is Status.SENT
    answers = [r.status for r in engine.sandbox.requests]
    assert answers == [429, 200]
    assert warm_up_left(engine.deps, engine.deps.sending_number, today) == 1

    # And a second lead goes out today, a third waits for tomorrow
    second = _queued(engine, LEADS[1])
    engine.drain()
    assert _now(engine, second).status is Status.SENT
    third = _queued(engine, LEADS[2])
    engine.drain()
    assert _now(engine, third).reason == WARMING_UP
