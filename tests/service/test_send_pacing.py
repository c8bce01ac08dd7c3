"""The sender at the number's limit: held back on the queue for a few seconds, never failed
for going too fast, and rate-limit answers cost a follow-up none of its attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.adapters.memory_pacing import MemoryPacing
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.pacing import slot_of
from followup.services.pacing import BUSY_NUMBER, BUSY_RECIPIENT, Pacer
from followup.services.send import THROTTLED_IN_A_ROW
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
WA_ID = "6281100000801"


def paced(engine: MemoryEngine) -> MemoryPacing:
    """Pace the engine's sender at 80 a second; waiting moves the virtual clock on."""
    store = MemoryPacing()
    clock = engine.clock
    engine.deps.pacer = Pacer(
        store,
        engine.deps.sending_number,
        80,
        clock,
        lambda seconds: clock.advance(timedelta(seconds=seconds)),
    )
    return store


def only_followup(engine: MemoryEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def test_a_recipient_messaged_seconds_ago_is_held_then_sent_after_the_gap(
    engine: MemoryEngine,
) -> None:
    # Given another sender messaged this lead just now
    store = paced(engine)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    number = engine.deps.sending_number
    store.space(f"{number}#to#{WA_ID}", engine.clock.now(), engine.clock.now() + 6 * SECOND)
    # When its follow-up comes up
    engine.tick()
    # Then it waits on the queue, not failed, no attempt spent and nothing sent
    held = only_followup(engine, lead.id)
    assert (held.status, held.reason, held.attempt) == (Status.QUEUED, BUSY_RECIPIENT, 0)
    assert engine.sandbox.requests == []
    # And goes once the 6 seconds have passed
    engine.clock.advance(6 * SECOND)
    engine.drain()
    assert only_followup(engine, lead.id).status is Status.SENT
    assert len(engine.sandbox.sent()) == 1


def test_a_number_booked_beyond_the_wait_holds_the_send_on_the_queue(
    engine: MemoryEngine,
) -> None:
    # Given other senders booked the number's next three seconds
    store = paced(engine)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    now, number = engine.clock.now(), engine.deps.sending_number
    for slot in range(slot_of(now), slot_of(now + 3 * SECOND)):
        store.reserve(f"{number}#{slot}", 8, now)
    engine.tick()
    held = only_followup(engine, lead.id)
    assert (held.status, held.reason, held.attempt) == (Status.QUEUED, BUSY_NUMBER, 0)
    assert engine.sandbox.requests == []
    engine.clock.advance(3 * SECOND)
    engine.drain()
    assert only_followup(engine, lead.id).status is Status.SENT


def test_throughput_errors_come_back_in_seconds_without_using_up_attempts(
    engine: MemoryEngine,
) -> None:
    # Given WhatsApp answers 130429 more times than a follow-up has attempts
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    budget = engine.deps.catalog.settings().max_attempts
    engine.sandbox.fail_next(status=429, code=130429, times=budget + 1)
    engine.tick()
    first = only_followup(engine, lead.id)
    assert (first.status, first.attempt, first.error_code) == (Status.QUEUED, 0, 130429)
    # When a few seconds pass each time
    for _ in range(budget + 1):
        engine.clock.advance(4 * SECOND)
        engine.drain()
    # Then it was tried each time and is sent in the end, only that send counted
    sent = only_followup(engine, lead.id)
    assert (sent.status, sent.attempt) == (Status.SENT, 1)
    assert [r.status for r in engine.sandbox.requests] == [429] * (budget + 1) + [200]


def test_a_number_throttled_without_end_ends_the_follow_up_after_its_attempts(
    engine: MemoryEngine,
) -> None:
    # Given WhatsApp answers 130429 to every send, however long it waits
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    budget = engine.deps.catalog.settings().max_attempts
    engine.sandbox.fail_next(status=429, code=130429, times=10_000)
    # When hours pass, ticks running
    for minute in range(6 * 60):
        engine.clock.advance(60 * SECOND)
        engine.tick() if minute % 15 == 0 else engine.drain()
    # Then the uncounted quick retries ran out, each later one spent an attempt, and the
    # follow-up failed once its attempts were spent: the loop ends
    failed = only_followup(engine, lead.id)
    assert failed.status is Status.FAILED
    assert (failed.reason or "").startswith(Reason.RETRIES_EXHAUSTED.value)
    assert len(engine.sandbox.requests) == THROTTLED_IN_A_ROW + budget


@pytest.mark.parametrize("code", [4, 80007])
def test_an_app_or_account_rate_limit_comes_back_within_a_minute_without_using_an_attempt(
    engine: MemoryEngine, code: int
) -> None:
    # Given WhatsApp answers a send with HTTP 400 and Meta's rate limit on the app's calls
    # (4) or on the WhatsApp Business Account (80007)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=code)
    engine.tick()
    # Then the follow-up is back in the queue, no attempt spent
    first = only_followup(engine, lead.id)
    assert (first.status, first.attempt, first.error_code) == (Status.QUEUED, 0, code)
    # When half a minute passes, it is not tried again yet: such a limit lasts longer
    # than a number's throughput limit
    engine.clock.advance(29 * SECOND)
    engine.drain()
    assert len(engine.sandbox.requests) == 1
    # When a minute has passed, it goes
    engine.clock.advance(31 * SECOND)
    engine.drain()
    sent = only_followup(engine, lead.id)
    assert (sent.status, sent.attempt) == (Status.SENT, 1)
    assert [r.status for r in engine.sandbox.requests] == [400, 200]


def test_a_pair_rate_error_waits_out_the_recipients_6_seconds(engine: MemoryEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=429, code=131056)
    engine.tick()
    engine.clock.advance(5 * SECOND)
    engine.drain()
    assert len(engine.sandbox.requests) == 1  # not before the 6 seconds
    engine.clock.advance(SECOND)
    engine.drain()
    assert only_followup(engine, lead.id).status is Status.SENT
    assert [r.status for r in engine.sandbox.requests] == [429, 200]
