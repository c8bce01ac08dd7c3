"""With `whatsapp_stop_stops_all` false, a WhatsApp STOP stops WhatsApp alone: a queued
step that falls back to SMS, and the journey's later SMS steps, go on; and no journey is
left waiting for ever on a step the STOP ended."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import Reason, Status
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
WA_ID = "6281100000772"
TEXT = "Hi {first_name|there}, your place is still open."


def whatsapp_only_stops(engine: MemoryEngine) -> None:
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"whatsapp_stop_stops_all": False}))


def step(wait_hours: int, channel: str, fallbacks: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "wait": {"amount": wait_hours, "unit": "hours"},
        "channel": channel,
        "fallbacks": fallbacks,
        "text": TEXT,
        "template": {"name": "apply_reminder", "language": "en"},
    }
    if "email" in fallbacks:
        body["email"] = {"subject": "One step left", "body": TEXT}
    return body


def send_stop(engine: MemoryEngine, message_id: str) -> None:
    """The lead sends STOP on WhatsApp now."""
    at = engine.clock.now()
    assert engine.deliver(envelopes.text_message(WA_ID, "STOP", at, message_id)) == 200


def waiting_for_ever(engine: MemoryEngine, contact_id: str) -> list[Enrollment]:
    """The contact's running journeys with no step due and no follow-up left to go."""
    followups = engine.deps.followups.followups_of(contact_id)
    going = {f.enrollment_id for f in followups if f.status.unsent or f.status is Status.SENDING}
    return [
        e.item
        for e in engine.deps.followups.enrollments_of(contact_id)
        if e.item.state is EnrollmentState.ACTIVE
        and e.item.next_due_at is None
        and e.item.held_at is None
        and e.item.id not in going
    ]


def test_whatsapp_only_stop_keeps_the_queued_steps_sms_fallback_and_journey(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given STOP stops WhatsApp alone, and a journey: step 1 on WhatsApp falling back to
    # SMS (undeliverable) two hours after the lead's silence crossed a day, step 2 by SMS
    whatsapp_only_stops(engine)
    engine.deps.rules.save_rule(
        rule(
            steps=[step(2, "whatsapp", ["sms"]), step(24, "sms", [])],
            exit={"on_reply": False},  # a reply (the STOP itself) does not end it
        )
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert (queued.status, queued.channel) == (Status.QUEUED, "whatsapp")
    # When the lead sends STOP on WhatsApp while step 1 waits, and time passes over both steps
    send_stop(engine, "wamid.stop1")
    engine.ticks(30, every=HOUR)
    # Then nothing went by WhatsApp, and the journey reached the lead by SMS, as it would
    # have had the STOP come before step 1 was queued (WhatsApp passed over, SMS used)
    assert engine.sandbox.sent() == []
    assert [channel for channel, _ in outbox.sent] == ["sms", "sms"]
    sent = engine.deps.followups.followup(queued.id)
    assert sent is not None
    assert (sent.status, sent.channel, sent.skipped_channels) == (
        Status.SENT,
        "sms",
        ["opted_out:whatsapp"],
    )
    [journey] = engine.deps.followups.enrollments_of(lead.id)
    assert journey.item.state is EnrollmentState.COMPLETED


def test_whatsapp_only_stop_leaves_no_journey_running_for_ever(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given the same workspace and a one-step journey (WhatsApp, then SMS when undeliverable)
    whatsapp_only_stops(engine)
    engine.deps.rules.save_rule(rule(steps=[step(2, "whatsapp", ["sms"])]))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    # When the lead sends STOP on WhatsApp while the step waits, and days pass
    send_stop(engine, "wamid.stop2")
    engine.ticks(72, every=HOUR)
    # Then every journey is over or on its way: none is left running on a step whose
    # follow-up ended, with nothing due, for ever
    assert engine.deps.followups.enrollments_of(lead.id) != []
    assert waiting_for_ever(engine, lead.id) == []
    assert engine.sandbox.sent() == []


@pytest.mark.parametrize("fallbacks", [[], ["email"]], ids=["no_fallback", "unreachable_email"])
def test_whatsapp_only_stop_ends_the_journey_at_a_step_no_other_channel_can_carry(
    engine: MemoryEngine, outbox: Outbox, fallbacks: list[str]
) -> None:
    # Given STOP stops WhatsApp alone, and a journey whose queued step 1 goes on WhatsApp
    # alone (or falls back to email, and the lead has no email), then step 2 by SMS
    whatsapp_only_stops(engine)
    engine.deps.rules.save_rule(
        rule(
            steps=[step(2, "whatsapp", fallbacks), step(24, "sms", [])],
            exit={"on_reply": False},
        )
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [queued] = engine.deps.followups.followups_of(lead.id)
    # When the lead sends STOP on WhatsApp while step 1 waits
    send_stop(engine, "wamid.stop3")
    # Then step 1 ends opted out at once, and its journey with it, as the sender ends a
    # step no channel can carry
    ended = engine.deps.followups.followup(queued.id)
    assert ended is not None
    assert ended.status is Status.OPTED_OUT
    journey = engine.deps.followups.enrollment(queued.enrollment_id or "")
    assert journey is not None
    assert (journey.item.state, journey.item.exit_reason) == (
        EnrollmentState.EXITED,
        Reason.OPTED_OUT,
    )
    # and days later nothing went by WhatsApp and no journey waits for ever
    engine.ticks(72, every=HOUR)
    assert engine.sandbox.sent() == []
    assert waiting_for_ever(engine, lead.id) == []
