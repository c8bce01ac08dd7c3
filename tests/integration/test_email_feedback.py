"""SES's word on an email after it took it, put on EventBridge by its configuration set:
a hard bounce fails the follow-up, sends the step on its next channel and keeps the
address from being emailed again; a complaint stops email as an unsubscribe does; a soft
bounce changes nothing."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from followup.domain.contact import Contact
from followup.domain.followup import FollowUp, Status
from followup_local.engine import LocalEngine
from tests.integration.test_channels import channel_rule, followups
from tests.support.api import call
from tests.support.builders import quiet_contact
from tests.support.events import load

HOUR = timedelta(hours=1)
ADDRESS = "rudi@example.com"


def emailed(engine: LocalEngine, wa_id: str, fallbacks: list[str]) -> tuple[Contact, FollowUp]:
    """A lead with an email address sent the step of an email rule (then `fallbacks`)."""
    engine.deps.rules.save_rule(channel_rule("email", fallbacks))
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR, email=ADDRESS)
    engine.tick()
    [sent] = followups(engine, lead.id)
    assert (sent.status, sent.channel) == (Status.SENT, "email")
    return lead, sent


def ses_event(name: str, sent: FollowUp, at: datetime) -> dict[str, Any]:
    """SES's event about the email `sent`, as its configuration set puts it on the bus."""
    event = load(name)
    detail = event["detail"]
    detail["mail"]["messageId"] = sent.provider_message_id
    detail["mail"]["tags"]["followup_id"] = [sent.id]
    feedback = detail.get("bounce") or detail["complaint"]
    feedback["timestamp"] = at.isoformat()
    event["time"] = at.isoformat()
    return event


def contact(engine: LocalEngine, contact_id: str) -> Contact:
    found = engine.deps.contacts.contact(contact_id)
    assert found is not None
    return found.item


def test_a_hard_bounce_fails_the_email_and_sends_the_step_by_sms(engine: LocalEngine) -> None:
    # Given an email step with an SMS fallback, sent, and SES taking it
    lead, sent = emailed(engine, "6281100007001", ["sms"])
    # When SES reports the address does not exist, and the scheduler ticks
    bounce = ses_event("eventbridge-ses-bounce.json", sent, engine.clock.now())
    assert engine.invoke("bus_events", bounce)["applied"] is True
    engine.tick()
    # Then the email is failed, the SMS goes, and the contact shows the address bounced
    assert sorted(item.channel for item in engine.outbox()) == ["email", "sms"]
    by_channel = {followup.channel: followup for followup in followups(engine, lead.id)}
    email, sms = by_channel["email"], by_channel["sms"]
    assert (email.status, email.reason) == (Status.FAILED, "ses: bounced")
    assert email.error_title == "smtp; 550 5.1.1 user unknown"
    assert (sms.status, sms.channel) == (Status.SENT, "sms")
    status, shown = call(engine, "GET", f"/api/contacts/{lead.id}")
    assert status == 200
    assert shown["email_bounce"]["address"] == ADDRESS
    assert shown["opted_out_channels"] == []


def test_a_hard_bounced_address_is_not_emailed_again_but_a_new_one_is(
    engine: LocalEngine,
) -> None:
    # Given a lead whose address hard-bounced an email-only step
    lead, sent = emailed(engine, "6281100007002", [])
    bounce = ses_event("eventbridge-ses-bounce.json", sent, engine.clock.now())
    engine.invoke("bus_events", bounce)
    [failed] = followups(engine, lead.id)
    assert failed.status is Status.FAILED
    # When another email rule comes due for them
    engine.deps.rules.save_rule(channel_rule("email").model_copy(update={"id": "second-email"}))
    engine.clock.advance(HOUR)
    engine.tick()
    # Then it is skipped for the bounce, and no second email goes
    assert len(engine.outbox()) == 1
    [second] = [f for f in followups(engine, lead.id) if f.rule_id == "second-email"]
    assert second.status is Status.SKIPPED
    assert second.skipped_channels == ["bounced:email"]
    # And the same address written back in other capitals (a CRM's sync) is still held
    current = contact(engine, lead.id).email or ""
    status, _ = call(engine, "PATCH", f"/api/contacts/{lead.id}", {"email": current.upper()})
    assert status == 200
    assert contact(engine, lead.id).bounced("email")
    # And once staff give the lead another address, it is not held as bounced
    status, _ = call(
        engine, "PATCH", f"/api/contacts/{lead.id}", {"email": "rudi.hartono@example.com"}
    )
    assert status == 200
    assert not contact(engine, lead.id).bounced("email")


