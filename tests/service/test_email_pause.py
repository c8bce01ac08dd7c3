"""SES refusing the whole account pauses email: the email follow-ups wait, unfailed and
their tries unspent, until an admin resumes email; then each goes once. SES refusing one
address pauses nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.channels import ChannelRefused, ChannelUnavailable
from followup.domain.followup import FollowUp, Status
from followup.services.pausing import resume_email
from followup.services.ports import EMAIL_HELD
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
EMAIL = {"subject": "One step left", "body": "Hi {first_name|there}, apply."}
PAUSED = "ses: SendingPausedException"


class _Ses(Outbox):
    """SNS taking every SMS; SES answering each email with `refusal` while it is set."""

    def __init__(self, refusal: Exception | None) -> None:
        super().__init__()
        self.refusal = refusal
        self.emails_asked = 0

    def send(self, *message: Any) -> str:
        if not isinstance(message[0], str):
            self.emails_asked += 1
            if self.refusal is not None:
                raise self.refusal
        return super().send(*message)


def email_then_sms(engine: MemoryEngine, ses: _Ses, leads: int) -> list[str]:
    """An email step falling back to SMS, and `leads` leads quiet for a day, each with an
    email address: their ids."""
    engine.deps.sms = engine.deps.email = ses
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "email",
        "fallbacks": ["sms"],
        "text": "Hi {first_name|there}, your place is still open.",
        "email": EMAIL,
    }
    engine.deps.rules.save_rule(rule(steps=[step]))
    quiet = engine.clock.now() - 25 * HOUR
    return [
        quiet_contact(engine.deps, f"62811000093{n}", quiet, email=f"lead{n}@example.com").id
        for n in range(leads)
    ]


def only_followup(engine: MemoryEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def test_ses_refusing_the_account_pauses_email_once_and_holds_its_follow_ups(
    engine: MemoryEngine,
) -> None:
    # Given two leads due an email step with an SMS fallback, and SES refusing the account
    ses = _Ses(ChannelUnavailable(PAUSED))
    leads = email_then_sms(engine, ses, 2)
    # When the tick sends them
    engine.tick()
    # Then SES was asked once: its refusal paused email, and the other lead's email waits
    assert ses.emails_asked == 1
    pause = engine.deps.rules.settings().email_paused
    assert pause is not None
    assert (pause.reason, pause.at) == (PAUSED, engine.clock.now())
    # And neither lead got the SMS in its place: both follow-ups wait for email, unfailed,
    # their tries unspent, saying why
    assert ses.sent == []
    for lead in leads:
        held = only_followup(engine, lead)
        assert (held.status, held.held_by, held.attempt) == (Status.QUEUED, EMAIL_HELD, 0)
        assert held.reason == f"held: email paused: {PAUSED}"
    # And the pause is in the audit log once, by the engine
    entries = engine.deps.rules.audit_log(50, None).items
    assert [(e.action, e.actor, e.after) for e in entries] == [("email.paused", "engine", PAUSED)]


def test_held_email_follow_ups_outlast_the_expire_tick_and_go_once_on_resume(
    engine: MemoryEngine,
) -> None:
    # Given email paused by SES's refusal of the account, holding two leads' follow-ups
    ses = _Ses(ChannelUnavailable(PAUSED))
    leads = email_then_sms(engine, ses, 2)
    engine.tick()
    # When days of ticks pass, the expire tick's among them
    engine.ticks(3, every=DAY)
    # Then nothing went, and each follow-up still waits
    assert ses.sent == []
    assert all(only_followup(engine, lead).status is Status.QUEUED for lead in leads)
    # When SES sends again and an admin resumes email
    ses.refusal = None
    assert resume_email(engine.deps, engine.clock.now()) == PAUSED
    engine.drain()
    engine.ticks(2, every=HOUR)
    # Then each lead gets its email once, and nothing by SMS
    assert sorted(ses.sent) == [("email", "lead0@example.com"), ("email", "lead1@example.com")]
    for lead in leads:
        sent = only_followup(engine, lead)
        assert (sent.status, sent.channel, sent.held_by) == (Status.SENT, "email", None)
    assert engine.deps.rules.settings().email_paused is None


def test_resuming_email_that_is_not_paused_changes_nothing(engine: MemoryEngine) -> None:
    assert resume_email(engine.deps, engine.clock.now()) is None
    assert engine.deps.rules.audit_log(50, None).items == []


def test_ses_refusing_one_address_does_not_pause_email(engine: MemoryEngine) -> None:
    # Given SES refusing the lead's address (not the account)
    ses = _Ses(ChannelRefused("ses: MessageRejected"))
    [lead] = email_then_sms(engine, ses, 1)
    # When the tick sends it
    engine.tick()
    # Then the SMS goes in its place, as before, and email is not paused
    assert ses.sent == [("sms", "+628110000930")]
    sent = only_followup(engine, lead)
    assert (sent.status, sent.channel) == (Status.SENT, "sms")
    assert sent.skipped_channels == ["email: ses: MessageRejected"]
    assert engine.deps.rules.settings().email_paused is None
