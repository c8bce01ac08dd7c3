"""Contacts WhatsApp knows only by a business-scoped user id (BSUID): sent to with
`recipient`, and the id kept byte for byte on every path that takes one in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import FollowUp, Status
from followup.services.contacts import find_contact
from followup_local import envelopes
from followup_local.engine import LOCAL_API_KEY, LocalEngine
from followup_local.fake_anthropic import FakeAnthropic
from tests.support.api import call
from tests.support.builders import rule
from tests.support.sender import sent_followup
from tests.support.webhook import payload, post

HOUR = timedelta(hours=1)
# Leading zeros, a dot and letters: what a phone normaliser would strip or reject.
BSUID = "BR.0015025763946558"
CLAUDE_KEY = "sk-ant-local-test"


def from_user(user_id: str, message_id: str, at: datetime, text: str = "halo") -> dict[str, Any]:
    """A text from a user WhatsApp names only by their business-scoped id."""
    document = payload("no-wa-id.json")
    value = document["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["user_id"] = user_id
    message = value["messages"][0]
    message.update({"user_id": user_id, "id": message_id, "timestamp": str(int(at.timestamp()))})
    message["text"]["body"] = text
    return document


def test_a_contact_known_only_by_user_id_is_sent_to_with_recipient(engine: LocalEngine) -> None:
    # Given a rule, and a lead who wrote from a username (no phone number) 25 h ago
    engine.deps.rules.save_rule(rule())
    quiet_since = engine.clock.now() - 25 * HOUR
    assert post(engine, from_user(BSUID, "wamid.BS0001", quiet_since))["statusCode"] == 200
    # When the loop runs
    engine.tick()
    # Then the sandbox got a send addressed by `recipient`, not `to`
    [sent] = engine.sandbox.sent()
    assert sent.body is not None
    assert sent.body["recipient"] == BSUID
    assert "to" not in sent.body
    found = find_contact(engine.deps, None, BSUID)
    assert found is not None
    [followup] = engine.deps.followups.followups_of(found.item.id)
    assert followup.status is Status.SENT
    assert followup.provider_message_id == sent.wamid


def test_a_bsuid_stays_byte_identical_through_import_api_webhook_and_send(
    engine: LocalEngine,
) -> None:
    engine.deps.rules.save_rule(rule())
    imported, posted, heard = "BR.0015025763946558", "ID.0000000000000777", "MX.0090000000000001"
    lines = f'{{"user_id": "{imported}", "name": "Ana"}}\n'
    status, report = call(
        engine, "POST", "/api/contacts/import", raw=lines, content_type="application/x-ndjson"
    )
    assert (status, report["created"], report["rejected"]) == (200, 1, [])
    status, created = call(engine, "POST", "/api/contacts", {"user_id": posted, "name": "Budi"})
    assert (status, created["user_id"], created["wa_id"]) == (201, posted, None)
    post(engine, from_user(heard, "wamid.BS0002", engine.clock.now() - 25 * HOUR))
    engine.tick()
    stored = {
        found.item.user_id
        for user_id in (imported, posted, heard)
        if (found := find_contact(engine.deps, None, user_id)) is not None
    }
    assert stored == {imported, posted, heard}
    assert heard in {r.body["recipient"] for r in engine.sandbox.sent() if r.body}


def test_the_sandbox_refuses_a_send_with_both_or_neither_address(engine: LocalEngine) -> None:
    url = f"{engine.sandbox.base_url}/v1/messages"
    body = {"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi"}}
    headers = {"D360-API-KEY": LOCAL_API_KEY}
    for address in ({}, {"to": "6281100000501", "recipient": BSUID}, {"recipient": "6281"}):
        answer = httpx.post(url, json=body | address, headers=headers)
        assert answer.status_code == 400, address
        assert answer.json()["error"]["code"] == 100


def user_id_change(old: str, new: str, message_id: str, at: datetime) -> dict[str, Any]:
    """The system notice WhatsApp sends when a user's business-scoped id changes."""
    document = payload("system-changed-user-id.json")
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["from"]
    message.update({"user_id": old, "id": message_id, "timestamp": str(int(at.timestamp()))})
    message["system"] = {
        "body": f"User changed from {old} to {new}",
        "user_id": new,
        "type": "user_changed_user_id",
    }
    return document


