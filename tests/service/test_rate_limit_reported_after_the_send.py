"""A rate limit WhatsApp reports in a `failed` status, after it took the message (131056:
too many to this lead too fast; 130429: the number's throughput), sends the step again
once the limit has passed, a few times at most; the stats count the step sent once. A
`failed` status naming no error says the message failed after it was sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.contact import Score
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.gating import gate
from followup.domain.ids import resend_followup_id
from followup.services.resend import REPORTED_THROTTLES
from followup_local.memory_engine import MemoryEngine
from tests.service.test_webhook_order import RUDI, current, failed_status, funnel
from tests.support.builders import quiet_contact, rule, sends_a_day
from tests.support.sender import sent_followup


def sends_to_rudi(engine: MemoryEngine) -> int:
    return len([r for r in engine.sandbox.sent() if r.body and r.body.get("to") == RUDI])


def throttled_after_sending(engine: MemoryEngine, followup: FollowUp, code: int) -> FollowUp:
    """WhatsApp reports `followup` failed with `code` 30 s after taking it; the next tick
    comes a minute later. The follow-up that sends the step again."""
    engine.clock.advance(timedelta(seconds=30))
    assert engine.deliver(failed_status(followup, engine.clock.now(), code=code)) == 200
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    again = engine.deps.followups.followup(resend_followup_id(followup.id))
    assert again is not None
    return again


@pytest.mark.parametrize("code", [131056, 130429])
def test_a_rate_limit_reported_after_the_send_sends_the_step_again(
    engine: MemoryEngine, code: int
) -> None:
    # Given a follow-up WhatsApp took
    followup = sent_followup(engine, RUDI)
    # When its `failed` status says a rate limit was met, and a minute passes
    again = throttled_after_sending(engine, followup, code)
    # Then the step went again, and the Stats page counts it sent once
    assert sends_to_rudi(engine) == 2
    assert again.status is Status.SENT
    assert current(engine, followup).status is Status.FAILED
    assert funnel(engine)[0] == 1


def test_rate_limits_answered_before_the_send_leave_the_resends_after_it_whole(
    engine: MemoryEngine,
) -> None:
    # Given a busy number: 360dialog answers the step's first three tries with its
    # throughput limit before it takes the message
    engine.sandbox.fail_next(status=429, code=130429, times=3)
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    engine.run_until(engine.clock.now() + timedelta(minutes=1))
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert [r.status for r in engine.sandbox.requests] == [429, 429, 429, 200]
    # When WhatsApp then reports the message failed for the number's throughput
    engine.clock.advance(timedelta(seconds=30))
    reported_at = engine.clock.now()
    assert engine.deliver(failed_status(followup, reported_at, code=130429)) == 200
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    # Then the step goes again 30 s after the report, as after a first report
    again = engine.deps.followups.followup(resend_followup_id(followup.id))
    assert again is not None, f"the step ended {current(engine, followup).status}"
    assert again.scheduled_at == reported_at + timedelta(seconds=30)
    assert again.status is Status.SENT
    assert sends_to_rudi(engine) == 2


def test_a_step_throttled_after_each_send_goes_a_few_times_then_ends_skipped(
    engine: MemoryEngine,
) -> None:
    # Given a workspace that lets a lead get many messages a day, and a follow-up
    # WhatsApp took
    sends_a_day(engine.deps, 10)
    followup = sent_followup(engine, RUDI)
    # When every send of the step is reported throttled after it went
    for _ in range(REPORTED_THROTTLES):
        followup = throttled_after_sending(engine, followup, 131056)
    engine.clock.advance(timedelta(seconds=30))
    assert engine.deliver(failed_status(followup, engine.clock.now(), code=131056)) == 200
    engine.clock.advance(timedelta(hours=1))
    engine.tick()
    # Then it went REPORTED_THROTTLES times more and then stopped: the last ends skipped
    assert sends_to_rudi(engine) == 1 + REPORTED_THROTTLES
    assert current(engine, followup).status is Status.SKIPPED


def test_a_failed_status_naming_no_error_says_the_message_failed_after_it_went(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up WhatsApp took (it has a wamid: something was sent)
    followup = sent_followup(engine, RUDI)
    engine.clock.advance(timedelta(seconds=30))
    # When its `failed` status comes without an `errors` array
    delivery = failed_status(followup, engine.clock.now())
    del delivery["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"]
    assert engine.deliver(delivery) == 200
    # Then it ends failed, and the queue does not say 360dialog was never reached
    failed = current(engine, followup)
    assert failed.status is Status.FAILED
    assert failed.reason == "WhatsApp reported the message failed, without saying why"


def test_a_step_sent_again_after_a_reported_rate_limit_is_not_held_by_the_frequency_cap(
    engine: MemoryEngine,
) -> None:
    # Given a workspace that lets a lead get one message a day, and a follow-up WhatsApp
    # took
    sends_a_day(engine.deps, 1)
    followup = sent_followup(engine, RUDI)
    engine.pump_stream()
    # When its `failed` status says a rate limit was met (heard twice), and a minute passes
    engine.clock.advance(timedelta(seconds=30))
    report = failed_status(followup, engine.clock.now(), code=131056)
    assert engine.deliver(report) == 200
    assert engine.deliver(report) == 200
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    # Then the step went again, the lead's one message of the day: the send they never got
    # did not count toward the cap, and the one they got does
    again = engine.deps.followups.followup(resend_followup_id(followup.id))
    assert again is not None
    assert (again.status, again.reason) == (Status.SENT, None)
    assert sends_to_rudi(engine) == 2
    engine.pump_stream()
    lead = engine.deps.contacts.contact(followup.contact_id)
    assert lead is not None
    gating = engine.deps.catalog.settings().gating
    assert gate(lead.item, gating, engine.clock.now()) is Reason.FREQUENCY_CAP


def test_a_cold_lead_whose_message_was_reported_rate_limited_still_gets_the_step(
    engine: MemoryEngine,
) -> None:
    # Given a workspace that lets a cold lead get one follow-up in all, and a cold lead
    # whose follow-up WhatsApp took
    settings = engine.deps.rules.settings()
    gating = settings.gating.model_copy(update={"cold_max_followups": 1})
    engine.deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    engine.deps.catalog.invalidate()
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(
        engine.deps, RUDI, engine.clock.now() - timedelta(hours=25), score=Score.COLD
    )
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    engine.pump_stream()
    # When its `failed` status says a rate limit was met, and a minute passes
    again = throttled_after_sending(engine, followup, 131056)
    # Then the step went again: the message the lead never got did not use their one
    # follow-up, and the one they got does
    assert (again.status, again.reason) == (Status.SENT, None)
    assert sends_to_rudi(engine) == 2
    engine.pump_stream()
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert gate(found.item, gating, engine.clock.now()) is Reason.COLD_CAP
