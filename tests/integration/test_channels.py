"""SMS through SNS and email through SES on moto, channel fallback on the virtual clock,
and per-channel opt-out."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import boto3
from botocore.exceptions import ClientError
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from starlette.applications import Starlette
from starlette.testclient import TestClient

from followup.adapters.email import SesEmail
from followup.adapters.sms import SnsSms
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Status
from followup.domain.rule import ExitPolicy, Rule
from followup.services.contacts import update_contact
from followup.services.inbound import record_inbound
from followup_local import envelopes
from followup_local.engine import REGION, LocalEngine
from followup_local.outbox import EMAIL_FROM
from followup_local.sandbox_page import SandboxPage
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.sender import send_batch

HOUR = timedelta(hours=1)
SMS_TEXT = "Hi {first_name|there}, your place is still open."
EMAIL = {"subject": "{first_name|Friend}, one step left", "body": "Hi {first_name|there}, apply."}


def channel_rule(channel: str, fallbacks: list[str] | None = None, **when: Any) -> Any:
    step: dict[str, Any] = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": channel,
        "fallbacks": fallbacks or [],
        "text": SMS_TEXT,
        "template": {"name": "apply_reminder", "language": "en"},
        "email": EMAIL,
    }
    if when:
        step["fallback_when"] = when
    return rule(steps=[step])


def followups(engine: LocalEngine, contact_id: str) -> list[FollowUp]:
    return sorted(engine.deps.followups.followups_of(contact_id), key=lambda f: f.created_at)


def test_an_sms_step_publishes_the_text_through_sns(engine: LocalEngine) -> None:
    # Given an SMS rule and a quiet lead
    engine.deps.rules.save_rule(channel_rule("sms"))
    lead = quiet_contact(engine.deps, "6281100000101", engine.clock.now() - 25 * HOUR)
    # When the scheduler ticks
    engine.tick()
    # Then SNS received one SMS with the personalised text, and WhatsApp nothing
    [sms] = engine.outbox()
    assert (sms.channel, sms.to) == ("sms", "+6281100000101")
    assert sms.text == "Hi Rudi, your place is still open."
    assert engine.sandbox.sent() == []
    [followup] = followups(engine, lead.id)
    assert (followup.status, followup.channel) == (Status.SENT, "sms")


def test_an_email_step_sends_subject_body_and_one_click_unsubscribe(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(channel_rule("email"))
    lead = quiet_contact(
        engine.deps, "6281100000102", engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    engine.tick()
    [email] = engine.outbox()
    assert (email.channel, email.to) == ("email", "rudi@example.com")
    assert email.subject == "Rudi, one step left"
    assert email.text.startswith("Hi Rudi, apply.")
    assert email.headers["List-Unsubscribe"].startswith("<http")
    assert "/u/" in email.headers["List-Unsubscribe"]
    assert email.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [followup] = followups(engine, lead.id)
    assert (followup.status, followup.channel) == (Status.SENT, "email")


def test_a_name_shaped_as_an_encoded_word_stays_text_in_the_subject(engine: LocalEngine) -> None:
    # Given a lead whose name, from a CRM form, is an encoded word hiding a line break and
    # a Reply-To header
    name = "=?utf-8?q?Budi=0D=0AReply-To:_attacker@evil.example?="
    engine.deps.rules.save_rule(channel_rule("email"))
    quiet_contact(
        engine.deps,
        "6281100000103",
        engine.clock.now() - 25 * HOUR,
        email="budi@example.com",
        name=name,
    )
    # When the email step goes
    engine.tick()
    # Then the email has no header the name made, and its subject shows the name as written
    [email] = engine.outbox()
    assert "Reply-To" not in email.headers
    assert (email.subject or "").replace("\u2060", "") == f"{name}, one step left"


def test_whatsapp_refused_falls_back_to_sms_at_once(engine: LocalEngine) -> None:
    # Given WhatsApp with an SMS fallback, and 360dialog refusing the number as undeliverable
    engine.deps.rules.save_rule(channel_rule("whatsapp", ["sms"]))
    lead = quiet_contact(engine.deps, "6281100000103", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131026, to=lead.wa_id)
    # When the scheduler ticks
    engine.tick()
    # Then the SMS went out in the same send, and the follow-up says why WhatsApp was passed
    [sms] = engine.outbox()
    assert sms.to == "+6281100000103"
    [followup] = followups(engine, lead.id)
    assert (followup.status, followup.channel) == (Status.SENT, "sms")
    assert followup.skipped_channels[0].startswith("whatsapp: WhatsApp error 131026")


def test_no_reply_in_24_hours_moves_from_whatsapp_to_sms_then_email(engine: LocalEngine) -> None:
    # Given WhatsApp, then SMS, then email, each after 24 h without a reply
    day = {"amount": 24, "unit": "hours"}
    rule_ = channel_rule("whatsapp", ["sms", "email"], no_reply_within=day)
    engine.deps.rules.save_rule(rule_)
    lead = quiet_contact(
        engine.deps, "6281100000104", engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    # When the scheduler ticks: WhatsApp first, nothing else yet
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    assert engine.outbox() == []
    # 23 hours later still nothing new
    engine.clock.advance(23 * HOUR)
    engine.tick()
    assert engine.outbox() == []
    # At 24 h the SMS
    engine.clock.advance(HOUR)
    engine.tick()
    assert [sent.channel for sent in engine.outbox()] == ["sms"]
    # And 24 h after the SMS the email
    engine.clock.advance(24 * HOUR)
    engine.tick()
    assert [sent.channel for sent in engine.outbox()] == ["sms", "email"]
    assert [f.channel for f in followups(engine, lead.id)] == ["whatsapp", "sms", "email"]
    assert len(engine.sandbox.sent()) == 1


def test_a_reply_before_the_24_hours_stops_the_fallback(engine: LocalEngine) -> None:
    rule_ = channel_rule("whatsapp", ["sms"], no_reply_within={"amount": 24, "unit": "hours"})
    engine.deps.rules.save_rule(rule_)
    lead = quiet_contact(engine.deps, "6281100000105", engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.clock.advance(2 * HOUR)
    record_inbound(engine.deps, lead.wa_id or "", "yes, tell me more", engine.clock.now())
    engine.clock.advance(30 * HOUR)
    engine.tick()
    assert engine.outbox() == []


def test_a_contact_without_email_skips_email_with_a_reason(engine: LocalEngine) -> None:
    # Given an email step falling back to SMS and a lead with no email address
    engine.deps.rules.save_rule(channel_rule("email", ["sms"]))
    lead = quiet_contact(engine.deps, "6281100000106", engine.clock.now() - 25 * HOUR)
    engine.tick()
    # Then SMS went instead, and the follow-up records why email was passed over
    assert [sent.channel for sent in engine.outbox()] == ["sms"]
    [followup] = followups(engine, lead.id)
    assert followup.channel == "sms"
    assert followup.skipped_channels == ["no_address:email"]


def test_an_email_only_step_for_a_contact_without_email_is_skipped(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(channel_rule("email"))
    lead = quiet_contact(engine.deps, "6281100000107", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert engine.outbox() == []
    [followup] = followups(engine, lead.id)
    assert followup.status is Status.SKIPPED
    assert followup.reason == "no channel: no_address:email"


def test_a_number_on_the_sns_opt_out_list_is_not_texted(engine: LocalEngine) -> None:
    # Given an SMS step falling back to email, and a number SNS lists as opted out
    # (moto's SNS lists every number ending in 99)
    engine.deps.rules.save_rule(channel_rule("sms", ["email"]))
    lead = quiet_contact(
        engine.deps, "6281100000199", engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    engine.tick()
    assert [sent.channel for sent in engine.outbox()] == ["email"]
    [followup] = followups(engine, lead.id)
    assert followup.skipped_channels == ["opted_out:sms"]


def test_a_whatsapp_stop_stops_every_channel_by_default(engine: LocalEngine) -> None:
    # Given a lead who sent STOP on WhatsApp
    lead = quiet_contact(engine.deps, "6281100000108", engine.clock.now() - 25 * HOUR)
    record_inbound(engine.deps, lead.wa_id or "", "STOP", engine.clock.now() - 25 * HOUR)
    # When a WhatsApp-then-SMS rule comes due
    engine.deps.rules.save_rule(channel_rule("whatsapp", ["sms"]))
    engine.tick()
    # Then nothing is sent on any channel
    assert engine.sandbox.sent() == []
    assert engine.outbox() == []


def test_with_the_setting_off_a_whatsapp_stop_stops_whatsapp_only(engine: LocalEngine) -> None:
    # Given the workspace lets a WhatsApp STOP stop WhatsApp alone, and a lead who sent it
    settings = engine.deps.rules.settings().model_copy(update={"whatsapp_stop_stops_all": False})
    engine.deps.rules.save_settings(settings)
    engine.deps.start_cold()
    lead = quiet_contact(engine.deps, "6281100000109", engine.clock.now() - 25 * HOUR)
    record_inbound(engine.deps, lead.wa_id or "", "STOP", engine.clock.now() - 25 * HOUR)
    # When a WhatsApp-then-SMS rule comes due
    engine.deps.rules.save_rule(channel_rule("whatsapp", ["sms"]))
    engine.tick()
    # Then WhatsApp is passed over as opted out and the SMS goes
    assert engine.sandbox.sent() == []
    assert [sent.channel for sent in engine.outbox()] == ["sms"]
    [followup] = followups(engine, lead.id)
    assert followup.skipped_channels == ["opted_out:whatsapp"]


def test_an_email_unsubscribe_stops_email_only(engine: LocalEngine) -> None:
    # Given a lead who unsubscribed from email
    lead = quiet_contact(
        engine.deps, "6281100000110", engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(update={"opted_out_channels": ["email"]}),
        engine.clock.now(),
    )
    # When an email-then-SMS rule comes due
    engine.deps.rules.save_rule(channel_rule("email", ["sms"]))
    engine.tick()
    # Then the SMS goes instead of the email
    assert [sent.channel for sent in engine.outbox()] == ["sms"]


def test_the_sandbox_page_lists_sms_and_email_in_its_outbox(engine: LocalEngine) -> None:
    # Given an email step falling back to SMS and a lead with an email address
    engine.deps.rules.save_rule(channel_rule("email"))
    quiet_contact(
        engine.deps, "6281100000111", engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    engine.tick()
    # When the sandbox page asks for its outbox
    page = Starlette(routes=SandboxPage(cast(Any, engine)).routes())
    outbox = TestClient(page).get("/sandbox/outbox").json()
    # Then it lists the email with its subject and recipient
    assert [(item["channel"], item["to"], item["subject"]) for item in outbox] == [
        ("email", "rudi@example.com", "Rudi, one step left")
    ]


def emailed_through(
    engine: LocalEngine, email: SesEmail, wa_id: str
) -> tuple[str, dict[str, float]]:
    """An email step with an SMS fallback, sent through `email` to a lead quiet for a day:
    the lead's id, and what the sender's batch counted."""
    engine.deps.email = email
    engine.deps.rules.save_rule(channel_rule("email", ["sms"]))
    lead = quiet_contact(
        engine.deps, wa_id, engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    return lead.id, send_batch(engine, 1)


def test_an_email_ses_refuses_falls_back_to_sms(engine: LocalEngine) -> None:
    # Given an email step with an SMS fallback, and SES refusing the lead's address
    client = _Flaky(boto3.client("sesv2", region_name=REGION), "send_email", "MessageRejected")
    email = SesEmail(EMAIL_FROM, "http://localhost", "key", client)
    lead_id, metrics = emailed_through(engine, email, "6281100000112")
    # Then SES refused it and the SMS went instead, with no alarm about email
    assert [sent.channel for sent in engine.outbox()] == ["sms"]
    [followup] = followups(engine, lead_id)
    assert (followup.status, followup.channel) == (Status.SENT, "sms")
    assert followup.skipped_channels == ["email: ses: MessageRejected"]
    assert "send_email_unavailable" not in metrics


def test_email_from_an_identity_ses_never_verified_pauses_email_until_resumed(
    engine: LocalEngine,
) -> None:
    # Given email from an identity SES never verified, with an SMS fallback
    client = boto3.client("sesv2", region_name=REGION)
    email = SesEmail("stranger@example.org", "http://localhost", "key", client)
    # When the sender takes the follow-up
    lead_id, metrics = emailed_through(engine, email, "6281100000113")
    # Then nothing went: email is paused with SES's refusal (the account's problem, not the
    # lead's address), the follow-up waits for it, and the EmailUnavailable alarm's metric
    # is raised
    assert engine.outbox() == []
    [followup] = followups(engine, lead_id)
    assert (followup.status, followup.held_by) == (Status.QUEUED, "email")
    assert metrics.get("send_email_unavailable") == 1
    status, settings = call(engine, "GET", "/api/settings")
    assert settings["email_paused"]["reason"] == "ses: MessageRejected"
    # When the identity is verified and an admin resumes email
    engine.deps.email = SesEmail(EMAIL_FROM, "http://localhost", "key", client)
    status, resumed = call(engine, "POST", "/api/email/resume")
    assert (status, resumed["resumed"]) == (200, "email")
    send_batch(engine, 1)
    # Then the lead gets the email, once
    assert [(sent.channel, sent.to) for sent in engine.outbox()] == [("email", "rudi@example.com")]
    [followup] = followups(engine, lead_id)
    assert (followup.status, followup.channel) == (Status.SENT, "email")
    assert call(engine, "GET", "/api/settings")[1]["email_paused"] is None
    # And the audit log has the pause and who resumed it
    entries = call(engine, "GET", "/api/audit")[1]["entries"]
    assert [(e["action"], e["actor"], e["before"], e["after"]) for e in entries] == [
        ("email.resumed", "user-admin", "ses: MessageRejected", "resumed"),
        ("email.paused", "engine", None, "ses: MessageRejected"),
    ]


def test_resuming_email_that_is_not_paused_is_refused(engine: LocalEngine) -> None:
    status, answer = call(engine, "POST", "/api/email/resume")
    assert (status, answer["error"]["code"]) == (409, "email_not_paused")
    assert answer["error"]["message"] == "email is not paused: there is nothing to resume"


def test_whatsapp_text_outside_the_24_hour_window_falls_back_to_sms(engine: LocalEngine) -> None:
    # Given a WhatsApp free text without a template (it cannot go after 24 h) and an SMS fallback
    step = {"wait": {"amount": 0, "unit": "minutes"}, "fallbacks": ["sms"], "text": SMS_TEXT}
    engine.deps.rules.save_rule(rule(steps=[step]))
    lead = quiet_contact(engine.deps, "6281100000113", engine.clock.now() - 25 * HOUR)
    engine.tick()
    # Then the SMS goes, and the follow-up says why WhatsApp was passed over
    assert engine.sandbox.sent() == []
    assert [sent.channel for sent in engine.outbox()] == ["sms"]
    [followup] = followups(engine, lead.id)
    assert followup.skipped_channels == ["whatsapp: window_closed"]


def failed_status(engine: LocalEngine, followup: FollowUp, wa_id: str) -> int:
    """WhatsApp reports, after accepting it, that the message could not be delivered."""
    document = envelopes.status(
        followup.provider_message_id or "", "failed", engine.clock.now(), wa_id, followup.id
    )
    entry = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
    return engine.deliver(document)


def test_a_failed_status_from_whatsapp_sends_the_step_by_sms(engine: LocalEngine) -> None:
    # Given a WhatsApp step with an SMS fallback, sent and accepted
    engine.deps.rules.save_rule(channel_rule("whatsapp", ["sms"]))
    lead = quiet_contact(engine.deps, "6281100000114", engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = followups(engine, lead.id)
    # When WhatsApp reports it failed, and the scheduler ticks
    assert failed_status(engine, sent, lead.wa_id or "") == 200
    engine.tick()
    # Then the SMS goes, once, and the WhatsApp follow-up stays failed
    assert [item.channel for item in engine.outbox()] == ["sms"]
    whatsapp, sms = followups(engine, lead.id)
    assert (whatsapp.status, sms.status, sms.channel) == (Status.FAILED, Status.SENT, "sms")
    engine.clock.advance(2 * HOUR)
    engine.tick()
    assert len(engine.outbox()) == 1


def test_a_failed_status_ahead_of_the_sends_stream_record_still_brings_the_fallback_forward(
    engine: LocalEngine,
) -> None:
    # Given WhatsApp then SMS after 24 h without a reply, the WhatsApp message accepted,
    # the follow-up stream's record of the send not applied yet
    day = {"amount": 24, "unit": "hours"}
    engine.deps.rules.save_rule(channel_rule("whatsapp", ["sms"], no_reply_within=day))
    lead = quiet_contact(engine.deps, "6281100000116", engine.clock.now() - 25 * HOUR)
    engine.pump_each_step = False
    engine.tick()
    [sent] = followups(engine, lead.id)
    # When WhatsApp reports it failed before the record is applied
    assert failed_status(engine, sent, lead.wa_id or "") == 200
    engine.pump_each_step = True
    engine.tick()
    # Then the SMS goes at the next tick all the same, and only once
    assert [item.channel for item in engine.outbox()] == ["sms"]
    engine.clock.advance(25 * HOUR)
    engine.tick()
    assert len(engine.outbox()) == 1


def test_a_failed_status_brings_the_no_reply_fallback_forward(engine: LocalEngine) -> None:
    # Given WhatsApp then SMS after 24 h without a reply, the WhatsApp message accepted
    day = {"amount": 24, "unit": "hours"}
    engine.deps.rules.save_rule(channel_rule("whatsapp", ["sms"], no_reply_within=day))
    lead = quiet_contact(engine.deps, "6281100000115", engine.clock.now() - 25 * HOUR)
    engine.tick()
    [sent] = followups(engine, lead.id)
    # When WhatsApp reports it failed: the SMS goes at the next tick, not a day later
    assert failed_status(engine, sent, lead.wa_id or "") == 200
    engine.tick()
    assert [item.channel for item in engine.outbox()] == ["sms"]
    # And only once, even after the day passes
    engine.clock.advance(25 * HOUR)
    engine.tick()
    assert len(engine.outbox()) == 1


class _OptOutListThrottled(SnsSms):
    """SNS throttles the opt-out check (its rate limit is low): nothing is published."""

    def opted_out(self, number: str) -> bool:
        error = {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}
        raise ClientError(error, "CheckIfPhoneNumberIsOptedOut")


def test_an_sms_whose_opt_out_check_failed_goes_once_sns_answers_again(
    engine: LocalEngine,
) -> None:
    # Given an SMS step, and SNS throttling the opt-out check during the first tick
    working = cast(SnsSms, engine.deps.sms)
    engine.deps.sms = _OptOutListThrottled(working._client)
    engine.deps.rules.save_rule(channel_rule("sms"))
    lead = quiet_contact(engine.deps, "6281100000602", engine.clock.now() - 25 * HOUR)
    engine.tick()
    # Then nothing was sent, and the follow-up waits to go again rather than being lost
    [waiting] = followups(engine, lead.id)
    assert (waiting.status, engine.outbox()) == (Status.QUEUED, [])
    # When SNS answers again and the engine goes on
    engine.deps.sms = working
    engine.ticks(2, every=HOUR)
    # Then the SMS went, once
    [sent] = followups(engine, lead.id)
    assert sent.status is Status.SENT
    assert [message.channel for message in engine.outbox()] == ["sms"]


def nurture(engine: LocalEngine, wa_id: str) -> str:
    """WhatsApp, then SMS after 24 h with no reply, in a rule a reply does not end; the
    WhatsApp message sent on Tuesday 09:00. The lead's contact id."""
    chained = channel_rule("whatsapp", ["sms"], no_reply_within={"amount": 24, "unit": "hours"})
    engine.deps.rules.save_rule(chained.model_copy(update={"exit": ExitPolicy(on_reply=False)}))
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    return lead.id