def contact_ids(engine: LocalEngine, *user_ids: str) -> set[str | None]:
    return {
        found.item.id if (found := find_contact(engine.deps, None, u)) else None for u in user_ids
    }


OLD, NEW, NEWER = "BR.1111111111111111", "BR.2222222222222222", "BR.3333333333333333"


def test_a_changed_user_id_rekeys_the_contact_and_both_ids_find_it(engine: LocalEngine) -> None:
    # Given Rudi, known by number and by a user id
    at = engine.clock.now()
    first = payload("text.json")
    first["entry"][0]["changes"][0]["value"]["messages"][0]["user_id"] = OLD
    post(engine, first)
    rudi = find_contact(engine.deps, "6281100000501", None)
    assert rudi is not None
    assert rudi.item.user_id == OLD
    # When WhatsApp announces his new user id
    notice = payload("system-changed-user-id.json")
    notice["entry"][0]["changes"][0]["value"]["messages"][0]["system"]["user_id"] = NEW
    assert post(engine, notice)["statusCode"] == 200
    # Then the contact carries the new id, and the old and the new one both find him alone
    assert contact_ids(engine, OLD, NEW) == {rudi.item.id}
    found = find_contact(engine.deps, None, OLD)
    assert found is not None
    assert (found.item.user_id, found.item.previous_user_ids) == (NEW, [OLD])
    # And a message from the new id alone lands on him, not on a new contact
    post(engine, from_user(NEW, "wamid.BS0101", at + 5 * timedelta(minutes=1)))
    assert contact_ids(engine, NEW) == {rudi.item.id}
    texts = [m.text for m in engine.deps.contacts.recent_messages(rudi.item.id, 50)]
    assert "halo" in texts


def test_a_message_from_the_new_id_before_the_notice_makes_no_second_contact(
    engine: LocalEngine,
) -> None:
    # Given a lead known only by a user id, with a follow-up sent to it
    engine.deps.rules.save_rule(rule())
    post(engine, from_user(OLD, "wamid.BS0201", engine.clock.now() - 25 * HOUR))
    engine.tick()
    lead = find_contact(engine.deps, None, OLD)
    assert lead is not None
    [followup] = engine.deps.followups.followups_of(lead.item.id)
    assert followup.status is Status.SENT
    # When their reply from a new id arrives before WhatsApp's notice of the change
    now = engine.clock.now()
    post(engine, from_user(NEW, "wamid.BS0202", now, text="yes, still interested"))
    assert len(contact_ids(engine, OLD, NEW)) == 2
    notice = user_id_change(OLD, NEW, "wamid.SYS0201", now)
    assert post(engine, notice)["statusCode"] == 200
    # Then there is one contact, under the new id, and the reply answered the follow-up
    assert contact_ids(engine, OLD, NEW) == {lead.item.id}
    assert engine.deps.followups.followups_of(lead.item.id)[0].status is Status.RESPONDED
    texts = [m.text for m in engine.deps.contacts.recent_messages(lead.item.id, 50)]
    assert "yes, still interested" in texts
    # And replaying the notice or the reply changes nothing
    post(engine, notice)
    post(engine, from_user(NEW, "wamid.BS0202", now, text="yes, still interested"))
    assert contact_ids(engine, OLD, NEW) == {lead.item.id}
    merged = find_contact(engine.deps, None, NEW)
    assert merged is not None
    assert (merged.item.user_id, merged.item.previous_user_ids) == (NEW, [OLD])


