"""A new number's warm-up cap counts follow-ups, not tries: a follow-up sent again (after a
server error, a throttle, a busy recipient, a lost or redelivered queue message, a paused
number) holds the one place it took that day, so the cap lets as many leads through as it
says. A try on a later day takes a place in that day's cap."""

from __future__ import annotations

from datetime import date, timedelta

from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import DEFERRED, WARMING_UP
from followup.domain.pacing import RECIPIENT_GAP
from followup.services.manual import send_now
from followup.services.messaging_limit import warm_up_left
from followup.services.webhook import resume_number
from followup_local.memory_engine import MemoryEngine
from tests.service.test_send_pacing import paced
from tests.support.builders import quiet_contact, rule
from tests.support.limits import admit, warming

MINUTE = timedelta(minutes=1)
LEADS = [f"62811000017{n:02d}" for n in range(10)]


def _follow_up(engine: MemoryEngine, wa_id: str) -> FollowUp:
    """A follow-up sent by hand now to a lead quiet for 30 h, handed to the sender."""
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=30))
    followup = send_now(engine.deps, lead.id, "apply-remind-24h")
    engine.drain()
    return _now(engine, followup)


def _now(engine: MemoryEngine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def _left(engine: MemoryEngine, day: date) -> int | None:
    return warm_up_left(engine.deps, engine.deps.sending_number, day)


def _tries_to(engine: MemoryEngine, wa_id: str) -> list[int]:
    """The answers WhatsApp gave each send to `wa_id`, in order."""
    return [r.status for r in engine.sandbox.requests if (r.body or {}).get("to") == wa_id]


def test_a_follow_up_retried_twice_after_server_errors_takes_one_place_of_the_days_cap(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 3 business-initiated sends today, and WhatsApp answering
    # the first lead's first two sends with a server error
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [3])
    engine.sandbox.fail_next(status=503, times=2, to=LEADS[0])

    # When the first lead is followed up and tried again until it goes
    first = _follow_up(engine, LEADS[0])
    for _ in range(2):
        engine.clock.advance(2 * MINUTE)
        engine.drain()

    # Then it went out on its third try, holding one place of the day's cap
    assert _now(engine, first).status is Status.SENT
    assert _tries_to(engine, LEADS[0]) == [503, 503, 200]
    assert _left(engine, today) == 2

    # And two more leads go out today, and only the fourth waits for tomorrow
    later = [_follow_up(engine, wa_id) for wa_id in LEADS[1:4]]
    assert [f.status for f in later] == [Status.SENT, Status.SENT, Status.QUEUED]
    assert later[2].reason == WARMING_UP
    assert _left(engine, today) == 0


def test_a_follow_up_throttled_or_held_for_a_busy_recipient_takes_one_place(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 3 sends today; WhatsApp answers "too fast" twice to the
    # first lead, and another sender has just messaged the second
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [3])
    engine.sandbox.fail_next(status=429, code=130429, times=2, to=LEADS[0])
    paced(engine).space(
        f"{engine.deps.sending_number}#to#{LEADS[1]}",
        engine.clock.now(),
        engine.clock.now() + RECIPIENT_GAP,
    )

    # When both are followed up, and tried again until they go
    tried = [_follow_up(engine, LEADS[0]), _follow_up(engine, LEADS[1])]
    for _ in range(3):
        engine.clock.advance(RECIPIENT_GAP)
        engine.drain()

    # Then both went out, each holding one place, and a third lead goes too
    assert [_now(engine, f).status for f in tried] == [Status.SENT, Status.SENT]
    assert _tries_to(engine, LEADS[0]) == [429, 429, 200]
    assert _left(engine, today) == 1
    assert _follow_up(engine, LEADS[2]).status is Status.SENT
    assert _follow_up(engine, LEADS[3]).reason == WARMING_UP


def test_a_redelivered_message_whose_first_try_counted_takes_no_second_place(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 2 sends today, and a lead whose first send met a server
    # error: it took a place and was put back on the queue
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [2])
    engine.sandbox.fail_next(status=503, to=LEADS[0])
    first = _follow_up(engine, LEADS[0])
    assert (first.status, first.attempt) == (Status.QUEUED, 1)
    assert _left(engine, today) == 1

    # When the sender dies before acknowledging its batch: the queue hands the first
    # message over again, and it is the one that finds the follow-up due
    engine.queue.enqueue([first.id])
    engine.clock.advance(2 * MINUTE)
    engine.drain()

    # Then the follow-up went out once, still holding its one place, and a second lead
    # goes too
    assert _now(engine, first).status is Status.SENT
    assert _tries_to(engine, LEADS[0]) == [503, 200]
    assert _left(engine, today) == 1
    assert _follow_up(engine, LEADS[1]).status is Status.SENT
    assert _follow_up(engine, LEADS[2]).reason == WARMING_UP


def test_a_follow_up_whose_message_was_lost_is_redriven_without_a_second_place(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 2 sends today, and a lead whose first send met a server
    # error and whose message for the next try was lost
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [2])
    engine.sandbox.fail_next(status=503, to=LEADS[0])
    first = _follow_up(engine, LEADS[0])
    engine.delays.clear()

    # When nobody claims it in time: the expire tick hands it to dispatch again
    engine.clock.advance(engine.deps.timings.redrive_after + 2 * MINUTE)
    assert engine.scheduled("expire")["redriven"] == 1
    engine.scheduled("dispatch")
    engine.drain()

    # Then it went out holding its one place, and a second lead goes too
    assert _now(engine, first).status is Status.SENT
    assert _left(engine, today) == 1
    assert _follow_up(engine, LEADS[1]).status is Status.SENT
    assert _follow_up(engine, LEADS[2]).reason == WARMING_UP


def test_a_follow_up_held_by_a_paused_number_and_released_takes_no_second_place(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 2 sends today, and WhatsApp locking the account at the
    # first lead's send: the number pauses and holds the follow-up
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [2])
    engine.sandbox.fail_next(status=400, code=131031, to=LEADS[0])
    first = _follow_up(engine, LEADS[0])
    assert first.status is Status.QUEUED
    assert first.held_by == engine.deps.sending_number

    # When an operator resumes the number, and its held follow-up is sent
    assert resume_number(engine.deps, engine.deps.sending_number, engine.clock.now())
    engine.drain()

    # Then it went out holding its one place, and a second lead goes too
    assert _now(engine, first).status is Status.SENT
    assert _left(engine, today) == 1
    assert _follow_up(engine, LEADS[1]).status is Status.SENT
    assert _follow_up(engine, LEADS[2]).reason == WARMING_UP


def test_a_try_on_a_later_day_takes_a_place_in_that_days_cap(engine: MemoryEngine) -> None:
    # Given a new number allowed 1 send today and 2 tomorrow, and Meta withholding the
    # first lead's marketing message (131049): it is tried again a day later
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [1, 2])
    engine.sandbox.fail_next(status=400, code=131049, to=LEADS[0])
    first = _follow_up(engine, LEADS[0])
    assert first.status is Status.QUEUED

    # Then the place its refused send took today is not given back: a second lead waits
    assert _left(engine, today) == 0
    waiting = _follow_up(engine, LEADS[1])
    assert waiting.reason == WARMING_UP

    # When tomorrow's sends go
    engine.clock.advance(timedelta(days=1, hours=1))
    engine.scheduled("dispatch")
    engine.drain()

    # Then both went out, each taking a place of tomorrow's cap, which is now spent
    assert [_now(engine, f).status for f in (first, waiting)] == [Status.SENT, Status.SENT]
    assert _left(engine, today + timedelta(days=1)) == 0


def test_a_send_the_messaging_limit_defers_gives_back_the_place_it_took(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 2 sends today, in a portfolio that reached its allowance
    engine.deps.rules.save_rule(rule())
    today = warming(engine.deps, [2])
    deps = engine.deps
    assert deps.reach is not None
    limit = deps.catalog.settings().messaging_limit
    while admit(deps.reach, limit, engine.clock.now()) is None:
        pass

    # When a quiet lead is followed up
    deferred = _follow_up(engine, LEADS[0])

    # Then it waits for the portfolio's next window, and today's cap is untouched
    assert deferred.reason == DEFERRED
    assert deferred.warm_up_place is None
    assert _left(engine, today) == 2
