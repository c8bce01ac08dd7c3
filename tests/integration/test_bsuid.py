"""Contacts WhatsApp knows only by a business-scoped user id (BSUID): sent to with
`recipient`, and the id kept byte for byte on every path that takes one in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from followup.domain.followup import Status
from followup.services.contacts import find_contact
from followup_local.engine import LOCAL_API_KEY, LocalEngine
from tests.support.api import call
from tests.support.builders import rule
from tests.support.webhook import payload, post

HOUR = timedelta(hours=1)
# Leading zeros, a dot and letters: what a phone normaliser would strip or reject.
BSUID = "BR.0015025763946558"


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