def first_journey(engine: LocalEngine, contact_id: str) -> Enrollment:
    """The lead's first enrollment (the reply began a silence the rule may enroll too)."""
    found = [e.item for e in engine.deps.followups.enrollments_of(contact_id)]
    return min(found, key=lambda enrollment: enrollment.enrolled_at)


def test_a_reply_keeps_the_no_reply_fallback_from_going(engine: LocalEngine) -> None:
    # Given the lead answers on WhatsApp 2 h after the message
    contact_id = nurture(engine, "6281100000603")
    engine.clock.advance(2 * HOUR)
    record_inbound(engine.deps, "6281100000603", "yes, tell me more", engine.clock.now())
    # When the 24 h pass
    engine.clock.advance(24 * HOUR)
    engine.tick()
    engine.tick()
    # Then no SMS goes, and the journey went on past the step (its last: completed)
    assert engine.outbox() == []
    assert first_journey(engine, contact_id).state is EnrollmentState.COMPLETED


def test_a_reply_after_the_fallback_was_queued_keeps_it_from_going(engine: LocalEngine) -> None:
    # Given the SMS fallback queued by the tick before its time (Wednesday 09:00)
    contact_id = nurture(engine, "6281100000604")
    engine.clock.advance(23 * HOUR + 30 * timedelta(minutes=1))
    engine.scheduled("enqueue")
    queued = [f for f in followups(engine, contact_id) if f.channel_index == 1]
    assert [f.status for f in queued] == [Status.QUEUED]
    # When the lead answers on WhatsApp before it goes
    record_inbound(engine.deps, "6281100000604", "yes, tell me more", engine.clock.now())
    engine.clock.advance(HOUR)
    engine.tick()
    # Then it is canceled as answered, no SMS goes, and the journey went on
    [fallback] = [f for f in followups(engine, contact_id) if f.channel_index == 1]
    assert (fallback.status, fallback.reason, engine.outbox()) == (Status.CANCELED, "replied", [])
    assert first_journey(engine, contact_id).state is EnrollmentState.COMPLETED


