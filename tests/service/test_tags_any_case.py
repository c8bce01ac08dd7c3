"""Tags compare in any case: a rule for "vip" reaches the lead a CRM tagged "VIP", as its
preview and an import's mass-send count say, and no import, journey action or edit gives
a lead "VIP" and "vip" both; the lead keeps the tag as first written."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from followup.services.contact_edits import Edit, edit_contact
from followup.services.contacts import find_contact
from followup.services.import_crowd import MassImport
from followup.services.imports import import_contacts
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
VIP_ONLY = {"tags": ["vip"], "match": [{"not": {"tag": "do-not-call"}}]}
"""Leads tagged vip, but not do-not-call."""


def sent_to(engine: MemoryEngine) -> list[str]:
    return [str((request.body or {}).get("to")) for request in engine.sandbox.sent()]


def tags_of(engine: MemoryEngine, wa_id: str) -> list[str]:
    found = find_contact(engine.deps, wa_id, None)
    assert found is not None
    return found.item.tags


def test_a_rule_for_vip_messages_the_lead_tagged_vip_in_capitals(engine: MemoryEngine) -> None:
    # Given a rule for leads tagged "vip" but not "do-not-call"
    vip_only = rule(conditions=VIP_ONLY)
    engine.deps.rules.save_rule(vip_only)
    # And three quiet leads a CRM tagged in its own case
    quiet = engine.clock.now() - 25 * HOUR
    quiet_contact(engine.deps, "6281100000971", quiet, name="Vera", tags=["VIP"])
    quiet_contact(engine.deps, "6281100000972", quiet, name="Dino", tags=["Vip", "Do-Not-Call"])
    quiet_contact(engine.deps, "6281100000973", quiet, name="Tono", tags=["webinar"])
    # When the rule is previewed
    seen = preview(engine.deps, vip_only)
    # Then it promises the lead tagged "VIP" alone
    assert [planned.name for planned in seen.planned] == ["Vera"]
    # When the tick runs
    engine.tick()
    # Then she is messaged, and the lead tagged "Do-Not-Call" is not
    assert sent_to(engine) == ["6281100000971"]


def test_an_import_giving_vip_to_a_lead_tagged_vip_leaves_one_tag(engine: MemoryEngine) -> None:
    # Given a lead tagged "VIP"
    quiet_contact(engine.deps, "6281100000974", engine.clock.now(), tags=["VIP"])
    # When another CRM's file tags her "vip", and a new lead "VIP" and "vip"
    csv = "wa_id,name,tags\n6281100000974,Vera,vip;Webinar\n6281100000975,Dino,VIP;vip\n"
    report = import_contacts(engine.deps, csv, "csv")
    # Then each holds the tag once, as first written
    assert (report.created, report.updated, report.rejected) == (1, 1, [])
    assert tags_of(engine, "6281100000974") == ["VIP", "Webinar"]
    assert tags_of(engine, "6281100000975") == ["VIP"]


def test_an_import_counts_the_leads_tagged_vip_in_capitals_toward_a_mass_send(
    engine: MemoryEngine,
) -> None:
    # Given a mass-send limit of three and the idle rule for leads tagged "vip" on
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"mass_send_limit": 3}))
    engine.deps.rules.save_rule(rule(conditions=VIP_ONLY))
    # When four new leads are imported tagged "VIP"
    csv = "\n".join(["wa_id,name,tags"] + [f"62811000009{80 + n},Lead {n},VIP" for n in range(4)])
    with pytest.raises(MassImport) as refusal:
        import_contacts(engine.deps, csv, "csv")
    # Then the file asks first: the rule would message all four tomorrow
    assert (refusal.value.count, refusal.value.day) == (4, date(2026, 11, 25))


def test_a_journey_never_tags_a_lead_twice_and_removes_a_tag_in_any_case(
    engine: MemoryEngine,
) -> None:
    # Given a journey that tags leads "vip" and removes "cold-lead"
    steps = [
        {"kind": "action", "do": "add_tag", "tag": "vip"},
        {"kind": "action", "do": "remove_tag", "tag": "cold-lead"},
    ]
    engine.deps.rules.save_rule(rule(steps=steps, exit={"on_reply": False}))
    # And a quiet lead a CRM tagged "VIP" and "Cold-Lead"
    quiet = engine.clock.now() - 25 * HOUR
    quiet_contact(engine.deps, "6281100000976", quiet, tags=["VIP", "Cold-Lead"])
    # When the journey runs
    engine.tick()
    # Then she keeps her "VIP" alone
    assert tags_of(engine, "6281100000976") == ["VIP"]


def test_an_edit_adds_and_removes_tags_in_any_case(engine: MemoryEngine) -> None:
    # Given a lead tagged "VIP" and "webinar"
    lead = quiet_contact(engine.deps, "6281100000977", engine.clock.now(), tags=["VIP", "webinar"])
    # When a counsellor adds "vip" and "Alumni", and removes "WEBINAR"
    edit_contact(engine.deps, lead.id, Edit(add_tags=["vip", "Alumni"], remove_tags=["WEBINAR"]))
    # Then the lead holds "VIP" once and "Alumni"
    assert tags_of(engine, "6281100000977") == ["VIP", "Alumni"]
    # When they respell "VIP" as "Vip": removed and added in one edit
    edit_contact(engine.deps, lead.id, Edit(add_tags=["Vip"], remove_tags=["VIP"]))
    # Then the tag reads as newly written
    assert tags_of(engine, "6281100000977") == ["Alumni", "Vip"]
