"""A contact row or upsert that names no one is refused at the field to fill in."""

from __future__ import annotations

from followup_local.engine import LocalEngine
from tests.support.api import call


def test_an_import_row_with_a_blank_wa_id_names_the_field(engine: LocalEngine) -> None:
    # Given a CSV whose second row lost its number
    csv = "wa_id,name,stage\n6281100000951,Budi,new\n,Sari,new\n"
    # When marketing imports it
    status, report = call(
        engine, "POST", "/api/contacts/import", raw=csv, content_type="text/csv", role="marketing"
    )
    # Then the first row is taken, and the rejected one says which line and field to fix
    assert (status, report["created"]) == (200, 1)
    assert report["rejected"] == [
        {"line": 3, "field": "wa_id", "reason": "give a wa_id or a user_id"}
    ]


def test_an_upsert_without_an_id_names_the_field(engine: LocalEngine) -> None:
    # When a counsellor saves a contact by name alone
    status, answer = call(engine, "POST", "/api/contacts", {"name": "Sari"})
    # Then it is refused at the wa_id field, saying what to give
    assert status == 422
    details = [(d["field"], d["message"]) for d in answer["error"]["details"]]
    assert details == [("wa_id", "give a wa_id or a user_id")]