def test_a_complaint_stops_email_and_counts_as_the_leads_opt_out(engine: LocalEngine) -> None:
    # Given an email step sent to a lead
    lead, sent = emailed(engine, "6281100007003", ["sms"])
    # When the reader marks it spam
    complaint = ses_event("eventbridge-ses-complaint.json", sent, engine.clock.now())
    assert engine.invoke("bus_events", complaint)["applied"] is True
    # Then email to them is stopped, as by their unsubscribe, and nothing else goes
    assert contact(engine, lead.id).opted_out_channels == ["email"]
    engine.ticks(4, every=24 * HOUR)
    assert [item.channel for item in engine.outbox()] == ["email"]
    # And the journey's stats count the lead's opt-out against the send
    status, stats = call(engine, "GET", "/api/rules/apply-remind-24h/stats")
    assert status == 200
    assert (stats["steps"][0]["sent"], stats["steps"][0]["opted_out"]) == (1, 1)


def test_a_soft_bounce_changes_nothing(engine: LocalEngine) -> None:
    # Given an email step with an SMS fallback, sent
    lead, sent = emailed(engine, "6281100007004", ["sms"])
    # When SES reports a full mailbox it gave up on
    bounce = ses_event("eventbridge-ses-bounce.json", sent, engine.clock.now())
    bounce["detail"]["bounce"] |= {"bounceType": "Transient", "bounceSubType": "MailboxFull"}
    assert engine.invoke("bus_events", bounce)["applied"] is False
    engine.tick()
    # Then the email stays sent, no SMS goes, and the address stays in use
    [email] = followups(engine, lead.id)
    assert email.status is Status.SENT
    assert [item.channel for item in engine.outbox()] == ["email"]
    assert contact(engine, lead.id).email_bounce is None


def test_the_same_bounce_twice_sends_the_fallback_once(engine: LocalEngine) -> None:
    # Given an email step with an SMS fallback, sent
    lead, sent = emailed(engine, "6281100007005", ["sms"])
    bounced_at = engine.clock.now()
    bounce = ses_event("eventbridge-ses-bounce.json", sent, bounced_at)
    # When EventBridge delivers its bounce twice, a tick between
    engine.invoke("bus_events", copy.deepcopy(bounce))
    engine.tick()
    engine.clock.advance(HOUR)
    engine.invoke("bus_events", copy.deepcopy(bounce))
    engine.tick()
    # Then one SMS went, and the bounce keeps its first time
    assert sorted(item.channel for item in engine.outbox()) == ["email", "sms"]
    assert len(followups(engine, lead.id)) == 2
    bounced = contact(engine, lead.id).email_bounce
    assert bounced is not None
    assert bounced.at == bounced_at


def test_a_bounce_of_an_email_no_follow_up_sent_is_ignored(engine: LocalEngine) -> None:
    # Given a lead sent an email step
    lead, _ = emailed(engine, "6281100007006", ["sms"])
    # When SES reports a bounce of a message of another tool (its id, its tags not ours)
    other = load("eventbridge-ses-bounce.json")
    # Then the function answers without error, and nothing changes
    assert engine.invoke("bus_events", other) == {"applied": False, "outcome": "unknown"}
    engine.tick()
    [email] = followups(engine, lead.id)
    assert email.status is Status.SENT
    assert contact(engine, lead.id).email_bounce is None
    assert [item.channel for item in engine.outbox()] == ["email"]
