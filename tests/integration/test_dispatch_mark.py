"""Dispatch without a write per follow-up, through the real handlers on moto: the tick's
mark in the rules table tells the next tick what went; SQS messages name the time they
were handed over for, so the sender tells a hop of a long wait from a stale copy."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from followup.domain.followup import Status
from followup.services.ports import DispatchMark
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule
from tests.support.dispatching import (
    HOUR,
    MINUTE,
    SECOND,
    TEMPLATE,
    crash_before_the_mark,
    current,
    dispatch_at,
    planned,
    put_back_just_before_a_hidden_tick,
    ticks_seconds_apart,
)
from tests.support.lagging import lagging


def deliver(engine: LocalEngine, followup_id: str, due: datetime) -> None:
    """A message for `followup_id` on SQS now, naming the time it was handed over for."""
    body = json.dumps({"followup_id": followup_id, "due": due.isoformat()})
    engine.sqs.send_message(QueueUrl=engine.queue_url, MessageBody=body)


def test_the_next_ticks_do_not_queue_again_what_was_handed_over(engine: LocalEngine) -> None:
    # Given a follow-up handed over by a dispatch tick, untouched by it
    followup = planned(engine, "6281100000311")
    first = engine.clock.now()
    assert dispatch_at(engine, first) == 1
    assert current(engine, followup) == followup
    mark = DispatchMark(first, first + HOUR + 2 * MINUTE, read_at=first)
    assert engine.deps.followups.dispatch_mark() == mark
    # When ticks run every minute while its message waits out its delay
    later = [dispatch_at(engine, first + n * MINUTE) for n in range(1, 4)]
    # Then none of them queues it again, and it goes out once at its due second
    assert later == [0, 0, 0]
    engine.run_until(followup.scheduled_at + MINUTE)
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).sent_at == followup.scheduled_at


def test_a_crash_between_queueing_and_the_mark_queues_again_and_sends_once(
    engine: LocalEngine,
) -> None:
    crash_before_the_mark(engine, "6281100000312")


def test_a_message_lost_in_sqs_is_queued_again_after_its_redrive_time(
    engine: LocalEngine,
) -> None:
    # Given a follow-up handed over, whose message SQS then loses
    followup = planned(engine, "6281100000313")
    assert dispatch_at(engine, engine.clock.now()) == 1
    engine.delays.clear()
    due, redrive = followup.scheduled_at, engine.deps.timings.redrive_after
    # When ticks run while it may still be on its way, nothing is queued again
    assert dispatch_at(engine, due) == 0
    assert dispatch_at(engine, due + redrive - SECOND) == 0
    # Then the first tick past its redrive time queues it again, and it is sent once
    assert dispatch_at(engine, due + redrive) == 1
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).status is Status.SENT


def test_a_stale_copy_is_dropped_by_the_sender_without_sending(engine: LocalEngine) -> None:
    # Given a follow-up handed over, its own message forgotten for the test
    followup = planned(engine, "6281100000314")
    assert dispatch_at(engine, engine.clock.now()) == 1
    engine.delays.clear()
    # When a copy handed over for a time it is no longer scheduled at arrives early
    deliver(engine, followup.id, followup.scheduled_at - 5 * MINUTE)
    engine.drain()
    # Then the sender drops it: nothing sent, nothing claimed, nothing put back on SQS
    assert engine.sandbox.sent() == []
    assert current(engine, followup).status is Status.QUEUED
    assert engine.delays.next_due() is None
    # While a copy for its time waits on SQS again and goes out once at its due second
    deliver(engine, followup.id, followup.scheduled_at)
    engine.drain()
    assert engine.delays.next_due() == engine.clock.now() + 900 * SECOND
    engine.run_until(followup.scheduled_at + MINUTE)
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).sent_at == followup.scheduled_at


@pytest.mark.parametrize(
    ("lag", "at_its_tick"), [(timedelta(milliseconds=800), 2), (30 * SECOND, 1)]
)
def test_plans_the_index_shows_late_go_at_their_tick_or_the_next_one(
    engine: LocalEngine, lag: timedelta, at_its_tick: int
) -> None:
    # Given an index that shows the last follow-up written only `lag` after its write
    start = engine.clock.now()
    lagging(engine.deps, lag, behind=1)
    steps = [{"wait": {"amount": 45, "unit": "minutes"}, "template": TEMPLATE}]
    engine.deps.rules.save_rule(rule(steps=steps))
    for n in (15, 16):
        quiet_contact(engine.deps, f"62811000003{n}", start - 24 * HOUR - 47 * SECOND)
    engine.scheduled("enqueue")
    # When the dispatch tick reads the lane just after its enqueue planned two
    handed = dispatch_at(engine, start)
    # Then it hands both over: at its own tick once the index caught up within its
    # re-reads, else the next tick hands over again all it planned (a copy included)
    assert handed == at_its_tick
    assert dispatch_at(engine, start + MINUTE) == (0 if at_its_tick == 2 else 2)
    assert dispatch_at(engine, start + 2 * MINUTE) == 0
    # And both are sent once before the hour is out, long before a redrive would come
    engine.run_until(start + HOUR)
    engine.drain()
    assert len(engine.sandbox.sent()) == 2


def test_one_put_back_just_before_a_tick_the_index_hid_goes_at_the_next_tick(
    engine: LocalEngine,
) -> None:
    put_back_just_before_a_hidden_tick(engine, "6281100000317")


def test_ticks_seconds_apart_hand_nothing_over_twice(engine: LocalEngine) -> None:
    # Given a follow-up planned and handed over by a tick (enqueue, then dispatch)
    followup = planned(engine, "6281100000318")
    first = engine.clock.now()
    assert dispatch_at(engine, first) == 1
    ticks_seconds_apart(engine, first, followup)