def _email_rule(subject: str) -> dict[str, Any]:
    body = channel_rule("email").model_dump(mode="json", by_alias=True)
    body["steps"][0]["email"]["subject"] = subject
    return cast(dict[str, Any], body)


def test_an_email_subject_on_two_lines_goes_on_one(engine: LocalEngine) -> None:
    # Given an email step whose subject names a CRM field the CRM wrote on two lines
    assert (
        call(engine, "POST", "/api/rules", _email_rule("{attributes.program}: one step left"))[0]
        == 201
    )
    lead = quiet_contact(
        engine.deps,
        "6281100000703",
        engine.clock.now() - 25 * HOUR,
        email="rudi@example.com",
        attributes={"program": "MBA\nEvening class"},
    )
    # When the rule comes due
    engine.tick()
    # Then the email goes, its subject on one line
    [sent] = engine.outbox()
    assert sent.channel == "email"
    [followup] = followups(engine, lead.id)
    assert followup.rendered is not None
    assert followup.rendered.subject == "MBA Evening class: one step left"


def test_an_email_to_an_accented_domain_goes_to_its_punycode_form(engine: LocalEngine) -> None:
    # Given an email step and a lead whose address has an accented domain, as they wrote it
    engine.deps.rules.save_rule(channel_rule("email"))
    quiet_contact(
        engine.deps, "6281100000704", engine.clock.now() - 25 * HOUR, email="budi@bücher.de"
    )
    # When the rule comes due
    engine.tick()
    # Then SES is given the domain in Punycode, the only form of it SES takes, in the
    # envelope and the To header alike
    [raw] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    assert set(raw.destinations) == {"budi@xn--bcher-kva.de"}
    assert "\nTo: budi@xn--bcher-kva.de\n" in str(raw.raw_data).replace("\r\n", "\n")


