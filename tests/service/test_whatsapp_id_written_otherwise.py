"""A lead held by their dialable number is the contact WhatsApp's id for them finds.

WhatsApp names many Brazilian, Mexican and Argentine mobiles otherwise than they are
dialled: a Brazilian mobile older than the ninth digit keeps its 8-digit id
(551187654321 for 5511987654321), a Mexican one has a 1 after 52 (5215512345678 for
525512345678), an Argentine one a 9 after 54 (5491123456789 for 541123456789). The
lead's STOP and replies come from that id, and must reach the lead we messaged."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup.services.contacts import find_contact
from followup.services.imports import import_contacts
from followup.services.inbound import record_inbound
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

FORMS = pytest.mark.parametrize(
    ("dialable", "whatsapp_id"),
    [
        # Brazil: the CRM keeps the mobile's ninth digit, WhatsApp's id lacks it
        ("5511987654321", "551187654321"),
        # Mexico: the CRM writes 52 and ten digits, WhatsApp's id has the 1 after 52
        ("525512345678", "5215512345678"),
        # Argentina: the CRM writes 54 and ten digits, WhatsApp's id has the 9 after 54
        ("541123456789", "5491123456789"),
    ],
)


@FORMS
def test_a_stop_from_the_whatsapp_id_opts_out_the_imported_lead(
    engine: MemoryEngine, dialable: str, whatsapp_id: str
) -> None:
    # Given a rule for leads quiet for a day, and a lead imported from the CRM
    engine.deps.rules.save_rule(rule())
    report = import_contacts(engine.deps, f"wa_id,name\n{dialable},Ana\n", "csv")
    assert (report.created, report.rejected) == (1, [])
    # When the lead writes STOP from WhatsApp, which names them by its own id
    record_inbound(engine.deps, whatsapp_id, "STOP", engine.clock.now())
    # Then the imported lead is opted out, and nothing goes to them a day later
    imported = find_contact(engine.deps, dialable, None)
    assert imported is not None
    engine.clock.advance(timedelta(hours=25))
    engine.tick()
    sent_to = [r.body.get("to") for r in engine.sandbox.sent() if r.body]
    assert (imported.item.opted_out, sent_to) == (True, [])


def test_a_stop_from_the_whatsapp_id_ends_the_follow_up_sent_to_the_dialable_number(
    engine: MemoryEngine,
) -> None:
    # Given a lead in Goiânia held by their dialable number, just sent a follow-up
    engine.deps.rules.save_rule(rule(send_anytime=True))
    lead = quiet_contact(engine.deps, "5562987654321", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    # When they answer STOP, which WhatsApp delivers from their id without the ninth digit
    stop = envelopes.text_message(
        "556287654321", "STOP", engine.clock.now() + timedelta(minutes=1), "wamid.in.br.stop"
    )
    assert engine.deliver(stop) == 200
    # Then the lead we messaged is opted out and the follow-up ends opted out, with no
    # second contact made
    contact = engine.deps.contacts.contact(lead.id)
    found = engine.deps.followups.followup(followup.id)
    assert contact is not None
    assert found is not None
    assert (contact.item.opted_out, found.status) == (True, Status.OPTED_OUT)
    assert find_contact(engine.deps, "556287654321", None) == contact


@FORMS
def test_a_reply_from_the_whatsapp_id_answers_the_follow_up_sent_to_the_dialable_number(
    engine: MemoryEngine, dialable: str, whatsapp_id: str
) -> None:
    # Given a lead held by their dialable number, just sent a follow-up
    engine.deps.rules.save_rule(rule(send_anytime=True))
    lead = quiet_contact(engine.deps, dialable, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    # When they answer from their WhatsApp id
    reply = envelopes.text_message(
        whatsapp_id, "ok, thanks", engine.clock.now() + timedelta(minutes=1), "wamid.in.reply"
    )
    assert engine.deliver(reply) == 200
    # Then the follow-up counts as answered, by the lead we messaged
    found = engine.deps.followups.followup(followup.id)
    replier = find_contact(engine.deps, whatsapp_id, None)
    assert found is not None
    assert replier is not None
    assert (found.status, replier.item.id) == (Status.RESPONDED, lead.id)


@FORMS
def test_an_import_by_the_dialable_number_updates_the_lead_known_by_their_whatsapp_id(
    engine: MemoryEngine, dialable: str, whatsapp_id: str
) -> None:
    # Given a lead who first wrote from WhatsApp, which named them by its own id
    record_inbound(engine.deps, whatsapp_id, "hi", engine.clock.now())
    # When the CRM imports them by their dialable number
    report = import_contacts(engine.deps, f"wa_id,name\n{dialable},Ana\n", "csv")
    # Then the lead who wrote is updated, not copied
    found = find_contact(engine.deps, whatsapp_id, None)
    assert found is not None
    assert (report.created, report.updated, found.item.name) == (0, 1, "Ana")


@FORMS
def test_a_file_naming_a_lead_by_both_forms_of_their_number_imports_them_once(
    engine: MemoryEngine, dialable: str, whatsapp_id: str
) -> None:
    # Given a CRM export naming a lead by their dialable number, and again by their
    # WhatsApp id
    export = f"wa_id,name\n{dialable},Ana\n{whatsapp_id},Ana B.\n"
    # When it is imported
    report = import_contacts(engine.deps, export, "csv")
    # Then one contact is made, and the second line is refused as naming the first's lead
    assert (report.created, report.updated) == (1, 0)
    assert report.rejected == [
        {"line": 3, "field": "wa_id", "reason": "already on line 2 of this file"}
    ]


@pytest.mark.parametrize(
    "typed", ["+62 (0)811-0000-0201", "+62(0)81100000201", "0062 (0) 811 0000 0201"]
)
def test_a_number_with_its_trunk_zero_in_parentheses_is_the_number_it_names(
    engine: MemoryEngine, typed: str
) -> None:
    # When a CRM's file writes the national 0 in parentheses after the country code
    report = import_contacts(engine.deps, f"wa_id,name\n{typed},Budi\n", "csv")
    # Then Budi is stored under his own number, which WhatsApp's id for him finds
    assert (report.created, report.rejected) == (1, [])
    assert find_contact(engine.deps, "6281100000201", None) is not None


@pytest.mark.parametrize(
    ("typed", "meant"),
    [("+62 0811 0000 0201", "+62: 6281100000201"), ("+44 020 7946 0958", "+44: 442079460958")],
)
def test_a_number_with_its_trunk_zero_after_the_country_code_is_refused_naming_the_fix(
    engine: MemoryEngine, typed: str, meant: str
) -> None:
    # When a file keeps the national 0 after the country code, a number no one has
    report = import_contacts(engine.deps, f"wa_id,name\n{typed},Budi\n", "csv")
    # Then the row is refused at wa_id, saying which number it meant, and nothing is stored
    [refused] = report.rejected
    assert (refused["line"], refused["field"], report.created) == (2, "wa_id", 0)
    assert refused["reason"] == f"drop the 0 after the country code {meant}"


def test_an_italian_number_keeps_the_0_that_is_one_of_its_digits(engine: MemoryEngine) -> None:
    report = import_contacts(engine.deps, "wa_id,name\n+39 06 6982 1234,Giulia\n", "csv")
    assert (report.created, report.rejected) == (1, [])
    assert find_contact(engine.deps, "390669821234", None) is not None
