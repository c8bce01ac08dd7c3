"""An opt-out holds on every path: settings, the webhook, imports and upserts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup.domain.webhook_events import Identity
from followup.services.contacts import find_contact, new_contact
from followup.services.inbound import record_inbound
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.sender import sent_followup

LEAD = "6281100000901"


def button_reply(wa_id: str, title: str, at: Any, message_id: str) -> dict[str, Any]:
    """The contact tapped a quick-reply button of a template (e.g. "Stop promotions")."""
    document = envelopes.text_message(wa_id, "", at, message_id)
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    message.pop("text")
    message |= {"type": "button", "button": {"text": title, "payload": title}}
    return document


@pytest.mark.parametrize(
    "delivery",
    [
        lambda at: envelopes.text_message(LEAD, "STOP", at, "wamid.stop.1"),
        lambda at: envelopes.text_message(LEAD, "please stop sending me messages", at, "wamid.2"),
        lambda at: button_reply(LEAD, "Stop promotions", at, "wamid.stop.3"),
    ],
)
def test_settings_cannot_switch_the_built_in_opt_out_off(
    engine: LocalEngine, delivery: Any
) -> None:
    # Given an admin who saved an empty keyword list (and the API accepted it)
    _, settings = call(engine, "GET", "/api/settings")
    status, saved = call(engine, "PUT", "/api/settings", settings | {"opt_out_keywords": []})
    assert (status, saved["opt_out_keywords"]) == (200, [])
    # When a lead sends STOP, a clear request, or taps Meta's "Stop promotions" button
    assert engine.deliver(delivery(engine.clock.now() - timedelta(minutes=1))) == 200
    # Then they are opted out all the same
    found = find_contact(engine.deps, LEAD, None)
    assert found is not None
    assert found.item.opted_out


@pytest.mark.parametrize(
    "label", ["Hentikan promosi", "Berhenti promosi", "Parar promoções", "Detener promociones"]
)
def test_the_opt_out_button_of_a_template_in_another_language_opts_out(
    engine: LocalEngine, label: str
) -> None:
    # Given a lead sent a follow-up whose template, in the lead's language, ends with the
    # marketing opt-out button
    followup = sent_followup(engine, LEAD)
    # When the lead taps it
    at = engine.clock.now()
    assert engine.deliver(button_reply(LEAD, label, at, "wamid.stop.button")) == 200
    # Then they are opted out and the follow-up counts as an opt-out, as "Stop promotions"
    found = find_contact(engine.deps, LEAD, None)
    assert found is not None
    assert found.item.opted_out
    tapped = engine.deps.followups.followup(followup.id)
    assert tapped is not None
    assert tapped.status is Status.OPTED_OUT


def test_a_keyword_the_workspace_adds_opts_out_too(engine: LocalEngine) -> None:
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"opt_out_keywords": ["keluar"]})
    engine.deliver(envelopes.text_message(LEAD, "Keluar!", engine.clock.now(), "wamid.k"))
    found = find_contact(engine.deps, LEAD, None)
    assert found is not None
    assert found.item.opted_out


def test_a_stop_landing_while_an_import_runs_is_not_overwritten(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an import that found the lead unknown, and the lead's STOP arriving before
    # the import writes its new contacts (a 10k-row file takes tens of seconds)
    contacts = engine.deps.contacts
    write_new = contacts.import_contacts

    def stop_first(contacts: Any, *rest: Any) -> Any:
        engine.deliver(envelopes.text_message(LEAD, "BERHENTI", engine.clock.now(), "wamid.s"))
        return write_new(contacts, *rest)

    monkeypatch.setattr(contacts, "import_contacts", stop_first)
    csv = f"wa_id,name,tags\n{LEAD},Dewi,webinar\n"
    # When the import finishes
    status, report = call(engine, "POST", "/api/contacts/import", raw=csv, content_type="text/csv")
    # Then the lead stays opted out, with the import's fields applied on top
    assert status == 200
    assert (report["created"], report["updated"], report["rejected"]) == (0, 1, [])
    found = find_contact(engine.deps, LEAD, None)
    assert found is not None
    assert (found.item.opted_out, found.item.opted_out_at) == (True, engine.clock.now())
    assert (found.item.name, found.item.tags) == ("Dewi", ["webinar"])


@pytest.mark.parametrize("path", ["csv", "jsonl", "upsert"])
def test_a_lead_known_by_user_id_first_is_one_contact_on_every_path(
    engine: LocalEngine, path: str
) -> None:
    # Given a lead who first wrote under their business-scoped user id and sent STOP,
    # and whose phone number the engine learnt later
    deps, at = engine.deps, engine.clock.now() - timedelta(hours=2)
    record_inbound(deps, Identity(None, "ID.4411"), "STOP", at, "wamid.u1")
    record_inbound(deps, Identity(LEAD, "ID.4411"), "ok", at + timedelta(hours=1), "wamid.u2")
    [known] = deps.contacts.contacts_in("new", 10, None).items
    assert (known.wa_id, known.opted_out) == (LEAD, True)
    # When a CRM import or upsert names the lead by phone number
    if path == "upsert":
        status, _ = call(engine, "POST", "/api/contacts", {"wa_id": LEAD, "name": "Dewi"})
        assert status == 200
    else:
        body = (
            f"wa_id,name\n{LEAD},Dewi\n"
            if path == "csv"
            else f'{{"wa_id": "{LEAD}", "name": "Dewi"}}'
        )
        kind = "text/csv" if path == "csv" else "application/x-ndjson"
        status, report = call(engine, "POST", "/api/contacts/import", raw=body, content_type=kind)
        assert (status, report["created"], report["updated"]) == (200, 0, 1)
    # Then it is still one contact, still opted out, with the new name
    [only] = deps.contacts.contacts_in("new", 10, None).items
    assert (only.id, only.opted_out, only.name) == (known.id, True, "Dewi")


def test_the_store_writes_new_contacts_only_where_nobody_is_yet(engine: LocalEngine) -> None:
    # Given two leads who already wrote STOP, among 30 numbers an import thinks are new
    deps, now = engine.deps, engine.clock.now()
    numbers = [f"62811000010{n:02d}" for n in range(30)]
    for taken in (numbers[3], numbers[27]):
        record_inbound(deps, taken, "STOP", now - timedelta(minutes=5))
    fresh = [new_contact(deps, at=now, wa_id=number, name="Imported") for number in numbers]
    # When the store writes them (in several transactions)
    existing = deps.contacts.import_contacts(fresh)
    # Then it names the two it left alone, which are still opted out; the rest are new
    assert existing == {fresh[3].id, fresh[27].id}
    for index, contact in enumerate(fresh):
        stored = deps.contacts.contact(contact.id)
        assert stored is not None
        assert stored.item.opted_out is (index in (3, 27))
        assert stored.item.name == ("" if index in (3, 27) else "Imported")
