"""Every view of what paused email holds agrees with the sender, and says it is email's
pause: the contact's upcoming steps, the rule preview and send-now. Email's pause holds
only what goes by email; WhatsApp and SMS go on."""

from __future__ import annotations

from followup.domain.followup import Status
from followup.services import manual
from followup.services.pausing import pause_email, resume_email
from followup.services.preview import preview
from followup.services.upcoming import upcoming
from followup_local.memory_engine import MemoryEngine
from tests.service.test_paused_number_channels import one_step, quiet_lead
from tests.service.test_paused_number_views import HOUR, journey, the_contact
from tests.support.builders import sends_a_day
from tests.support.outbox import Outbox

PAUSED = "ses: SendingPausedException"


def pause_the_email(engine: MemoryEngine) -> None:
    """SES refused the account: email is paused."""
    assert pause_email(engine.deps, PAUSED, engine.clock.now())


def test_the_preview_says_paused_email_holds_an_email_rule(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a rule sending by email (SMS after it), and email paused
    sending = one_step("email", ["sms"])
    engine.deps.rules.save_rule(sending)
    lead = quiet_lead(engine, "6281100000331")
    pause_the_email(engine)
    # When marketing previews the rule
    seen = preview(engine.deps, sending)
    # Then the lead is left out because email is paused, not for a paused number
    assert seen.skipped == {"email_paused": 1}
    assert [(e.contact_id, e.reason) for e in seen.excluded] == [(lead.id, "email_paused")]
    assert seen.due_now == 0
    # And the tick holds the email as the preview said, sending no SMS in its place
    engine.tick()
    assert outbox.sent == []


def test_the_preview_promises_a_whatsapp_rule_while_email_is_paused(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a rule sending by WhatsApp, and email paused
    sending = one_step("whatsapp")
    engine.deps.rules.save_rule(sending)
    lead = quiet_lead(engine, "6281100000332")
    pause_the_email(engine)
    # When marketing previews the rule
    seen = preview(engine.deps, sending)
    # Then it promises the lead a message now
    assert seen.skipped == {}
    assert [p.contact_id for p in seen.planned] == [lead.id]
    # And the tick sends it, as promised
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_the_contact_page_marks_only_the_email_step_held_by_paused_email(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a journey of a WhatsApp message, then an email, then an SMS, an hour apart
    # (three follow-ups a day allowed), its first message sent, and then email paused
    sends_a_day(engine.deps, 3)
    engine.deps.rules.save_rule(journey("whatsapp", "email", "sms"))
    lead = quiet_lead(engine, "6281100000333")
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    pause_the_email(engine)
    # When the contact page lists what comes next
    shown = upcoming(engine.deps, the_contact(engine, lead))
    # Then the email is shown held by email's pause, and the SMS after it as going
    assert [(u.step + 1, u.does, u.paused, u.email_paused) for u in shown] == [
        (2, "email", True, True),
        (3, "sms", False, False),
    ]
    assert shown[0].as_json()["email_paused"] is True


def test_send_now_of_an_email_rule_says_it_waits_for_email_to_be_resumed(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a rule sending by email, and email paused
    engine.deps.rules.save_rule(one_step("email"))
    lead = quiet_lead(engine, "6281100000334")
    pause_the_email(engine)
    # When a counsellor sends it now
    followup = manual.send_now(engine.deps, lead.id, "apply-remind-24h")
    goes = manual.when(engine.deps, followup)
    # Then they are told it waits for an admin to resume email, and why email is paused
    assert (goes.now, goes.why_code) == (False, "email_paused")
    assert goes.why == f"email paused: {PAUSED}: it goes once an admin resumes email"
    # And it goes once an admin resumes email, not before
    engine.drain()
    assert outbox.sent == []
    assert resume_email(engine.deps, engine.clock.now()) == PAUSED
    engine.drain()
    engine.ticks(1, every=HOUR)
    assert outbox.sent == [("email", "rudi@example.com")]
    sent = engine.deps.followups.followup(followup.id)
    assert sent is not None
    assert sent.status is Status.SENT


def test_send_now_of_an_sms_rule_goes_at_once_while_email_is_paused(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a rule sending by SMS, and email paused
    engine.deps.rules.save_rule(one_step("sms"))
    lead = quiet_lead(engine, "6281100000335")
    pause_the_email(engine)
    # When a counsellor sends it now
    followup = manual.send_now(engine.deps, lead.id, "apply-remind-24h")
    goes = manual.when(engine.deps, followup)
    # Then they are told it goes now
    assert (goes.now, goes.why_code) == (True, "window_open")
    engine.drain()
    assert outbox.sent == [("sms", "+6281100000335")]
