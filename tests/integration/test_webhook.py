"""The WhatsApp webhook through API Gateway v2 events, on moto."""

from __future__ import annotations

import copy
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from followup.adapters.webhook_security import sign
from followup.domain.contact import Contact, Speaker
from followup.domain.conversation import Direction
from followup.domain.followup import FollowUp, Status
from followup.domain.intent import Intent
from followup.services.contacts import find_contact
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.events import load
from tests.support.sender import sent_followup
from tests.support.webhook import get, payload, post

RUDI = "6281100000501"


def status_for(followup: FollowUp, name: str) -> dict[str, Any]:
    document = payload(name)
    status = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["id"] = followup.provider_message_id
    status["biz_opaque_callback_data"] = followup.id
    return document


def current(engine: LocalEngine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def test_a_first_message_creates_the_contact_with_its_profile_name(engine: LocalEngine) -> None:
    response = post(engine, payload("text.json"))
    assert response["statusCode"] == 200
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    assert found.item.name == "Rudi Hartono"
    assert found.item.last_inbound_at is not None
    messages = engine.deps.contacts.recent_messages(found.item.id, 50)
    assert [m.text for m in messages] == ["Hi, is the scholarship still open?"]


def test_a_reply_marks_the_follow_up_responded(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    assert post(engine, payload("button.json"))["statusCode"] == 200
    assert current(engine, followup).status is Status.RESPONDED


def test_a_status_through_the_function_url_updates_the_follow_up(engine: LocalEngine) -> None:
    """In AWS the webhook is the function's own URL: the same secret path, no gateway."""
    followup = sent_followup(engine, RUDI)
    event = load("lambda-url-webhook-post.json")
    event["body"] = json.dumps(status_for(followup, "status-delivered.json"))
    assert engine.invoke("webhook", event)["statusCode"] == 200
    assert current(engine, followup).status is Status.DELIVERED
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/webhooks/whatsapp/wrong"
    assert engine.invoke("webhook", event)["statusCode"] == 404


def test_another_path_or_method_on_the_function_url_is_a_4xx_not_a_failure(
    engine: LocalEngine,
) -> None:
    """The function URL takes any path and method: the wrong ones are the caller's mistake,
    answered 404 or 405 (with the methods it takes), never a 500 that asks for a retry."""
    event = load("lambda-url-webhook-post.json")
    event["body"] = json.dumps(payload("text.json"))
    event["requestContext"]["http"]["method"] = "PUT"
    refused = engine.invoke("webhook", event)
    assert (refused["statusCode"], refused["headers"]["Allow"]) == (405, "GET, POST")
    event["requestContext"]["http"]["method"] = "POST"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/webhooks/whatsapp/a/b"
    assert engine.invoke("webhook", event)["statusCode"] == 404
    assert find_contact(engine.deps, RUDI, None) is None


def test_every_kind_of_inbound_message_counts_as_the_contact_writing(engine: LocalEngine) -> None:
    for name in (
        "interactive-button.json",
        "interactive-list.json",
        "image.json",
        "location.json",
        "reaction.json",
        "unsupported.json",
    ):
        assert post(engine, payload(name))["statusCode"] == 200, name
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    texts = [m.text for m in engine.deps.contacts.recent_messages(found.item.id, 50)]
    assert sorted(texts) == sorted(
        ["Yes, call me", "Computer Science", "[image]", "[location]", "\U0001f44d", "[unsupported]"]
    )


def test_stop_opts_the_contact_out_and_ends_queued_follow_ups(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    engine.clock.advance(timedelta(days=4))  # Saturday: the follow-up waits in the queue
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    stop = payload("stop.json")
    stop["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(
        int(engine.clock.now().timestamp())
    )
    assert post(engine, stop)["statusCode"] == 200
    assert current(engine, queued).status is Status.OPTED_OUT
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.opted_out


def test_delivery_statuses_move_forward_never_back(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    post(engine, status_for(followup, "status-read.json"))
    assert current(engine, followup).status is Status.READ
    # A late "delivered" after "read" changes nothing
    post(engine, status_for(followup, "status-delivered.json"))
    post(engine, status_for(followup, "status-sent.json"))
    assert current(engine, followup).status is Status.READ


def test_a_failed_status_ends_the_follow_up_with_a_readable_reason(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    post(engine, status_for(followup, "status-failed-131047.json"))
    failed = current(engine, followup)
    # A template refused for a closed window: nothing else to send, so it is skipped
    assert failed.status is Status.SKIPPED
    assert failed.error_code == 131047
    assert failed.reason is not None
    assert "24-hour window" in failed.reason


def test_131050_suppresses_marketing_for_the_contact(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    post(engine, status_for(followup, "status-failed-131050.json"))
    contact = engine.deps.contacts.contact(followup.contact_id)
    assert contact is not None
    assert contact.item.marketing_suppressed


def test_131050_answered_at_send_suppresses_marketing_for_the_contact(
    engine: LocalEngine,
) -> None:
    """360dialog refuses the send itself (HTTP 400, error 131050): the same stop as when
    WhatsApp reports it in a failed status after taking the message."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.sandbox.fail_next(status=400, code=131050)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.error_code) == (Status.FAILED, 131050)
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.marketing_suppressed


def test_user_preferences_stop_and_resume_marketing(engine: LocalEngine) -> None:
    post(engine, payload("text.json"))
    post(engine, payload("user-preferences-stop.json"))
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    assert found.item.marketing_suppressed
    post(engine, payload("user-preferences-resume.json"))
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    assert not found.item.marketing_suppressed


def test_a_flagged_number_pauses_dispatch_until_an_admin_resumes_it(engine: LocalEngine) -> None:
    assert post(engine, payload("quality-flagged.json"))["statusCode"] == 200
    [number] = engine.deps.rules.numbers()
    assert number.paused
    assert number.quality == "FLAGGED"
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    assert engine.sandbox.sent() == []
    # A later healthy report does not resume on its own; the operator does
    healthy = payload("quality-flagged.json")
    healthy["entry"][0]["changes"][0]["value"]["event"] = "UNFLAGGED"
    post(engine, healthy)
    engine.tick()
    assert engine.sandbox.sent() == []
    status, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert (status, listed["numbers"][0]["paused"]) == (200, True)
    path = f"/api/numbers/{number.phone_number_id}/resume"
    assert call(engine, "POST", path, role="marketing")[0] == 403
    assert call(engine, "POST", "/api/numbers/000/resume")[0] == 404
    status, resumed = call(engine, "POST", path, role="admin")
    assert (status, resumed["sending_paused"]) == (200, None)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_status_for_an_unknown_message_is_acknowledged(engine: LocalEngine) -> None:
    response = post(engine, payload("several-entries.json"))
    assert response["statusCode"] == 200
    for wa_id in ("6281100000601", "6281100000602"):
        assert find_contact(engine.deps, wa_id, None) is not None


def test_a_contact_without_wa_id_is_keyed_by_user_id_and_stays_one_person(
    engine: LocalEngine,
) -> None:
    post(engine, payload("no-wa-id.json"))
    later = payload("no-wa-id.json")
    message = later["entry"][0]["changes"][0]["value"]["messages"][0]
    message["id"] = "wamid.BSUID0002"
    message["from"] = "6281100000777"  # WhatsApp now tells us the number as well
    post(engine, later)
    by_user = find_contact(engine.deps, None, "ID.1234567890123456")
    by_phone = find_contact(engine.deps, "6281100000777", None)
    assert by_user is not None
    assert by_phone is not None
    assert by_user.item.id == by_phone.item.id
    assert by_user.item.name == "Sari"


def test_the_same_delivery_twice_changes_nothing_the_second_time(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    reply = payload("button.json")
    post(engine, reply)
    first = current(engine, followup)
    stats_before = engine.deps.stats.stats(engine.clock.now().date(), engine.clock.now().date())
    post(engine, reply)
    assert current(engine, followup) == first
    assert (
        engine.deps.stats.stats(engine.clock.now().date(), engine.clock.now().date())
        == stats_before
    )
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    inbound = [
        m
        for m in engine.deps.contacts.recent_messages(found.item.id, 50)
        if m.id == "wamid.BTN0001"
    ]
    assert len(inbound) == 1


def test_an_unknown_secret_is_404_with_nothing_stored(engine: LocalEngine) -> None:
    response = post(engine, payload("text.json"), secret="guess")
    assert response["statusCode"] == 404
    assert response["body"] == ""
    assert find_contact(engine.deps, RUDI, None) is None


def test_on_lambda_the_local_path_secret_is_refused_until_a_real_one_is_set(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the webhook running on Lambda with no WEBHOOK_SECRET in its secret, so the
    # path secret would be the local default anyone can read in this repository
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "followup-webhook")
    engine.configure()
    # Then a delivery on that path is refused for the provider to retry, nothing stored
    response = post(engine, payload("text.json"))
    assert response["statusCode"] == 503
    assert "WEBHOOK_SECRET" in response["body"]
    assert find_contact(engine.deps, RUDI, None) is None
    # Also while the default is among the rotating ones, written with a space
    engine.configure(webhook_secrets="n3w-s3cret, local-webhook-secret")
    assert post(engine, payload("text.json"))["statusCode"] == 503
    assert post(engine, payload("text.json"), secret="n3w-s3cret")["statusCode"] == 503
    # And once a secret of its own is set, deliveries on its path are taken
    engine.configure(webhook_secrets="a-s3cret-of-its-own")
    assert post(engine, payload("text.json"), secret="a-s3cret-of-its-own")["statusCode"] == 200
    assert find_contact(engine.deps, RUDI, None) is not None


def test_a_required_header_secret_is_checked(engine: LocalEngine) -> None:
    engine.configure(webhook_header_name="X-Webhook-Token", webhook_header_secret="h3ader")
    assert post(engine, payload("text.json"))["statusCode"] == 404
    ok = post(engine, payload("text.json"), headers={"X-Webhook-Token": "h3ader"})
    assert ok["statusCode"] == 200


def test_a_header_asked_for_without_its_secret_shuts_the_webhook_rather_than_opening_it(
    engine: LocalEngine,
) -> None:
    # Given a deployment that names the header but whose secret lacks its value
    engine.configure(webhook_header_name="X-Webhook-Token", webhook_header_secret="")
    # Then deliveries are refused for the provider to retry, and nothing is stored
    response = post(engine, payload("text.json"))
    assert (response["statusCode"], "WEBHOOK_HEADER_SECRET" in response["body"]) == (503, True)
    assert find_contact(engine.deps, RUDI, None) is None


def test_bad_json_wrong_object_and_oversized_bodies_are_400(engine: LocalEngine) -> None:
    assert post(engine, "{not json")["statusCode"] == 400
    wrong = payload("text.json") | {"object": "page"}
    response = post(engine, wrong)
    assert response["statusCode"] == 400
    assert "object" in response["body"]
    huge = payload("text.json")
    huge["padding"] = "x" * (300 * 1024)
    assert post(engine, huge)["statusCode"] == 400
    assert find_contact(engine.deps, RUDI, None) is None


def test_meta_signature_is_verified_when_an_app_secret_is_set(engine: LocalEngine) -> None:
    engine.configure(meta_app_secret="app-s3cret")
    body = json.dumps(payload("text.json"))
    good = sign(body.encode(), "app-s3cret")
    assert post(engine, body, headers={"X-Hub-Signature-256": good})["statusCode"] == 200
    bad = sign(body.encode(), "someone-else")
    assert post(engine, body, headers={"X-Hub-Signature-256": bad})["statusCode"] == 401
    assert post(engine, body)["statusCode"] == 401


def test_the_get_handshake_echoes_the_challenge_for_the_right_token(engine: LocalEngine) -> None:
    engine.configure(meta_verify_token="v3rify")
    query = {"hub.mode": "subscribe", "hub.verify_token": "v3rify", "hub.challenge": "1158201444"}
    response = get(engine, query)
    assert (response["statusCode"], response["body"]) == (200, "1158201444")
    assert get(engine, query | {"hub.verify_token": "nope"})["statusCode"] == 403
    assert get(engine, query, secret="guess")["statusCode"] == 404


@pytest.mark.parametrize(
    ("name", "field", "summary"),
    [
        ("account-update.json", "account_update", "account_update event"),
        # An error WhatsApp reports beside a change's messages, with its code and words
        (
            "value-errors.json",
            "errors",
            "WhatsApp error 131000: Something went wrong - The message could not be processed",
        ),
    ],
)
def test_an_event_not_acted_on_is_acknowledged_and_logged_with_what_it_was(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture, name: str, field: str, summary: str
) -> None:
    caplog.set_level(logging.INFO, logger="followup")  # whatever level a handler gave it
    assert post(engine, payload(name))["statusCode"] == 200
    [kept] = [r for r in caplog.records if r.getMessage() == "webhook event not acted on"]
    assert (kept.__dict__["field"], kept.__dict__["summary"]) == (field, summary)


def test_an_error_whatsapp_reports_is_logged_without_the_number_or_address_it_names(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="followup")
    delivery = payload("value-errors.json")
    [error] = delivery["entry"][0]["changes"][0]["value"]["errors"]
    error["error_data"]["details"] = "Message to +6281100005019 (budi@example.com) failed"
    assert post(engine, delivery)["statusCode"] == 200
    [kept] = [r for r in caplog.records if r.getMessage() == "webhook event not acted on"]
    assert kept.__dict__["summary"] == (
        "WhatsApp error 131000: Something went wrong - Message to ****5019 (b****@example.com)"
        " failed"
    )


def test_local_deliveries_use_the_same_envelope_and_path(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    assert followup.provider_message_id is not None
    at = engine.clock.now()
    assert (
        engine.deliver(
            envelopes.status(followup.provider_message_id, "delivered", at, RUDI, followup.id)
        )
        == 200
    )
    assert current(engine, followup).status is Status.DELIVERED
    assert engine.deliver(envelopes.text_message(RUDI, "thanks!", at, "wamid.LOCAL0001")) == 200
    assert current(engine, followup).status is Status.RESPONDED


def contact_of(engine: LocalEngine, wa_id: str | None, user_id: str | None = None) -> Contact:
    found = find_contact(engine.deps, wa_id, user_id)
    assert found is not None
    return found.item


def test_a_username_sender_with_an_empty_from_is_heard_by_user_id(engine: LocalEngine) -> None:
    response = post(engine, payload("username-text.json"))
    assert response["statusCode"] == 200
    dewi = contact_of(engine, None, "ID.2233445566778899")
    assert (dewi.wa_id, dewi.name) == (None, "Dewi")
    texts = [m.text for m in engine.deps.contacts.recent_messages(dewi.id, 50)]
    assert texts == ["Is there a scholarship for night classes?"]


def test_a_marketing_stop_whose_user_is_named_only_in_contacts_is_applied(
    engine: LocalEngine,
) -> None:
    post(engine, payload("text.json"))
    assert post(engine, payload("user-preferences-contact-only.json"))["statusCode"] == 200
    assert contact_of(engine, RUDI).marketing_suppressed


def test_one_unreadable_event_is_skipped_and_everything_readable_applied(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    post(engine, envelopes.text_message("6281100000502", "hi", engine.clock.now(), "wamid.M1"))
    response = post(engine, payload("one-unreadable-among-many.json"))
    assert response["statusCode"] == 200
    rudi = contact_of(engine, RUDI)
    texts = sorted(m.text for m in engine.deps.contacts.recent_messages(rudi.id, 50))
    assert texts == sorted(["Can I pay in two instalments?", "\u2764\ufe0f"])
    assert rudi.marketing_suppressed
    assert contact_of(engine, "6281100000502").marketing_suppressed
    [kept] = [r for r in caplog.records if r.getMessage() == "webhook event unreadable"]
    assert "type" in kept.__dict__["reason"]
    event = json.loads(kept.__dict__["event"])
    assert event["id"] == "wamid.MIX0002"
    # kept for someone to look at, without the lead's number or where they are
    assert event["from"] == "<13 characters>"
    assert event["location"] == {
        "latitude": "<number>",
        "longitude": "<number>",
        "name": "<14 characters>",
    }
    assert "6281100000501" not in kept.__dict__["event"]


def test_an_unreadable_message_is_logged_without_what_the_lead_wrote(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a lead's message whose time cannot be read
    said = "My passport number is A1234567, call me on +62 811 0000 999"
    delivery = envelopes.text_message("6281100000503", said, engine.clock.now(), "wamid.PII1")
    [message] = delivery["entry"][0]["changes"][0]["value"]["messages"]
    message["timestamp"] = "not-a-time"
    # When it is delivered, it is refused and kept in the log for someone to look at
    assert post(engine, delivery)["statusCode"] == 400
    [kept] = [r for r in caplog.records if r.getMessage() == "webhook event unreadable"]
    # Then with its id and what was wrong, not the lead's words or number
    event = json.loads(kept.__dict__["event"])
    assert (event["id"], event["timestamp"]) == ("wamid.PII1", "not-a-time")
    assert event["text"] == {"body": f"<{len(said)} characters>"}
    assert "A1234567" not in kept.__dict__["event"]
    assert "6281100000503" not in kept.__dict__["event"]


def test_an_unreadable_message_by_username_is_logged_without_the_lead_s_user_id(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a message from a lead writing by username, whose time cannot be read
    delivery = payload("username-text.json")
    [message] = delivery["entry"][0]["changes"][0]["value"]["messages"]
    message["timestamp"] = "not-a-time"
    # When it is delivered, it is refused and kept in the log for someone to look at
    assert post(engine, delivery)["statusCode"] == 400
    [kept] = [r for r in caplog.records if r.getMessage() == "webhook event unreadable"]
    # Then without the user id that names the lead
    event = json.loads(kept.__dict__["event"])
    assert event["from_user_id"] == "<19 characters>"
    assert "ID.2233445566778899" not in kept.__dict__["event"]


def test_an_unreadable_flow_reply_or_number_change_is_logged_without_the_lead_s_details(
    engine: LocalEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a lead's flow reply whose answers hold their number and address, and their
    # change to that number, neither with a time that can be read
    delivery = payload("flow-reply.json")
    messages = delivery["entry"][0]["changes"][0]["value"]["messages"]
    [reply] = messages
    reply["timestamp"] = "not-a-time"
    answers = {"flow_token": "intake-7", "phone": "+62 811-0000-5019", "email": "budi@example.com"}
    written = reply["interactive"]["nfm_reply"]["response_json"] = json.dumps(answers)
    changed = {
        "body": "User changed to 6281100005019",
        "new_wa_id": "6281100005019",
        "customer": "6281100004444",  # the number they changed from
    }
    messages.append(
        {
            "from": RUDI,
            "id": "wamid.SYS0001",
            "timestamp": "not-a-time",
            "type": "system",
            "system": changed | {"type": "user_changed_number"},
        }
    )
    # When they are delivered, they are refused and kept in the log for someone to look at
    assert post(engine, delivery)["statusCode"] == 400
    kept = [
        r.__dict__["event"] for r in caplog.records if r.getMessage() == "webhook event unreadable"
    ]
    flow, change = (json.loads(event) for event in kept)
    # Then with their ids, kinds and the size of what the lead sent, not the lead's details
    assert flow["id"] == "wamid.FLOW0001"
    assert flow["interactive"]["nfm_reply"]["response_json"] == f"<{len(written)} characters>"
    assert change["system"]["new_wa_id"] == "<13 characters>"
    assert change["system"]["customer"] == "<13 characters>"
    for event in kept:
        assert "0000-5019" not in event
        assert "6281100005019" not in event
        assert "6281100004444" not in event
        assert "budi@example.com" not in event


def test_system_and_non_message_events_do_not_count_as_the_contact_writing(
    engine: LocalEngine,
) -> None:
    followup = sent_followup(engine, RUDI)
    before = contact_of(engine, RUDI)
    for name in (
        "request-welcome.json",
        "revoke.json",
        "edit.json",
        "reaction-removed.json",
        "system-changed-user-id.json",
        "system-changed-number.json",
    ):
        assert post(engine, payload(name))["statusCode"] == 200, name
    assert current(engine, followup).status is Status.SENT
    after = contact_of(engine, "6281100000999")
    assert after.id == before.id
    assert (after.last_inbound_at, after.last_activity_at, after.last_speaker) == (
        before.last_inbound_at,
        before.last_activity_at,
        before.last_speaker,
    )
    messages = engine.deps.contacts.recent_messages(before.id, 50)
    assert [m for m in messages if m.direction is Direction.INBOUND] == []


def test_a_changed_number_or_user_id_stays_the_same_contact(engine: LocalEngine) -> None:
    post(engine, payload("text.json"))
    rudi = contact_of(engine, RUDI)
    post(engine, payload("system-changed-user-id.json"))
    assert contact_of(engine, None, "ID.2222").id == rudi.id
    post(engine, payload("system-changed-number.json"))
    at = engine.clock.now() + timedelta(minutes=5)
    later = envelopes.text_message("6281100000999", "new number, same me", at, "wamid.NEW0001")
    assert post(engine, later)["statusCode"] == 200
    moved = contact_of(engine, "6281100000999")
    assert (moved.id, moved.wa_id, moved.user_id) == (rudi.id, "6281100000999", "ID.2222")
    texts = {m.text for m in engine.deps.contacts.recent_messages(rudi.id, 50)}
    assert "new number, same me" in texts


def test_flow_and_call_permission_replies_keep_what_the_user_answered(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    assert post(engine, payload("flow-reply.json"))["statusCode"] == 200
    assert current(engine, followup).status is Status.RESPONDED
    assert post(engine, payload("call-permission-reply.json"))["statusCode"] == 200
    messages = engine.deps.contacts.recent_messages(followup.contact_id, 50)
    texts = {m.id: m.text for m in messages}
    assert json.loads(texts["wamid.FLOW0001"])["programme"] == "Nursing"
    assert texts["wamid.CALLPERM0001"] == "[call permission: accept]"


def test_a_flow_s_answers_are_no_words_of_the_lead_to_read(engine: LocalEngine) -> None:
    # Given a lead sent a follow-up, and a rule that calls back a lead who asks for a time
    followup = sent_followup(engine, RUDI)
    call_back = rule("call-back", trigger={"kind": "intent", "intents": ["call_back_at"]})
    engine.deps.rules.save_rule(call_back)
    # When they answer a visit-booking flow: a date and an hour among its fields
    delivery = payload("flow-reply.json")
    [reply] = delivery["entry"][0]["changes"][0]["value"]["messages"]
    answers = {"flow_token": "visit", "visit_date": "2026-12-05", "visit_time": "10:00"}
    reply["interactive"]["nfm_reply"]["response_json"] = json.dumps(answers)
    assert post(engine, delivery)["statusCode"] == 200
    # Then they replied, and their answers are kept, but no call back was read in them
    assert current(engine, followup).status is Status.RESPONDED
    [line] = [
        m
        for m in engine.deps.contacts.recent_messages(followup.contact_id, 50)
        if m.id == "wamid.FLOW0001"
    ]
    assert json.loads(line.text)["visit_time"] == "10:00"
    assert line.intent is None or line.intent.intent.value != "call_back_at"
    assert [e.item.rule_id for e in engine.deps.followups.enrollments_of(followup.contact_id)] == [
        followup.rule_id
    ]


def test_a_click_to_whatsapp_referral_keeps_its_ad_and_click_ids(engine: LocalEngine) -> None:
    assert post(engine, payload("referral.json"))["statusCode"] == 200
    rudi = contact_of(engine, RUDI)
    [message] = engine.deps.contacts.recent_messages(rudi.id, 50)
    assert message.referral is not None
    assert message.referral.source_id == "120210000000000123"
    assert message.referral.ctwa_clid is not None
    assert message.referral.ctwa_clid.startswith("ARAkLkA8")
    status, timeline = call(engine, "GET", f"/api/contacts/{rudi.id}/timeline")
    assert status == 200
    assert timeline["messages"][0]["referral"]["source_id"] == "120210000000000123"


def number_change(old: str, new: str, message_id: str) -> dict[str, Any]:
    document = payload("system-changed-number.json")
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update({"from": old, "id": message_id})
    message["system"]["wa_id"] = new
    return document


def test_a_late_copy_of_an_older_number_change_does_not_undo_a_newer_one(
    engine: LocalEngine,
) -> None:
    post(engine, payload("text.json"))
    rudi = contact_of(engine, RUDI)
    first = number_change(RUDI, "6281100000888", "wamid.SYS0101")
    post(engine, first)
    post(engine, number_change("6281100000888", "6281100000999", "wamid.SYS0102"))
    post(engine, first)
    assert contact_of(engine, RUDI).wa_id == "6281100000999"
    assert contact_of(engine, "6281100000999").id == rudi.id


def test_a_new_number_that_is_already_another_contact_is_not_merged(engine: LocalEngine) -> None:
    # Someone who wrote from the number before the change is whoever had it then
    post(engine, payload("text.json"))
    at = engine.clock.now() - timedelta(hours=1)
    post(engine, envelopes.text_message("6281100000999", "hello", at, "wamid.OTHER0001"))
    other = contact_of(engine, "6281100000999")
    assert post(engine, payload("system-changed-number.json"))["statusCode"] == 200
    assert contact_of(engine, RUDI).wa_id == RUDI
    assert contact_of(engine, "6281100000999").id == other.id


def test_a_reply_from_the_new_number_heard_before_the_notice_answers_as_the_person(
    engine: LocalEngine,
) -> None:
    # Given Rudi with a follow-up sent
    followup = sent_followup(engine, RUDI)
    rudi = contact_of(engine, RUDI)
    # When his reply from his new number arrives before WhatsApp's change-of-number notice
    at = engine.clock.now()
    early = envelopes.text_message("6281100000999", "yes, still interested", at, "wamid.N0002")
    assert post(engine, early)["statusCode"] == 200
    assert post(engine, payload("system-changed-number.json"))["statusCode"] == 200
    # Then he is one contact, and his reply answered the follow-up
    assert contact_of(engine, "6281100000999").id == rudi.id
    assert current(engine, followup).status is Status.RESPONDED


def test_a_do_not_contact_set_on_the_early_newcomer_stays_with_the_person(
    engine: LocalEngine,
) -> None:
    # Given Rudi's early message from his new number, made into a contact of its own that
    # a counsellor marked do-not-contact before the change-of-number notice came
    post(engine, payload("text.json"))
    rudi = contact_of(engine, RUDI)
    at = engine.clock.now()
    early = envelopes.text_message("6281100000999", "please don't", at, "wamid.N0003")
    assert post(engine, early)["statusCode"] == 200
    newcomer = contact_of(engine, "6281100000999")
    status, _ = call(engine, "POST", f"/api/contacts/{newcomer.id}/do-not-contact", {})
    assert status == 200
    # When the notice comes and the newcomer is folded into him
    assert post(engine, payload("system-changed-number.json"))["statusCode"] == 200
    # Then the person is not to be contacted, as the counsellor said
    person = contact_of(engine, "6281100000999")
    assert (person.id, person.opted_out) == (rudi.id, True)


def test_a_message_from_the_new_number_right_after_the_notice_finds_the_person(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given Rudi's change of number heard, and the wa_id index (eventually consistent)
    # not showing him under his new number yet
    post(engine, payload("text.json"))
    rudi = contact_of(engine, RUDI)
    assert post(engine, payload("system-changed-number.json"))["statusCode"] == 200
    contacts = engine.deps.contacts
    real = contacts.contact_by_wa_id
    monkeypatch.setattr(
        contacts,
        "contact_by_wa_id",
        lambda wa_id: None if wa_id == "6281100000999" else real(wa_id),
    )
    # When he writes from his new number at once
    at = engine.clock.now()
    after = envelopes.text_message("6281100000999", "still interested", at, "wamid.L0002")
    assert post(engine, after)["statusCode"] == 200
    # Then it lands on him, found through the link read by key
    texts = [m.text for m in contacts.recent_messages(rudi.id, 50)]
    assert "still interested" in texts
    assert find_contact(engine.deps, "6281100000999", None) is not None


def test_a_stop_from_a_username_sender_opts_them_out(engine: LocalEngine) -> None:
    stop = payload("username-text.json")
    message = stop["entry"][0]["changes"][0]["value"]["messages"][0]
    message["text"]["body"] = "STOP"
    assert post(engine, stop)["statusCode"] == 200
    assert contact_of(engine, None, "ID.2233445566778899").opted_out


def test_a_send_given_up_as_unknown_is_recorded_from_whatsapp_s_late_status(
    engine: LocalEngine,
) -> None:
    """360dialog took the message but its answer never came back, and WhatsApp's status
    came only after the expire tick gave the send up: found delivered, and counted so."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.sandbox.drop_connection_next()
    engine.tick()
    [request] = engine.sandbox.requests
    engine.clock.advance(engine.deps.timings.sending_deadline + timedelta(minutes=1))
    engine.tick()
    [given_up] = engine.deps.followups.followups_of(lead.id)
    assert (given_up.status, given_up.reason) == (Status.FAILED, "outcome_unknown")
    at = engine.clock.now()
    report = envelopes.status(request.wamid or "", "delivered", at, RUDI, request.followup_id)
    assert engine.deliver(report) == 200
    found = current(engine, given_up)
    assert (found.status, found.provider_message_id, found.sent_at) == (
        Status.DELIVERED,
        request.wamid,
        given_up.claimed_at,
    )
    assert [c.reason for c in found.history if c.status is Status.SENT] == ["sent_unrecorded"]
    today = engine.clock.now().date()
    [row] = engine.deps.stats.stats(today, today)
    assert {k: row.counts.get(k, 0) for k in ("sent", "delivered", "failed")} == {
        "sent": 1,
        "delivered": 1,
        "failed": 0,
    }


def test_a_photo_s_caption_is_read_as_what_the_lead_wrote(engine: LocalEngine) -> None:
    """A receipt sent as a photo captioned "Sudah transfer ya kak" tells it is paid."""
    assert post(engine, payload("image-caption.json"))["statusCode"] == 200
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    [message] = engine.deps.contacts.recent_messages(found.item.id, 50)
    assert message.text == "Sudah transfer ya kak, ini buktinya"
    assert message.intent is not None
    assert message.intent.intent == "done"


def test_the_words_typed_with_an_order_are_the_line_and_read_as_a_caption_is(
    engine: LocalEngine,
) -> None:
    """A catalogue order sent with "kirim besok ya": the counsellor reads what the lead
    wrote, and the reply is read for what it asks (tomorrow, at 09:00)."""
    # When the lead places an order from the catalogue, typing a note with it
    assert post(engine, payload("order.json"))["statusCode"] == 200
    # Then the conversation shows their words, read as any words they write
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    [message] = engine.deps.contacts.recent_messages(found.item.id, 50)
    assert message.text == "kirim besok ya"
    assert message.intent is not None
    assert (message.intent.intent, message.intent.local) == ("call_back_at", "2026-11-25T09:00")


def test_the_timeline_says_what_the_lead_sent_beside_its_words(engine: LocalEngine) -> None:
    """A photo with its caption, a catalogue order with its note, a voice note: the
    contact's timeline names each line's kind, so the app says a photo or an order came,
    not only the words typed with it."""
    # Given a lead who sends a captioned photo, an order with a note, then a voice note
    assert post(engine, payload("image-caption.json"))["statusCode"] == 200
    assert post(engine, payload("order.json"))["statusCode"] == 200
    voice = payload("image.json")
    message = voice["entry"][0]["changes"][0]["value"]["messages"][0]
    message.update(id="wamid.AUD0001", type="audio", audio=message.pop("image"))
    assert post(engine, voice)["statusCode"] == 200
    # When a counsellor reads the contact's timeline
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    status, timeline = call(engine, "GET", f"/api/contacts/{found.item.id}/timeline")
    # Then each line says what was sent, beside its words or its marker
    assert status == 200
    assert sorted((m["kind"], m["text"]) for m in timeline["messages"]) == [
        ("audio", "[audio]"),
        ("image", "Sudah transfer ya kak, ini buktinya"),
        ("order", "kirim besok ya"),
    ]


def test_stop_typed_with_an_order_opts_the_contact_out(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    order = payload("order.json")
    message = order["entry"][0]["changes"][0]["value"]["messages"][0]
    message["timestamp"] = str(int(engine.clock.now().timestamp()))
    message["order"]["text"] = "STOP"
    assert post(engine, order)["statusCode"] == 200
    assert current(engine, followup).status is Status.OPTED_OUT
    assert contact_of(engine, RUDI).opted_out


def inbound_lines(engine: LocalEngine, contact_id: str) -> list[tuple[str, str]]:
    messages = engine.deps.contacts.recent_messages(contact_id, 50)
    return [(m.id, m.text) for m in messages if m.direction is Direction.INBOUND]


def test_a_call_the_lead_places_answers_their_follow_up_and_opens_the_window(
    engine: LocalEngine,
) -> None:
    followup = sent_followup(engine, RUDI)
    connect = payload("call-connect.json")
    wacid = connect["entry"][0]["changes"][0]["value"]["calls"][0]["id"]
    assert post(engine, connect)["statusCode"] == 200
    assert current(engine, followup).status is Status.RESPONDED
    called = contact_of(engine, RUDI)
    assert called.last_inbound_at == datetime(2026, 11, 24, 2, 1, 40, tzinfo=UTC)
    assert inbound_lines(engine, called.id) == [(wacid, "[call]")]
    # A call is no words: nothing in it asks to be called back at some time
    [line] = engine.deps.contacts.recent_messages(called.id, 1)
    assert line.intent is not None
    assert (line.intent.intent, line.intent.scheduled) == (Intent.OTHER, [])
    # The call's end, and the connect delivered again, are the same call: heard once.
    assert post(engine, payload("call-terminate.json"))["statusCode"] == 200
    assert post(engine, connect)["statusCode"] == 200
    assert contact_of(engine, RUDI).last_inbound_at == called.last_inbound_at
    assert inbound_lines(engine, called.id) == [(wacid, "[call]")]


def test_a_call_without_its_direction_is_the_lead_s_unless_it_is_from_the_business(
    engine: LocalEngine,
) -> None:
    followup = sent_followup(engine, RUDI)
    business = payload("call-business-initiated.json")
    undirected = copy.deepcopy(business)
    del undirected["entry"][0]["changes"][0]["value"]["calls"][0]["direction"]
    for document in (business, undirected):
        assert post(engine, document)["statusCode"] == 200
    assert current(engine, followup).status is Status.SENT
    assert inbound_lines(engine, followup.contact_id) == []
    lead_s = payload("call-connect.json")
    del lead_s["entry"][0]["changes"][0]["value"]["calls"][0]["direction"]
    assert post(engine, lead_s)["statusCode"] == 200
    assert current(engine, followup).status is Status.RESPONDED


def test_a_counsellor_s_message_from_the_business_app_is_theirs_in_the_conversation(
    engine: LocalEngine,
) -> None:
    """A number shared with the WhatsApp Business app: what a counsellor writes there comes
    as an `smb_message_echoes` webhook, and the lead is no longer waiting for an answer."""
    unanswered = rule(
        "unanswered-1h",
        trigger={
            "stages": ["new"],
            "idle": {"amount": 1, "unit": "hours"},
            "last_speaker": "contact",
        },
    )
    engine.deps.rules.save_rule(unanswered)
    assert post(engine, payload("text.json"))["statusCode"] == 200
    echo = payload("smb-message-echo.json")
    for _ in range(2):  # delivered again: still one line
        assert post(engine, echo)["statusCode"] == 200
    rudi = contact_of(engine, RUDI)
    said_at = datetime(2026, 11, 24, 2, 1, 40, tzinfo=UTC)
    assert (rudi.last_speaker, rudi.last_agent_at, rudi.last_activity_at) == (
        Speaker.AGENT,
        said_at,
        said_at,
    )
    outbound = [
        (m.speaker, m.text)
        for m in engine.deps.contacts.recent_messages(rudi.id, 50)
        if m.direction is Direction.OUTBOUND
    ]
    assert outbound == [
        (Speaker.AGENT, "Hi Rudi, I saw your question: yes, the scholarship is open until Friday.")
    ]
    # The counsellor answered: the rule for leads left unanswered does not write to him
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    assert engine.deps.followups.followups_of(rudi.id) == []


def test_a_counsellor_s_message_to_a_number_no_contact_has_makes_no_contact(
    engine: LocalEngine,
) -> None:
    echo = payload("smb-message-echo.json")
    echo["entry"][0]["changes"][0]["value"]["message_echoes"][0]["to"] = "6281100000599"
    assert post(engine, echo)["statusCode"] == 200
    assert find_contact(engine.deps, "6281100000599", None) is None


def test_a_counsellor_s_message_to_the_number_with_its_plus_finds_the_lead(
    engine: LocalEngine,
) -> None:
    """WhatsApp names the user in an echo as the app was given the number: "+62…" too."""
    post(engine, payload("text.json"))
    echo = payload("smb-message-echo.json")
    echo["entry"][0]["changes"][0]["value"]["message_echoes"][0]["to"] = f"+{RUDI}"
    assert post(engine, echo)["statusCode"] == 200
    assert contact_of(engine, RUDI).last_speaker is Speaker.AGENT


def test_a_reaction_the_counsellor_takes_back_in_the_business_app_adds_no_line(
    engine: LocalEngine,
) -> None:
    post(engine, payload("text.json"))
    echo = payload("smb-message-echo.json")
    sent = echo["entry"][0]["changes"][0]["value"]["message_echoes"][0]
    del sent["text"]
    sent |= {"type": "reaction", "reaction": {"message_id": "wamid.ANY", "emoji": ""}}
    assert post(engine, echo)["statusCode"] == 200
    rudi = contact_of(engine, RUDI)
    assert rudi.last_speaker is Speaker.CONTACT
    assert [m.direction for m in engine.deps.contacts.recent_messages(rudi.id, 50)] == [
        Direction.INBOUND
    ]


def test_a_failed_status_naming_the_template_paused_pauses_it_in_the_catalogue(
    engine: LocalEngine,
) -> None:
    # Given a follow-up sent with a template the synced catalogue holds approved
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still thinking about it?")
    assert call(engine, "POST", "/api/templates/sync")[0] == 200
    followup = sent_followup(engine, RUDI)
    assert followup.rendered is not None
    assert followup.rendered.template_name == "apply_reminder"

    # When WhatsApp reports it failed: the template is paused (132015)
    failed = status_for(followup, "status-failed-131050.json")
    error = failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0]
    error |= {"code": 132015, "title": "Template is Paused", "message": "Template is Paused"}
    assert post(engine, failed)["statusCode"] == 200

    # Then it failed saying why, and the catalogue holds the template paused
    assert current(engine, followup).status is Status.FAILED
    status, listed = call(engine, "GET", "/api/templates")
    assert status == 200
    [template] = [t for t in listed["templates"] if t["name"] == "apply_reminder"]
    assert template["status"] == "PAUSED"
