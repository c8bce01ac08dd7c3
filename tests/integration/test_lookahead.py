"""Look-ahead dispatch through the real handlers on moto: follow-ups handed to SQS before
they are due, each held back to its own second; a message that arrives early is sent on
(or dropped, when it names no time or another), never claimed, never sent early or twice."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from followup.adapters.sqs import SqsQueue
from followup.domain.followup import FollowUp, Status
from followup.services.ports import Delayed
from followup_local.engine import LocalEngine, local_engine
from tests.support.builders import quiet_contact, rule

HOUR, MINUTE, SECOND = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
JAKARTA = ZoneInfo("Asia/Jakarta")


def waits(minutes: int) -> list[dict[str, object]]:
    template = {"name": "apply_reminder", "language": "en"}
    return [{"wait": {"amount": minutes, "unit": "minutes"}, "template": template}]


def only(engine: LocalEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def deliver(engine: LocalEngine, followup_id: str, due: datetime | None = None) -> None:
    """A message for `followup_id` on SQS now, as a duplicate or stray delivery would be,
    naming the time it was handed over for (or none)."""
    named = {"due": due.isoformat()} if due is not None else {}
    body = json.dumps({"followup_id": followup_id, **named})
    engine.sqs.send_message(QueueUrl=engine.queue_url, MessageBody=body)


def test_each_message_of_a_batch_carries_its_own_delay(engine: LocalEngine) -> None:
    # Given the SQS adapter
    queue = SqsQueue(engine.queue_url, engine.sqs)
    # When one batch holds a message due now and one due in 15 minutes
    queue.enqueue_each([Delayed("fu-now", 0), Delayed("fu-later", 900)])
    # Then only the first can be received; the other waits out its delay in SQS
    received = engine.sqs.receive_message(QueueUrl=engine.queue_url, MaxNumberOfMessages=10)
    bodies = [json.loads(m["Body"]) for m in received.get("Messages", [])]
    assert bodies == [{"followup_id": "fu-now"}]
    attributes = engine.sqs.get_queue_attributes(
        QueueUrl=engine.queue_url, AttributeNames=["ApproximateNumberOfMessagesDelayed"]
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"


def test_an_early_and_duplicated_message_is_sent_once_at_its_due_time(
    engine: LocalEngine,
) -> None:
    # Given hourly ticks and a follow-up due in 44 min 13 s, dispatched by this tick
    start = engine.clock.now()
    engine.deps.rules.save_rule(rule(steps=waits(45)))
    lead = quiet_contact(engine.deps, "6281100000201", start - 24 * HOUR - 47 * SECOND)
    due = start + timedelta(minutes=44, seconds=13)
    engine.tick()
    assert only(engine, lead.id).scheduled_at == due
    # When SQS delivers copies right now, long before it is due: two that name no time,
    # and a duplicate of its own message
    deliver(engine, only(engine, lead.id).id)
    deliver(engine, only(engine, lead.id).id)
    deliver(engine, only(engine, lead.id).id, due)
    engine.drain()
    # Then the sender claims nothing and sends nothing: it stays queued, on its way
    assert engine.sandbox.sent() == []
    assert only(engine, lead.id).status is Status.QUEUED
    # And nothing goes out a second before it is due, through every hop of the wait
    engine.run_until(due - SECOND)
    assert engine.sandbox.sent() == []
    # Then at its due second it goes out once, and never again
    engine.run_until(due + 2 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    sent = only(engine, lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at == due


def test_a_lost_message_is_redriven_from_its_due_time_not_from_dispatch(
    engine: LocalEngine,
) -> None:
    # Given a follow-up planned at this tick, due in 44 min 13 s, and handed to SQS by a
    # dispatch tick a minute later
    start = engine.clock.now()
    engine.deps.rules.save_rule(rule(steps=waits(45)))
    lead = quiet_contact(engine.deps, "6281100000202", start - 24 * HOUR - 47 * SECOND)
    due = start + timedelta(minutes=44, seconds=13)
    engine.scheduled("enqueue")
    engine.clock.advance(MINUTE)
    assert engine.scheduled("dispatch")["dispatched"] == 1
    # When its message is lost
    engine.delays.clear()
    # Then dispatch leaves it alone while it may still be on its way
    engine.clock.advance(31 * MINUTE)
    assert engine.scheduled("dispatch")["dispatched"] == 0
    # And hands it over again once `redrive_after` has passed since it was due, so it is sent
    engine.clock.advance(due + 31 * MINUTE - engine.clock.now())
    engine.tick()
    assert only(engine, lead.id).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1


def test_a_follow_up_due_just_before_the_window_closes_goes_that_day() -> None:
    # Given Friday 16:00 in Jakarta, hourly ticks at :00, the window closing at 17:00,
    # and a follow-up due at 16:30
    friday_4pm = datetime(2026, 11, 27, 16, 0, tzinfo=JAKARTA).astimezone(UTC)
    with local_engine(friday_4pm) as engine:
        engine.deps.rules.save_rule(rule(steps=waits(31)))
        lead = quiet_contact(engine.deps, "6281100000203", friday_4pm - 24 * HOUR - MINUTE)
        # When the 16:00 and 17:00 ticks run, the queue running between them
        engine.tick()
        engine.run_until(friday_4pm + HOUR)
        engine.tick()
        # Then it went out on Friday at 16:30, not on Monday at 08:00
        sent = only(engine, lead.id)
        assert sent.status is Status.SENT
        assert sent.sent_at is not None
        assert sent.sent_at.astimezone(JAKARTA) == datetime(2026, 11, 27, 16, 30, tzinfo=JAKARTA)
        assert len(engine.sandbox.sent()) == 1
