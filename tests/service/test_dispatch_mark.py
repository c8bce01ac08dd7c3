"""Dispatch without a write per follow-up: each tick records one mark (its time and
horizon), and the next tick hands over only what that tick could not, or what nobody
claimed by its redrive time. The sender's claim stays the guard against a second send."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from followup.domain.followup import FollowUp, Status
from followup.services import dispatch, enqueue
from followup.services.dispatch import SEEN_KEPT
from followup.services.ports import DispatchMark, NewFollowUp
from followup.services.send import SendResult, send_one
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.dispatching import (
    HOUR,
    MINUTE,
    SECOND,
    TEMPLATE,
    crash_before_the_mark,
    current,
    dispatch_at,
    fallback_written,
    pause,
    planned,
    put_back_just_before_a_hidden_tick,
    ticks_seconds_apart,
)
from tests.support.lagging import lagging


def test_dispatch_hands_a_follow_up_over_without_writing_it(engine: MemoryEngine) -> None:
    followup = planned(engine, "6281100000301")
    # When the dispatch tick hands it to the queue
    assert dispatch_at(engine, engine.clock.now()) == 1
    # Then the follow-up is as it was: only the tick's mark moved
    assert current(engine, followup) == followup
    now = engine.clock.now()
    mark = DispatchMark(now, now + HOUR + 2 * MINUTE, read_at=now)
    assert engine.deps.followups.dispatch_mark() == mark


def test_later_ticks_hand_over_nothing_again_while_the_sender_is_behind(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up handed over, its message not yet taken (a backlog)
    followup = planned(engine, "6281100000302")
    first = engine.clock.now()
    assert dispatch_at(engine, first) == 1
    # When ticks run every minute while it waits
    later = [dispatch_at(engine, first + n * MINUTE) for n in range(1, 6)]
    # Then none of them queues it again
    assert later == [0, 0, 0, 0, 0]
    # And it goes out once, at its due second
    engine.run_until(followup.scheduled_at + MINUTE)
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).sent_at == followup.scheduled_at


def test_a_crash_before_the_mark_hands_them_over_again_and_one_is_sent(
    engine: MemoryEngine,
) -> None:
    crash_before_the_mark(engine, "6281100000303")


def test_a_message_lost_in_the_queue_goes_again_after_its_redrive_time(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up handed over, whose message the queue then loses
    followup = planned(engine, "6281100000304")
    assert dispatch_at(engine, engine.clock.now()) == 1
    engine.delays.clear()
    due, redrive = followup.scheduled_at, engine.deps.timings.redrive_after
    # When ticks run while it may still be on its way: nothing is queued again
    assert dispatch_at(engine, due) == 0
    assert dispatch_at(engine, due + redrive - SECOND) == 0
    # Then the first tick past its redrive time hands it over again, and it is sent once
    assert dispatch_at(engine, due + redrive) == 1
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).status is Status.SENT
    # And once claimed, no later tick hands it over
    assert dispatch_at(engine, due + 3 * redrive) == 0


def test_a_copy_for_a_time_it_is_no_longer_scheduled_at_is_dropped(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up handed over, due in 44 min 13 s
    followup = planned(engine, "6281100000305")
    assert dispatch_at(engine, engine.clock.now()) == 1
    engine.delays.clear()
    # When a copy arrives now, naming a time it is no longer scheduled at (or none)
    stale = followup.scheduled_at - 5 * MINUTE
    # Then the sender drops it: nothing sent, nothing put back on the queue
    assert send_one(engine.deps, followup.id, stale).result is SendResult.IGNORED
    assert send_one(engine.deps, followup.id).result is SendResult.IGNORED
    assert engine.delays.next_due() is None
    # While a copy for its time waits on the queue again for the rest of its wait
    hop = send_one(engine.deps, followup.id, followup.scheduled_at)
    assert hop.result is SendResult.EARLY
    assert engine.delays.next_due() == engine.clock.now() + 900 * SECOND
    assert current(engine, followup).status is Status.QUEUED
    engine.run_until(followup.scheduled_at + MINUTE)
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).sent_at == followup.scheduled_at


def test_one_put_back_at_a_ticks_own_time_goes_at_the_next_tick(engine: MemoryEngine) -> None:
    # Given a follow-up handed over, and a tick at its due second
    followup = planned(engine, "6281100000306")
    assert dispatch_at(engine, engine.clock.now()) == 1
    assert dispatch_at(engine, followup.scheduled_at) == 0
    # When sending is paused and its message arrives that same second, after the tick:
    # the sender puts it back in the queue, held while sending is paused
    pause(engine, True)
    engine.drain()
    assert current(engine, followup).status is Status.QUEUED
    assert engine.sandbox.sent() == []
    # Then once sending resumes, the next tick hands it over and it is sent
    pause(engine, False)
    assert dispatch_at(engine, engine.clock.now() + MINUTE) == 1
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    assert current(engine, followup).status is Status.SENT


def test_one_planned_by_a_tick_and_handed_over_by_it_goes_once(engine: MemoryEngine) -> None:
    # Given a follow-up planned and handed over by the same tick (enqueue, then dispatch),
    # its message not yet taken (a backlog)
    start = engine.clock.now()
    steps = [{"wait": {"amount": 45, "unit": "minutes"}, "template": TEMPLATE}]
    engine.deps.rules.save_rule(rule(steps=steps))
    lead = quiet_contact(engine.deps, "6281100000307", start - 24 * HOUR - 47 * SECOND)
    engine.scheduled("enqueue")
    assert dispatch_at(engine, start) == 1
    # When ticks run every minute while it waits
    later = [dispatch_at(engine, start + n * MINUTE) for n in range(1, 6)]
    # Then none of them queues it again, and it is sent once
    assert later == [0, 0, 0, 0, 0]
    engine.run_until(start + HOUR)
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert len(engine.sandbox.sent()) == 1


def test_a_tick_run_again_at_its_time_hands_over_what_its_enqueue_planned_then(
    engine: MemoryEngine,
) -> None:
    # Given a tick that ran (enqueue, then dispatch) with nothing due
    start = engine.clock.now()
    steps = [{"wait": {"amount": 45, "unit": "minutes"}, "template": TEMPLATE}]
    engine.deps.rules.save_rule(rule(steps=steps))
    engine.scheduled("enqueue")
    assert dispatch_at(engine, start) == 0
    # When a lead turns up quiet and the same tick runs again, at the same time
    lead = quiet_contact(engine.deps, "6281100000308", start - 24 * HOUR - 47 * SECOND)
    engine.scheduled("enqueue")
    # Then its dispatch hands over what that enqueue planned, and it is sent once
    assert dispatch_at(engine, start) == 1
    engine.run_until(start + HOUR)
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert len(engine.sandbox.sent()) == 1


def two_planned_now(engine: MemoryEngine) -> list[FollowUp]:
    """Two follow-ups the enqueue tick plans now, due in 44 min 13 s and 44 min 14 s."""
    start = engine.clock.now()
    steps = [{"wait": {"amount": 45, "unit": "minutes"}, "template": TEMPLATE}]
    engine.deps.rules.save_rule(rule(steps=steps))
    leads = [
        quiet_contact(engine.deps, f"62811000003{n}", start - 24 * HOUR - (47 - n) * SECOND)
        for n in (20, 21)
    ]
    engine.scheduled("enqueue")
    return [only for lead in leads for only in engine.deps.followups.followups_of(lead.id)]


def sent_once_when_due(engine: MemoryEngine, followups: list[FollowUp]) -> None:
    """Each is sent once, within the second it is due (a queue delay is whole seconds
    from the moment it is handed over)."""
    engine.run_until(max(f.scheduled_at for f in followups) + MINUTE)
    assert len(engine.sandbox.sent()) == len(followups)
    for followup in followups:
        sent_at = current(engine, followup).sent_at
        assert sent_at is not None
        assert timedelta(0) <= sent_at - followup.scheduled_at < SECOND


def test_a_plan_the_index_shows_a_moment_late_goes_at_its_own_tick(
    engine: MemoryEngine,
) -> None:
    # Given an index that shows the last follow-up written only 0.8 s after its write
    start = engine.clock.now()
    lagging(engine.deps, timedelta(milliseconds=800), behind=1)
    followups = two_planned_now(engine)
    # When the dispatch tick reads the lane just after its enqueue planned two
    # Then it reads again until both are there, and hands both over at that tick
    assert dispatch_at(engine, start) == 2
    read_at = start + timedelta(milliseconds=1500)
    mark = DispatchMark(start, start + HOUR + 2 * MINUTE, read_at=read_at)
    assert engine.deps.followups.dispatch_mark() == mark
    # And no later tick hands them over again; each is sent once, at its due second
    assert [dispatch_at(engine, start + n * MINUTE) for n in (1, 2, 3)] == [0, 0, 0]
    sent_once_when_due(engine, followups)


def test_a_plan_the_index_never_showed_that_tick_goes_at_the_next_one(
    engine: MemoryEngine,
) -> None:
    # Given an index that shows the last follow-up written only 30 s after its write
    start = engine.clock.now()
    lagging(engine.deps, 30 * SECOND, behind=1)
    followups = two_planned_now(engine)
    # When the dispatch tick reads the lane, again and again, and never sees it
    assert dispatch_at(engine, start) == 1
    # Then the next tick hands over what was planned then (the one seen again, a copy),
    # not half an hour after it is due
    assert dispatch_at(engine, start + MINUTE) == 2
    assert [dispatch_at(engine, start + n * MINUTE) for n in (2, 3)] == [0, 0]
    # And each is sent once, at its due second
    sent_once_when_due(engine, followups)


def test_with_the_index_up_to_date_no_tick_waits_or_hands_over_twice(
    engine: MemoryEngine,
) -> None:
    # Given two follow-ups the enqueue tick planned, all in the index at once
    start = engine.clock.now()
    followups = two_planned_now(engine)
    # When the dispatch tick and the next ones run
    assert dispatch_at(engine, start) == 2
    # Then it read the lane once, without waiting, and missed nothing
    assert engine.clock.now() == start
    mark = DispatchMark(start, start + HOUR + 2 * MINUTE, read_at=start)
    assert engine.deps.followups.dispatch_mark() == mark
    # And no later tick hands them over again
    assert [dispatch_at(engine, start + n * MINUTE) for n in (1, 2, 3)] == [0, 0, 0]
    sent_once_when_due(engine, followups)


def test_a_fallback_queued_just_before_a_tick_the_index_hid_goes_at_the_next_tick(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up handed over, then an index that shows a write only 30 s after it
    followup = planned(engine, "6281100000330")
    assert dispatch_at(engine, engine.clock.now()) == 1
    lagging(engine.deps, 30 * SECOND, behind=1)
    tick = engine.clock.now() + MINUTE
    # When another path (a channel's fallback) queues a follow-up a second before the tick
    engine.clock.advance(tick - SECOND - engine.clock.now())
    fallback_written(engine, followup)
    # Then the tick does not see it, and the next one hands it over, not half an hour late
    assert dispatch_at(engine, tick) == 0
    assert dispatch_at(engine, tick + MINUTE) == 1
    assert [dispatch_at(engine, tick + n * MINUTE) for n in (2, 3)] == [0, 0]


def test_one_put_back_just_before_a_tick_the_index_hid_goes_at_the_next_tick(
    engine: MemoryEngine,
) -> None:
    put_back_just_before_a_hidden_tick(engine, "6281100000331")


def test_ticks_seconds_apart_hand_nothing_over_twice(engine: MemoryEngine) -> None:
    # Given two follow-ups planned and handed over by a tick (enqueue, then dispatch)
    start = engine.clock.now()
    followups = two_planned_now(engine)
    assert dispatch_at(engine, start) == 2
    ticks_seconds_apart(engine, start, followups[0])


def test_past_the_ids_a_mark_keeps_the_rest_of_a_burst_goes_again_once(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up handed over, then more follow-ups than a mark keeps the ids of put
    # in the queue by another path two seconds before a tick
    followup = planned(engine, "6281100000332")
    assert dispatch_at(engine, engine.clock.now()) == 1
    tick = engine.clock.now() + MINUTE
    engine.clock.advance(tick - 2 * SECOND - engine.clock.now())
    at = engine.clock.now()
    burst = [
        followup.model_copy(
            update={"id": f"{followup.id}-{n}", "created_at": at, "wake_at": at, "queued_at": at}
        )
        for n in range(SEEN_KEPT + 1)
    ]
    for one in burst:
        engine.deps.commit([NewFollowUp(one)], at)
    # When the tick hands them all over, and the next ticks run
    assert dispatch_at(engine, tick) == len(burst)
    # Then the one the mark had no room for is handed over once more (a copy the claim
    # makes harmless), and nothing after that
    assert [dispatch_at(engine, tick + n * MINUTE) for n in (1, 2)] == [1, 0]


def test_a_plan_a_slow_tick_writes_after_the_next_tick_s_mark_goes_when_due(
    engine: MemoryEngine,
) -> None:
    # Given 1-minute ticks, a lead due at 10:02, and a tick before with nothing due
    engine.deps.timings = replace(engine.deps.timings, tick=MINUTE)
    start = engine.clock.now()
    steps = [{"wait": {"amount": 2, "unit": "minutes"}, "template": TEMPLATE}]
    engine.deps.rules.save_rule(rule(steps=steps))
    enqueue.run_tick(engine.deps, start - MINUTE)
    dispatch.run_tick(engine.deps, start - MINUTE)
    lead = quiet_contact(engine.deps, "6281100000309", start - 24 * HOUR + 10 * SECOND)
    # When the 10:01 tick's dispatch runs (its enqueue failed) while 10:00's enqueue is
    # still writing, and 10:00's enqueue then finishes, followed by its dispatch
    engine.clock.advance(MINUTE + 5 * SECOND)
    dispatch.run_tick(engine.deps, start + MINUTE)
    enqueue.run_tick(engine.deps, start)
    dispatch.run_tick(engine.deps, start)
    # Then the follow-up 10:00 planned goes when due, once, not at its redrive time
    engine.run_until(start + 5 * MINUTE)
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert followup.sent_at is not None
    assert followup.sent_at - followup.scheduled_at < SECOND
    assert len(engine.sandbox.sent()) == 1
