"""A CSV cell that looks blank in a spreadsheet (spaces typed over a value) leaves the field
as it was, and the spaces a spreadsheet leaves around an id, stage, score, zone or email
do not refuse the row."""

from __future__ import annotations

from followup.services.contacts import find_contact, upsert
from followup.services.imports import import_contacts
from followup_local.memory_engine import MemoryEngine

WA_ID = "6281100000921"


def test_a_cell_holding_only_spaces_leaves_the_name_as_it_was(engine: MemoryEngine) -> None:
    # Given a lead whose name the follow-ups greet them by
    upsert(engine.deps, WA_ID, {"name": "Kirana Dewi"})
    # When a CRM export whose name cell holds a space and whose email cell a tab (blank to
    # anyone reading the sheet) is imported to update the score
    report = import_contacts(engine.deps, f"wa_id,name,email,score\n{WA_ID}, ,\t,hot\n", "csv")
    # Then the score changed and the name stayed
    assert (report.updated, report.rejected) == (1, [])
    found = find_contact(engine.deps, WA_ID, None)
    assert found is not None
    assert (found.item.score, found.item.name) == ("hot", "Kirana Dewi")


def test_spaces_around_an_id_stage_score_zone_or_email_are_dropped(
    engine: MemoryEngine,
) -> None:
    # Given a spreadsheet export that pads its cells with spaces
    csv = (
        "wa_id,name,stage,score,timezone,email\n"
        f" {WA_ID} , Kirana ,  new , warm , Asia/Makassar , kirana@example.com \n"
    )
    # When it is imported
    report = import_contacts(engine.deps, csv, "csv")
    # Then the lead is created with those values as meant
    assert (report.created, report.rejected) == (1, [])
    found = find_contact(engine.deps, WA_ID, None)
    assert found is not None
    lead = found.item
    assert (lead.stage, lead.score, lead.timezone, lead.email) == (
        "new",
        "warm",
        "Asia/Makassar",
        "kirana@example.com",
    )