def test_a_late_copy_of_an_older_user_id_change_does_not_undo_a_newer_one(
    engine: LocalEngine,
) -> None:
    now = engine.clock.now()
    post(engine, from_user(OLD, "wamid.BS0301", now))
    first = user_id_change(OLD, NEW, "wamid.SYS0301", now)
    post(engine, first)
    post(engine, user_id_change(NEW, NEWER, "wamid.SYS0302", now))
    post(engine, first)
    found = find_contact(engine.deps, None, OLD)
    assert found is not None
    assert (found.item.user_id, found.item.previous_user_ids) == (NEWER, [OLD, NEW])
    assert len(contact_ids(engine, OLD, NEW, NEWER)) == 1


def test_folding_a_newcomer_does_not_ask_claude_again(engine: LocalEngine) -> None:
    # Given replies are read by Claude, and a reply from a new id came before the notice
    with FakeAnthropic(CLAUDE_KEY) as claude:
        engine.deps.classifier = ClaudeWriter(CLAUDE_KEY, DEFAULT_MODEL, base_url=claude.base_url)
        now = engine.clock.now()
        post(engine, from_user(OLD, "wamid.BS0401", now - 25 * HOUR, text="halo"))
        post(engine, from_user(NEW, "wamid.BS0402", now, text="not interested, thanks"))
        asked = len(claude.requests)
        # When WhatsApp's notice folds the newcomer into the person's contact
        post(engine, user_id_change(OLD, NEW, "wamid.SYS0401", now))
        # Then the reply keeps the reading it had, and nobody paid to read it twice
        assert len(claude.requests) == asked
    found = find_contact(engine.deps, None, NEW)
    assert found is not None
    [heard] = [
        m for m in engine.deps.contacts.recent_messages(found.item.id, 50) if m.id == "wamid.BS0402"
    ]
    assert heard.intent is not None
    assert (heard.intent.source, heard.intent.intent) == ("ai", "not_interested")


LEAD = "6281100000981"


def _delivered_naming(engine: LocalEngine, followup: FollowUp, user_id: str) -> None:
    """WhatsApp's `delivered` for `followup`, naming the lead's user id beside their number."""
    delivered = envelopes.status(
        followup.provider_message_id or "",
        "delivered",
        engine.clock.now(),
        LEAD,
        followup.id,
    )
    delivered["entry"][0]["changes"][0]["value"]["statuses"][0]["recipient_user_id"] = user_id
    assert engine.deliver(delivered) == 200


def test_a_stop_under_the_user_id_a_delivery_named_stops_the_lead_we_messaged(
    engine: LocalEngine,
) -> None:
    # Given a lead messaged by number, whose delivery WhatsApp reported with their user id
    followup = sent_followup(engine, LEAD)
    _delivered_naming(engine, followup, BSUID)
    # When they answer STOP, WhatsApp naming them by that user id alone (a username user)
    engine.clock.advance(timedelta(minutes=5))
    assert (
        post(engine, from_user(BSUID, "wamid.BS0981", engine.clock.now(), "STOP"))["statusCode"]
        == 200
    )
    # Then that lead is opted out, and the follow-up answered: no second contact made
    lead = find_contact(engine.deps, LEAD, None)
    assert lead is not None
    assert (lead.item.user_id, lead.item.opted_out) == (BSUID, True)
    assert contact_ids(engine, BSUID) == {lead.item.id}
    stored = engine.deps.followups.followup(followup.id)
    assert stored is not None
    assert stored.status is Status.OPTED_OUT


def test_a_delivery_naming_a_user_id_leaves_one_a_contact_has_or_another_holds(
    engine: LocalEngine,
) -> None:
    # Given a lead messaged by number, and a person an early message by user id made
    followup = sent_followup(engine, LEAD)
    assert post(engine, from_user(BSUID, "wamid.BS0982", engine.clock.now()))["statusCode"] == 200
    other = find_contact(engine.deps, None, BSUID)
    assert other is not None
    # When the lead's delivery names that user id
    _delivered_naming(engine, followup, BSUID)
    # Then it stays with the contact that holds it, and the lead gets none
    lead = find_contact(engine.deps, LEAD, None)
    assert lead is not None
    assert lead.item.user_id is None
    assert contact_ids(engine, BSUID) == {other.item.id}
