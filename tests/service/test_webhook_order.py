"""WhatsApp's webhook as it really comes: statuses out of order, the same POST delivered
again, a first try that errs half-way. Whatever the order, a lead's STOP is heard, the
stats count what happened once, the AI reads a reply once and a failure's effects land."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import FollowUp, Status
from followup.services.webhook import resume_number
from followup_local import envelopes
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import LEAD, follow_up_rule, lead
from tests.support.builders import quiet_contact, rule
from tests.support.sender import sent_followup

RUDI = "6281100000501"
KEY = "sk-ant-local-test"


def current(engine: MemoryEngine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def status(followup: FollowUp, state: str, at: datetime) -> dict[str, Any]:
    """WhatsApp's status webhook about `followup`'s message."""
    return envelopes.status(followup.provider_message_id or "", state, at, RUDI, followup.id)


def failed_status(followup: FollowUp, at: datetime, code: int = 131026) -> dict[str, Any]:
    """WhatsApp's `failed` status about `followup`'s message, with its error `code`."""
    document = status(followup, "failed", at)
    document["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {
            "code": code,
            "title": "Message undeliverable",
            "message": "Message undeliverable",
            "error_data": {"details": "Message Undeliverable."},
        }
    ]
    return document


def sent_from(engine: MemoryEngine, followup: FollowUp) -> str:
    """The number `followup` went from."""
    contact = engine.deps.contacts.contact(followup.contact_id)
    assert contact is not None
    return engine.deps.numbers.sender(contact.item.phone_number_id)


def funnel(engine: MemoryEngine) -> tuple[int | None, ...]:
    """Today's (sent, delivered, read) on the Stats page, and the journey's first step."""
    today = engine.clock.now().date()
    engine.pump_stream()
    [day] = engine.deps.stats.stats(today, today)
    [step] = engine.deps.stats.journey_stats(day.rule_id, today, today).steps
    names = ("sent", "delivered", "read")
    return tuple(day.counts.get(n) for n in names) + tuple(step.counts.get(n) for n in names)


def test_a_failed_status_after_read_is_acknowledged_and_the_stop_beside_it_is_heard(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up the lead has read
    followup = sent_followup(engine, RUDI)
    now = engine.clock.now()
    assert engine.deliver(status(followup, "read", now)) == 200
    assert current(engine, followup).status is Status.READ
    # When one POST brings a late `failed` status about it and, in a second entry, the
    # lead's STOP, and WhatsApp delivers that POST three times
    delivery = failed_status(followup, now + timedelta(seconds=1))
    stop = envelopes.text_message(RUDI, "STOP", now + timedelta(seconds=2), "wamid.in.stop")
    delivery["entry"].append(stop["entry"][0])
    codes = [engine.deliver(delivery) for _ in range(3)]
    # Then every delivery is acknowledged, the read message stays read, and the lead is
    # opted out
    assert codes == [200, 200, 200]
    assert current(engine, followup).status is Status.OPTED_OUT
    contact = engine.deps.contacts.contact(followup.contact_id)
    assert contact is not None
    assert contact.item.opted_out


def test_a_read_heard_before_delivered_still_counts_the_delivery_once(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up just sent
    followup = sent_followup(engine, RUDI)
    now = engine.clock.now()
    # When WhatsApp's `read` arrives before its `delivered`
    assert engine.deliver(status(followup, "read", now + timedelta(seconds=5))) == 200
    assert engine.deliver(status(followup, "delivered", now + timedelta(seconds=2))) == 200
    # Then the message shows read, and the stats and the journey's funnel count it sent,
    # delivered and read, once each
    assert current(engine, followup).status is Status.READ
    assert funnel(engine) == (1, 1, 1, 1, 1, 1)


def test_delivered_then_read_in_order_counts_each_once(engine: MemoryEngine) -> None:
    # Given a follow-up just sent
    followup = sent_followup(engine, RUDI)
    now = engine.clock.now()
    # When WhatsApp reports it delivered, then read, then read again
    assert engine.deliver(status(followup, "delivered", now + timedelta(seconds=2))) == 200
    assert engine.deliver(status(followup, "read", now + timedelta(seconds=5))) == 200
    assert engine.deliver(status(followup, "read", now + timedelta(seconds=5))) == 200
    # Then the stats and the journey's funnel count it sent, delivered and read, once each
    assert funnel(engine) == (1, 1, 1, 1, 1, 1)


def test_a_reply_heard_before_delivered_counts_the_delivery_once(engine: MemoryEngine) -> None:
    # Given a follow-up just sent
    followup = sent_followup(engine, RUDI)
    now = engine.clock.now()
    # When the lead replies before WhatsApp's `delivered` comes, then it comes
    reply = envelopes.text_message(RUDI, "ok kak", now + timedelta(seconds=3), "wamid.in.ok")
    assert engine.deliver(reply) == 200
    assert engine.deliver(status(followup, "delivered", now + timedelta(seconds=2))) == 200
    # Then the message shows answered, and the funnel counts it sent and delivered once
    assert current(engine, followup).status is Status.RESPONDED
    assert funnel(engine) == (1, 1, None, 1, 1, None)


def test_a_redelivered_reply_is_not_read_again_by_the_ai_nor_scheduled_twice(
    engine: MemoryEngine, fake: FakeAnthropic
) -> None:
    # Given the AI reads replies, and rules follow up `busy` and `call_back_at` replies
    engine.deps.classifier = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url)
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    engine.deps.catalog.invalidate()
    now = engine.clock.now()
    engine.sandbox.record_inbound(LEAD, now)
    message = envelopes.text_message(
        LEAD, "nanti ya kak, lagi di jalan", now, "wamid.ONE", name="Dewi"
    )
    # And the lead's reply, read as `busy`
    fake.tool_input_next({"intent": "busy", "confidence": 0.9, "local_time": None})
    assert engine.deliver(message) == 200
    # When WhatsApp delivers the same message again 30 s later (where the AI would now
    # read a call back)
    engine.clock.advance(timedelta(seconds=30))
    fake.tool_input_next(
        {"intent": "call_back_at", "confidence": 0.9, "local_time": "2026-11-24T15:00"}
    )
    assert engine.deliver(message) == 200
    # Then the AI was asked once, and the lead is followed up once, as busy
    contact_id = lead(engine)["id"]
    enrolled = sorted(e.item.rule_id for e in engine.deps.followups.enrollments_of(contact_id))
    assert (len(fake.requests), enrolled) == (1, ["busy-nudge"])


def test_a_spam_limit_failure_still_pauses_the_number_when_the_first_try_errs(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a follow-up sent, and a store that throttles the first write pausing a number
    followup = sent_followup(engine, RUDI)
    engine.clock.advance(timedelta(seconds=30))
    real_save = engine.deps.rules.save_numbers_from
    calls = {"n": 0}

    def throttled_once(*args: Any, **kwargs: Any) -> bool:
        calls["n"] += 1
        if calls["n"] == 1:
            error = {"Code": "ProvisionedThroughputExceededException", "Message": "slow down"}
            raise ClientError({"Error": error}, "PutItem")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(engine.deps.rules, "save_numbers_from", throttled_once)
    # When WhatsApp reports the message failed for the spam rate limit (131048): the first
    # try errs after the follow-up was failed, and WhatsApp delivers the status again
    delivery = failed_status(followup, engine.clock.now(), code=131048)
    assert engine.deliver(delivery) == 500
    assert engine.deliver(delivery) == 200
    # Then the follow-up is failed and the number it went from is paused
    assert current(engine, followup).status is Status.FAILED
    assert [n.paused for n in engine.deps.rules.numbers()] == [True]
    assert engine.deps.catalog.sending_paused(sent_from(engine, followup)) is not None


def test_a_failed_status_delivered_again_after_the_number_was_resumed_leaves_it_running(
    engine: MemoryEngine,
) -> None:
    # Given a spam rate limit failure (131048) that paused the number
    followup = sent_followup(engine, RUDI)
    engine.clock.advance(timedelta(seconds=30))
    delivery = failed_status(followup, engine.clock.now(), code=131048)
    assert engine.deliver(delivery) == 200
    number = sent_from(engine, followup)
    assert engine.deps.catalog.sending_paused(number) is not None
    # When an admin resumes the number, and WhatsApp delivers the same status again
    engine.clock.advance(timedelta(minutes=10))
    assert resume_number(engine.deps, number, engine.clock.now())
    assert engine.deliver(delivery) == 200
    # Then the number keeps sending
    assert [n.paused for n in engine.deps.rules.numbers()] == [False]
    assert engine.deps.catalog.sending_paused(number) is None


def test_a_withheld_message_is_not_sent_again_after_the_journeys_next_step(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey: a first reminder, then a second one two hours later
    template = {
        "name": "apply_reminder",
        "language": "en",
        "params": [{"field": "first_name", "default": "there"}],
    }
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": template},
        {"wait": {"amount": 2, "unit": "hours"}, "template": template},
    ]
    engine.deps.rules.save_rule(rule(steps=steps))
    quiet = quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [first] = engine.deps.followups.followups_of(quiet.id)
    # When WhatsApp reports the first reminder withheld (131049), to be tried again no
    # sooner than a day later, and the engine runs hour by hour for three days
    assert engine.deliver(failed_status(first, engine.clock.now(), code=131049)) == 200
    engine.ticks(72, every=timedelta(hours=1))
    # Then the lead gets the reminders in the journey's order, never the first after the
    # second, and the withheld one shows skipped
    followups = {f.id: f for f in engine.deps.followups.followups_of(quiet.id)}
    sent = [followups[r.followup_id or ""].step_index for r in engine.sandbox.sent()]
    assert sent == [0, 1]
    assert current(engine, first).status is Status.SKIPPED