def test_an_sms_longer_once_personalised_is_trimmed_to_what_sns_takes(engine: LocalEngine) -> None:
    # Given an SMS step of 1,600 characters as written, and a lead whose name makes it longer
    text = "Hi {name}, " + "word " * ((1_600 - len("Hi {name}, ")) // 5)
    body = channel_rule("sms").model_dump(mode="json", by_alias=True)
    body["steps"][0]["text"] = text
    assert call(engine, "POST", "/api/rules", body)[0] == 201
    lead = quiet_contact(engine.deps, "6281100000706", engine.clock.now() - 25 * HOUR)
    # When it comes due
    engine.tick()
    # Then the lead gets it, within SNS's 1,600 characters and ending on a whole word
    [sent] = engine.outbox()
    [followup] = followups(engine, lead.id)
    assert (sent.channel, followup.status) == ("sms", Status.SENT)
    assert followup.rendered is not None
    assert followup.rendered.text is not None
    assert len(followup.rendered.text) <= 1_600
    assert followup.rendered.text.endswith("word")


def test_with_the_setting_off_a_whatsapp_stop_does_not_end_an_sms_journey(
    engine: LocalEngine,
) -> None:
    # Given a workspace where a WhatsApp STOP stops WhatsApp alone, and an SMS-only journey
    # that a reply does not end: one SMS now, another a day later
    settings = engine.deps.rules.settings().model_copy(update={"whatsapp_stop_stops_all": False})
    engine.deps.rules.save_settings(settings)
    engine.deps.start_cold()
    sms_step = {"channel": "sms", "text": "Hi {first_name|there}, your place is still open."}
    body = channel_rule("sms").model_dump(mode="json", by_alias=True)
    body["steps"] = [
        {"wait": {"amount": 0, "unit": "minutes"}, **sms_step},
        {"wait": {"amount": 1, "unit": "days"}, **sms_step},
    ]
    body["exit"] = {"on_reply": False}
    engine.deps.rules.save_rule(Rule.model_validate(body))
    lead = quiet_contact(engine.deps, "6281100000705", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert [sent.channel for sent in engine.outbox()] == ["sms"]
    # When the lead sends STOP on WhatsApp (it stops WhatsApp only, as the setting says)
    record_inbound(engine.deps, lead.wa_id or "", "STOP", engine.clock.now())
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert not contact.item.stopped("sms")
    # And the day passes
    engine.clock.advance(25 * HOUR)
    engine.tick()
    # Then the journey goes on to its second SMS: the lead is still subscribed to SMS, and
    # the SMS sent before is no opt-out (a STOP for WhatsApp alone leaves SMS as it is)
    sent = [(f.step_index, f.status) for f in followups(engine, lead.id)]
    assert sent == [(0, Status.SENT), (1, Status.SENT)]


class _Flaky:
    """A boto3 client whose `method` raises `code` the first `times` calls (with HTTP
    `status` when given), then works."""

    def __init__(
        self, client: Any, method: str, code: str, times: int = 1, status: int | None = None
    ) -> None:
        self._client, self._method, self._code, self.left = client, method, code, times
        self._status = status

    def __getattr__(self, name: str) -> Any:
        real = getattr(self._client, name)
        if name != self._method:
            return real

        def call(**kwargs: Any) -> Any:
            if self.left > 0:
                self.left -= 1
                error: dict[str, Any] = {"Error": {"Code": self._code, "Message": "Rate exceeded"}}
                if self._status is not None:
                    error["ResponseMetadata"] = {"HTTPStatusCode": self._status}
                raise ClientError(error, name)
            return real(**kwargs)

        return call


def test_a_throttled_sms_publish_is_tried_again_not_failed_for_good(engine: LocalEngine) -> None:
    # Given an SMS step, and SNS throttling the one publish (its account-wide rate limit)
    working = cast(SnsSms, engine.deps.sms)
    engine.deps.sms = SnsSms(_Flaky(working._client, "publish", "Throttling"))
    engine.deps.rules.save_rule(channel_rule("sms"))
    lead = quiet_contact(engine.deps, "6281100000701", engine.clock.now() - 25 * HOUR)
    # When the engine ticks, then goes on a few hours with SNS answering again
    for _ in range(3):
        engine.tick()
        engine.clock.advance(HOUR)
    # Then the lead got the SMS, as a throttled WhatsApp send would be retried
    [followup] = followups(engine, lead.id)
    assert [sent.channel for sent in engine.outbox()] == ["sms"], followup.reason
    assert followup.status is Status.SENT


def test_an_sms_publish_a_proxy_timed_out_is_tried_again_not_failed_for_good(
    engine: LocalEngine,
) -> None:
    # Given an SMS step, and a proxy on the way to SNS answering the one publish 408
    working = cast(SnsSms, engine.deps.sms)
    engine.deps.sms = SnsSms(_Flaky(working._client, "publish", "408", status=408))
    engine.deps.rules.save_rule(channel_rule("sms"))
    lead = quiet_contact(engine.deps, "6281100000703", engine.clock.now() - 25 * HOUR)
    # When the engine ticks, then goes on a few hours with SNS answering again
    for _ in range(3):
        engine.tick()
        engine.clock.advance(HOUR)
    # Then the lead got the SMS, once
    [followup] = followups(engine, lead.id)
    assert [sent.channel for sent in engine.outbox()] == ["sms"], followup.reason
    assert followup.status is Status.SENT


def test_an_ses_throttle_does_not_switch_the_lead_to_sms(engine: LocalEngine) -> None:
    # Given an email step with an SMS fallback, and SES answering 429 once (sending rate)
    client = _Flaky(
        boto3.client("sesv2", region_name=REGION), "send_email", "TooManyRequestsException"
    )
    engine.deps.email = SesEmail(EMAIL_FROM, "http://localhost", "key", client)
    engine.deps.rules.save_rule(channel_rule("email", ["sms"]))
    lead = quiet_contact(
        engine.deps, "6281100000702", engine.clock.now() - 25 * HOUR, email="rudi@example.com"
    )
    for _ in range(3):
        engine.tick()
        engine.clock.advance(HOUR)
    # Then the email went once SES answered; no SMS was paid for instead
    [followup] = followups(engine, lead.id)
    assert [sent.channel for sent in engine.outbox()] == ["email"], followup.skipped_channels
