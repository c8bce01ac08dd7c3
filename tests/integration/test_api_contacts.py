"""/api/contacts and /api/followups through the handler."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.services import imports
from followup.services.contacts import find_contact
from followup.services.inbound import record_inbound
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


def imported(engine: LocalEngine, csv: str) -> tuple[int, Any]:
    """(status, answer) of an admin's CSV import of `csv`."""
    return call(engine, "POST", "/api/contacts/import", raw=csv, content_type="text/csv")


def test_a_crm_upserts_a_contact_and_reads_it_back(engine: LocalEngine) -> None:
    lead = {
        "wa_id": "6281100000801",
        "name": "Dewi",
        "timezone": "Asia/Makassar",
        "attributes": {"program": "Nursing"},
    }
    status, created = call(engine, "POST", "/api/contacts", lead, role="marketing")
    assert (status, created["stage"]) == (201, "new")
    status, updated = call(engine, "POST", "/api/contacts", lead | {"stage": "qualified"})
    assert (status, updated["id"], updated["stage"]) == (200, created["id"], "qualified")
    status, read = call(engine, "GET", f"/api/contacts/{created['id']}", role="counselor")
    assert (status, read["attributes"]) == (200, {"program": "Nursing"})


def test_fields_the_engine_owns_cannot_be_set(engine: LocalEngine) -> None:
    status, answer = call(
        engine, "POST", "/api/contacts", {"wa_id": "6281100000802", "opted_out": True}
    )
    assert status == 422
    assert answer["error"]["details"][0]["field"] == "opted_out"
    status, answer = call(
        engine, "POST", "/api/contacts", {"wa_id": "6281100000802", "stage": "alumni"}
    )
    assert (status, answer["error"]["details"][0]["field"]) == (422, "stage")
    assert call(engine, "GET", "/api/contacts/ct_missing")[0] == 404


def test_a_counsellor_sends_now_and_sees_it_in_the_timeline(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    _, contact = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000803", "name": "Eko"})
    status, followup = call(
        engine,
        "POST",
        f"/api/contacts/{contact['id']}/followups",
        {"rule_id": "apply-remind-24h"},
        role="counselor",
    )
    assert status == 202
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    status, read = call(engine, "GET", f"/api/followups/{followup['id']}")
    assert (status, read["status"]) == (200, "sent")
    _, timeline = call(engine, "GET", f"/api/contacts/{contact['id']}/timeline")
    assert [f["id"] for f in timeline["followups"]] == [followup["id"]]
    assert len(timeline["messages"]) == 1


def test_send_now_to_an_opted_out_contact_is_refused(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    _, contact = call(engine, "POST", "/api/contacts", {"wa_id": "6281100000804"})
    record_inbound(
        engine.deps, "6281100000804", "BERHENTI", engine.clock.now() - timedelta(minutes=1)
    )
    status, answer = call(
        engine, "POST", f"/api/contacts/{contact['id']}/followups", {"rule_id": "apply-remind-24h"}
    )
    assert (status, answer["error"]["code"]) == (409, "opted_out")
    assert engine.sandbox.requests == []


def test_send_now_of_free_text_a_closed_window_would_refuse_is_a_409_naming_why(
    engine: LocalEngine,
) -> None:
    text_only = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi, still applying?"}]
    engine.deps.rules.save_rule(rule(steps=text_only))
    lead = quiet_contact(engine.deps, "6281100000805", engine.clock.now() - timedelta(hours=30))
    status, answer = call(
        engine, "POST", f"/api/contacts/{lead.id}/followups", {"rule_id": "apply-remind-24h"}
    )
    assert (status, answer["error"]["code"]) == (409, "window_closed")
    assert "24-hour window" in answer["error"]["message"]
    assert engine.deps.followups.followups_of(lead.id) == []


CSV = """wa_id,name,stage,score,timezone,tags,attr.program
6281100000831,Fajar,new,warm,Asia/Jakarta,webinar;scholarship,Nursing
6281100000832,Gita,paid,hot,Asia/Makassar,,Law
6281100000833,Hana,alumni,cold,Asia/Jakarta,,Law
12,Short,new,warm,Asia/Jakarta,,Law
6281100000834,Indra,new,warm,Mars/Olympus,,Law
6281100000831,Fajar again,new,warm,Asia/Jakarta,,Nursing
"""


def test_a_csv_import_reports_created_updated_and_rejected_rows(engine: LocalEngine) -> None:
    call(engine, "POST", "/api/contacts", {"wa_id": "6281100000832", "name": "Gita"})
    status, report = call(
        engine, "POST", "/api/contacts/import", raw=CSV, content_type="text/csv", role="marketing"
    )
    assert status == 200
    assert (report["created"], report["updated"]) == (1, 1)
    rejected = {(r["line"], r["field"]) for r in report["rejected"]}
    assert rejected == {(4, "stage"), (5, "wa_id"), (6, "timezone"), (7, "wa_id")}
    fajar = find_contact(engine.deps, "6281100000831", None)
    assert fajar is not None
    assert fajar.item.tags == ["webinar", "scholarship"]
    assert fajar.item.attributes == {"program": "Nursing"}
    gita = find_contact(engine.deps, "6281100000832", None)
    assert gita is not None
    assert (gita.item.stage, gita.item.score) == ("paid", "hot")


def test_an_import_naming_one_person_twice_by_different_ids_makes_one_contact(
    engine: LocalEngine,
) -> None:
    # A row gives Ann's wa_id and user id; a later row names her by the user id alone
    csv = "wa_id,user_id,name\n6281100000809,BR.1234,Ann\n,BR.1234,Ann B\n"
    status, report = imported(engine, csv)
    assert status == 200
    assert report["created"] == 1
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(3, "user_id")]
    ann = find_contact(engine.deps, None, "BR.1234")
    assert ann is not None
    assert (ann.item.wa_id, ann.item.name) == ("6281100000809", "Ann")


def test_a_number_given_for_a_person_known_by_user_id_is_kept_and_finds_them(
    engine: LocalEngine,
) -> None:
    # Given a lead first known by their business-scoped user id alone
    _, first = call(engine, "POST", "/api/contacts", {"user_id": "BR.1502576394655843"})
    # When the CRM imports them with their number and user id, then by number alone
    both = "wa_id,user_id,name\n6281100000930,BR.1502576394655843,Ana\n"
    status, report = imported(engine, both)
    assert (status, report["created"], report["updated"]) == (200, 0, 1)
    alone = "wa_id,stage\n6281100000930,qualified\n"
    status, report = imported(engine, alone)
    # Then the number was kept, and the second import found the same person
    assert (status, report["created"], report["updated"]) == (200, 0, 1)
    found = find_contact(engine.deps, "6281100000930", None)
    assert found is not None
    assert (found.item.id, found.item.wa_id, found.item.stage) == (
        first["id"],
        "6281100000930",
        "qualified",
    )


def test_a_user_id_another_contact_holds_is_refused_and_neither_contact_changes(
    engine: LocalEngine,
) -> None:
    # Given one contact known by a user id alone, and another by a number alone
    _, by_user = call(engine, "POST", "/api/contacts", {"user_id": "ID.777000111"})
    _, by_number = call(engine, "POST", "/api/contacts", {"wa_id": "6281170000777"})
    # When the CRM sends both ids, for the number's contact, over the API and by import
    both = {"wa_id": "6281170000777", "user_id": "ID.777000111", "name": "Both"}
    status, problem = call(engine, "POST", "/api/contacts", both)
    _, report = imported(engine, "wa_id,user_id,name\n6281170000777,ID.777000111,Both\n")
    # Then both are refused by the field, naming the contact that holds it
    assert status == 422
    assert problem["error"]["details"][0]["field"] == "user_id"
    assert by_user["id"] in problem["error"]["details"][0]["message"]
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(2, "user_id")]
    # And the user id still finds one contact, the number the other, neither renamed
    held = find_contact(engine.deps, None, "ID.777000111")
    numbered = find_contact(engine.deps, "6281170000777", None)
    assert held is not None
    assert numbered is not None
    assert (held.item.id, held.item.wa_id) == (by_user["id"], None)
    assert (numbered.item.id, numbered.item.user_id) == (by_number["id"], None)
    assert "Both" not in (held.item.name, numbered.item.name)


def test_a_user_id_other_than_the_numbers_contact_has_is_refused_and_nothing_changes(
    engine: LocalEngine,
) -> None:
    # Given a contact known by its number and a user id, and one known by another user id
    ann = {"wa_id": "6281170000778", "user_id": "ID.778000111", "name": "Ann"}
    assert call(engine, "POST", "/api/contacts", ann)[0] == 201
    _, bea = call(engine, "POST", "/api/contacts", {"user_id": "ID.778000222", "name": "Bea"})
    # When the CRM sends Ann's number with Bea's user id, or with one nobody has
    for other in ("ID.778000222", "ID.778000333"):
        row = {"wa_id": "6281170000778", "user_id": other, "name": "Both"}
        status, problem = call(engine, "POST", "/api/contacts", row)
        _, report = imported(engine, f"wa_id,user_id,name\n6281170000778,{other},Both\n")
        # Then both are refused by the field, saying which user id the number's contact has
        assert (status, problem["error"]["details"][0]["code"]) == (422, "user_id_mismatch")
        assert "ID.778000111" in problem["error"]["details"][0]["message"]
        assert [(r["line"], r["field"]) for r in report["rejected"]] == [(2, "user_id")]
    # And neither contact changed
    numbered = find_contact(engine.deps, "6281170000778", None)
    held = find_contact(engine.deps, None, "ID.778000222")
    assert numbered is not None
    assert held is not None
    assert (numbered.item.user_id, numbered.item.name) == ("ID.778000111", "Ann")
    assert (held.item.id, held.item.wa_id, held.item.name) == (bea["id"], None, "Bea")
    # And the number with its own user id is still taken
    same = {"wa_id": "6281170000778", "user_id": "ID.778000111", "name": "Ann Lee"}
    assert call(engine, "POST", "/api/contacts", same)[0] == 200


def test_a_number_other_than_the_user_ids_contact_has_is_refused_and_nothing_changes(
    engine: LocalEngine,
) -> None:
    # Given a contact known by its number and a user id
    ann = {"wa_id": "6281170000779", "user_id": "ID.779000111", "name": "Ann"}
    assert call(engine, "POST", "/api/contacts", ann)[0] == 201
    # When the CRM sends Ann's user id with a number nobody has
    row = {"wa_id": "6281170000780", "user_id": "ID.779000111", "name": "Other"}
    status, problem = call(engine, "POST", "/api/contacts", row)
    _, report = imported(engine, "wa_id,user_id,name\n6281170000780,ID.779000111,Other\n")
    # Then both are refused by the field, saying which number the user id's contact has
    assert (status, problem["error"]["details"][0]["code"]) == (422, "wa_id_mismatch")
    assert "6281170000779" in problem["error"]["details"][0]["message"]
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(2, "wa_id")]
    # And Ann is as she was, and the number finds nobody
    found = find_contact(engine.deps, None, "ID.779000111")
    assert found is not None
    assert (found.item.wa_id, found.item.name) == ("6281170000779", "Ann")
    assert find_contact(engine.deps, "6281170000780", None) is None


def test_a_number_written_the_other_way_or_added_to_a_contact_without_one_is_taken(
    engine: LocalEngine,
) -> None:
    # Given a Brazilian mobile known with its ninth digit, and a contact with no number
    bia = {"wa_id": "5511987650781", "user_id": "BR.781000111", "name": "Bia"}
    assert call(engine, "POST", "/api/contacts", bia)[0] == 201
    assert call(engine, "POST", "/api/contacts", {"user_id": "ID.781000222"})[0] == 201
    # When the CRM sends Bia's number without it, and a number for the other
    without_nine = {"wa_id": "551187650781", "user_id": "BR.781000111", "name": "Bia Lima"}
    numbered = {"wa_id": "6281170000781", "user_id": "ID.781000222", "name": "Citra"}
    # Then both are taken: the same contact, and a number the contact lacked
    assert call(engine, "POST", "/api/contacts", without_nine)[0] == 200
    assert call(engine, "POST", "/api/contacts", numbered)[0] == 200
    found = find_contact(engine.deps, None, "BR.781000111")
    assert found is not None
    assert (found.item.wa_id, found.item.name) == ("5511987650781", "Bia Lima")
    citra = find_contact(engine.deps, "6281170000781", None)
    assert citra is not None
    assert (citra.item.user_id, citra.item.name) == ("ID.781000222", "Citra")


def test_a_json_lines_import_and_its_refusals(engine: LocalEngine) -> None:
    lines = "\n".join(
        [
            '{"wa_id": "6281100000841", "name": "Joko"}',
            "not json",
            '{"wa_id": "6281100000842", "opted_out": true}',
        ]
    )
    status, report = call(
        engine, "POST", "/api/contacts/import", raw=lines, content_type="application/x-ndjson"
    )
    assert (status, report["created"]) == (200, 1)
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(2, "row"), (3, "opted_out")]
    assert (
        call(
            engine,
            "POST",
            "/api/contacts/import",
            raw=CSV,
            content_type="text/csv",
            role="counselor",
        )[0]
        == 403
    )
    status, answer = call(
        engine, "POST", "/api/contacts/import", raw=CSV, content_type="text/plain"
    )
    assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")


def test_a_partial_upsert_changes_only_what_it_names(engine: LocalEngine) -> None:
    # Given a lead with a name, tags, attributes, email and time zone
    full = {
        "wa_id": "6281100000851",
        "name": "Kirana",
        "email": "kirana@example.com",
        "timezone": "Asia/Makassar",
        "tags": ["webinar"],
        "attributes": {"program": "Law", "intake": "2027"},
    }
    _, created = call(engine, "POST", "/api/contacts", full)
    # When a CRM sends only the stage, then one attribute
    call(engine, "POST", "/api/contacts", {"wa_id": full["wa_id"], "stage": "qualified"})
    status, patched = call(
        engine, "POST", "/api/contacts", {"wa_id": full["wa_id"], "attributes": {"intake": "2028"}}
    )
    # Then everything else is as it was, and attributes merge key by key
    assert status == 200
    kept = {k: patched[k] for k in ("name", "email", "timezone", "tags", "stage")}
    assert kept == {
        "name": "Kirana",
        "email": "kirana@example.com",
        "timezone": "Asia/Makassar",
        "tags": ["webinar"],
        "stage": "qualified",
    }
    assert patched["attributes"] == {"program": "Law", "intake": "2028"}
    # And null clears on purpose: a field, all tags, one attribute
    clear = {"wa_id": full["wa_id"], "email": None, "tags": None, "attributes": {"intake": None}}
    _, cleared = call(engine, "POST", "/api/contacts", clear)
    assert (cleared["email"], cleared["tags"], cleared["attributes"]) == (
        None,
        [],
        {"program": "Law"},
    )
    assert (cleared["name"], cleared["id"]) == ("Kirana", created["id"])
    status, answer = call(engine, "POST", "/api/contacts", {"wa_id": full["wa_id"], "stage": None})
    assert (status, answer["error"]["details"][0]["field"]) == (422, "stage")


def test_a_csv_without_a_column_or_with_blank_cells_leaves_those_fields(
    engine: LocalEngine,
) -> None:
    lead = {"wa_id": "6281100000852", "name": "Lala", "tags": ["vip"], "attributes": {"p": "Law"}}
    call(engine, "POST", "/api/contacts", lead)
    for csv in ("wa_id,score\n6281100000852,cold\n", "wa_id,name,tags,attr.p\n6281100000852,,,\n"):
        status, report = imported(engine, csv)
        assert (status, report["updated"], report["rejected"]) == (200, 1, [])
    found = find_contact(engine.deps, "6281100000852", None)
    assert found is not None
    assert (found.item.name, found.item.tags, found.item.attributes) == (
        "Lala",
        ["vip"],
        {"p": "Law"},
    )
    assert found.item.score == "cold"


def test_a_csv_saved_by_excel_with_a_byte_order_mark_imports(engine: LocalEngine) -> None:
    csv = "\ufeffwa_id,name\r\n6281100000853,Maya\r\n"
    status, report = imported(engine, csv)
    assert (status, report["created"], report["rejected"]) == (200, 1, [])


def test_a_rejected_row_is_named_by_its_line_in_the_file(engine: LocalEngine) -> None:
    # Given a file with a blank line and a note written over two lines in one cell
    csv = "\r\n".join(
        [
            "wa_id,name,attr.note",
            "6281100000861,Ayu,fine",
            "",
            '6281100000862,Budi,"called twice,',
            'no answer"',
            "6281100000863,Citra,fine,",
            "+62 811,Dewi,bad number",
        ]
    )
    status, report = imported(engine, csv)
    # Then the refused row is the one on line 7, as the spreadsheet shows it
    assert (status, report["created"]) == (200, 3)
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(7, "wa_id")]


def test_a_row_with_more_cells_than_the_header_is_refused_not_cut_short(
    engine: LocalEngine,
) -> None:
    # Given a contact named in full, and a file naming them again with an unquoted comma
    assert imported(engine, 'wa_id,name\n6281100000852,"Budi, The Boss"\n')[1]["created"] == 1
    csv = "wa_id,name\n6281100000851,Ann,\n6281100000852,Budi, The Boss\n6281100000853,Cid\n"
    status, report = imported(engine, csv)
    # Then that row is refused by its line (an empty cell past the header is no more than
    # Excel's trailing comma), and the stored name is not cut to "Budi"
    assert (status, report["created"], report["updated"]) == (200, 2, 0)
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(3, "row")]
    assert "more cells than the header" in report["rejected"][0]["reason"]
    found = find_contact(engine.deps, "6281100000852", None)
    assert found is not None
    assert found.item.name == "Budi, The Boss"


def test_a_file_that_is_not_utf8_is_refused_in_words_and_nothing_is_imported(
    engine: LocalEngine,
) -> None:
    # Given Excel's plain "CSV" on Windows (cp1252), sent as bytes or read as text
    saved = "wa_id,name\r\n6281100000871,José\r\n".encode("cp1252")
    for sent in (
        {"encoded": saved},
        {"raw": saved.decode("utf-8", errors="replace")},
    ):
        status, answer = call(
            engine, "POST", "/api/contacts/import", content_type="text/csv", **sent
        )
        # Then the answer says to save it as CSV UTF-8, and no contact was made
        assert (status, answer["error"]["details"][0]["field"]) == (422, "body")
        assert "CSV UTF-8" in answer["error"]["message"]
    assert find_contact(engine.deps, "6281100000871", None) is None
    # And the same file saved as UTF-8 imports, sent either way
    utf8 = "wa_id,name\r\n6281100000871,José\r\n".encode()
    status, report = call(
        engine, "POST", "/api/contacts/import", encoded=utf8, content_type="text/csv"
    )
    assert (status, report["created"]) == (200, 1)


def test_a_csv_saved_with_semicolons_imports_and_a_corrected_row_is_taken(
    engine: LocalEngine,
) -> None:
    # Given Excel's CSV where the comma is the decimal mark (Indonesia, Brazil), with a row
    # refused for its stage and the same person again, corrected, further down
    csv = "\r\n".join(
        [
            "wa_id;name;stage;attr.fee",
            "6281100000891;Eka;nowhere;1,5",
            "6281100000891;Eka;new;1,5",
        ]
    )
    status, report = imported(engine, csv)
    # Then the columns are read, the first row is refused for its stage, the second taken
    assert (status, report["created"]) == (200, 1)
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(2, "stage")]
    eka = find_contact(engine.deps, "6281100000891", None)
    assert eka is not None
    assert (eka.item.name, eka.item.stage, eka.item.attributes) == ("Eka", "new", {"fee": "1,5"})


def test_a_whatsapp_id_is_8_to_15_ascii_digits(engine: LocalEngine) -> None:
    csv = "\n".join(
        [
            "wa_id,name",
            "٦٢٨١١٠٠٠٠٠٨٥٤,Arabic-Indic digits",
            "1234567,Seven digits",
            "1234567890123456,Sixteen digits",
            "6.28110000085E+12,Excel number",
            "081100000854,National way",
            "+0811 0000 0854,National way with a plus",
            "12345678,Eight digits",
            "123456789012345,Fifteen digits",
        ]
    )
    status, report = imported(engine, csv)
    assert (status, report["created"]) == (200, 2)
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [
        (n, "wa_id") for n in range(2, 8)
    ]
    # Each reason is the check's own words, not pydantic's "Value error, " before them
    assert all(r["reason"].startswith("8 to 15 digits") for r in report["rejected"])
    status, answer = call(engine, "POST", "/api/contacts", {"wa_id": "٦٢٨١١٠٠٠٠٠٨٥٤"})
    assert status == 422
    assert answer["error"]["details"][0]["message"].startswith("8 to 15 digits")


def test_a_number_as_a_crm_writes_it_is_the_lead_whatsapp_names(engine: LocalEngine) -> None:
    # Given a CRM's export that writes numbers with a plus, spaces, dashes or the
    # international 00, and the same person again as WhatsApp names them
    csv = "\n".join(
        [
            "wa_id,name",
            "+62 811-0000-0856,Plus and dashes",
            '"+62 (811) 0000.0857",Parentheses and dots',
            "0062 811 0000 0858,International 00",
            "6281100000856,Plus and dashes again",
        ]
    )
    status, report = imported(engine, csv)
    # Then each is kept as its digits, and the last row is the first row's person
    assert (status, report["created"]) == (200, 3)
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(5, "wa_id")]
    for wa_id in ("6281100000856", "6281100000857", "6281100000858"):
        found = find_contact(engine.deps, wa_id, None)
        assert found is not None
        assert found.item.wa_id == wa_id
    # And the API takes a number so typed as the contact it already has
    status, answer = call(
        engine, "POST", "/api/contacts", {"wa_id": "+62 811 0000 0856", "stage": "paid"}
    )
    assert (status, answer["wa_id"], answer["stage"]) == (200, "6281100000856", "paid")


def test_formula_looking_cells_are_stored_as_the_text_they_are(engine: LocalEngine) -> None:
    csv = 'wa_id,name,tags,attr.note\n6281100000855,=HYPERLINK("http://x"),@team;+vip,-2+3\n'
    status, report = imported(engine, csv)
    assert (status, report["created"]) == (200, 1)
    found = find_contact(engine.deps, "6281100000855", None)
    assert found is not None
    assert found.item.name == '=HYPERLINK("http://x")'
    assert (found.item.tags, found.item.attributes) == (["@team", "+vip"], {"note": "-2+3"})


def test_a_200_kb_field_is_refused_not_a_server_error(engine: LocalEngine) -> None:
    huge = "x" * 200_000
    csv = f"wa_id,name,attr.note\n6281100000856,Nina,{huge}\n6281100000857,Oki,short\n"
    status, answer = imported(engine, csv)
    assert (status, answer["error"]["code"]) == (422, "invalid")
    assert "line 2" in answer["error"]["message"]
    assert find_contact(engine.deps, "6281100000857", None) is None
    lines = f'{{"wa_id": "6281100000856", "attributes": {{"note": "{huge}"}}}}'
    status, report = call(
        engine, "POST", "/api/contacts/import", raw=lines, content_type="application/x-ndjson"
    )
    assert (status, [(r["line"], r["field"]) for r in report["rejected"]]) == (
        200,
        [(1, "attributes.note")],
    )
    status, _ = call(
        engine, "POST", "/api/contacts", {"wa_id": "6281100000856", "attributes": {"note": huge}}
    )
    assert status == 422


def test_a_file_longer_than_a_request_s_time_is_sent_again_from_the_line_named(
    engine: LocalEngine, monkeypatch: Any
) -> None:
    # Given requests that have time for one chunk of rows each
    monkeypatch.setattr(imports, "WRITING_TIME", 0.0)
    csv = "wa_id,name\n" + "".join(f"628110001{n:04d},Lead {n}\n" for n in range(150))
    # When the file is imported, then sent again from the line the answer names
    status, first = imported(engine, csv)
    assert (status, first["created"], first["next_line"]) == (200, imports.CHUNK_ROWS, 102)
    status, rest = call(
        engine, "POST", "/api/contacts/import?from_line=102", raw=csv, content_type="text/csv"
    )
    # Then the rest is written, and nothing is left to send
    assert (status, rest["created"], rest["updated"], rest["next_line"]) == (200, 50, 0, None)
    assert find_contact(engine.deps, "6281100010149", None) is not None


def test_a_from_line_that_is_no_line_is_refused_naming_it(engine: LocalEngine) -> None:
    for bad in ("0", "x", "-3"):
        status, answer = call(
            engine,
            "POST",
            f"/api/contacts/import?from_line={bad}",
            raw="wa_id\n6281100010200\n",
            content_type="text/csv",
        )
        assert status == 422
        assert [d["field"] for d in answer["error"]["details"]] == ["query.from_line"]
    assert find_contact(engine.deps, "6281100010200", None) is None


def test_a_number_a_crm_sends_for_an_attribute_is_kept_as_its_text(engine: LocalEngine) -> None:
    # Given a CRM that sends amounts and ids as JSON numbers
    lead = {"wa_id": 6281100000871, "attributes": {"fee": 1500, "discount": 2.5}}
    # When it upserts the lead, imports another by JSON lines and edits the first
    status, created = call(engine, "POST", "/api/contacts", lead)
    line = '{"wa_id": 6281100000872, "attributes": {"fee": 900}}'
    _, report = call(
        engine, "POST", "/api/contacts/import", raw=line, content_type="application/x-ndjson"
    )
    edited_status, edited = call(
        engine, "PATCH", f"/api/contacts/{created['id']}", {"attributes": {"fee": 1750}}
    )
    # Then each is stored, the numbers as their text (conditions compare them as numbers)
    assert (status, created["wa_id"], created["attributes"]) == (
        201,
        "6281100000871",
        {"fee": "1500", "discount": "2.5"},
    )
    assert (report["created"], report["rejected"]) == (1, [])
    assert (edited_status, edited["attributes"]["fee"]) == (200, "1750")
    # And a yes or no is no number: refused, naming the attribute
    status, refused = call(
        engine, "POST", "/api/contacts", {"wa_id": "6281100000873", "attributes": {"paid": True}}
    )
    assert status == 422
    assert refused["error"]["details"][0]["field"] == "attributes.paid"


def test_rejected_rows_are_reported_in_the_file_s_order(engine: LocalEngine) -> None:
    # Given a file whose second line is refused as it is written (its email) and whose
    # third as it is read (its stage)
    csv = "wa_id,name,email,stage\n6281100000881,Ann,not-an-email,new\n6281100000882,Bob,,nostage\n"
    status, report = imported(engine, csv)
    # Then the report lists them as the file does
    assert status == 200
    assert [(r["line"], r["field"]) for r in report["rejected"]] == [(2, "email"), (3, "stage")]


def test_a_number_kept_as_a_decimal_is_the_lead_s_own_number(engine: LocalEngine) -> None:
    # Given a CRM whose phone column became a float column (pandas, with a blank cell in it)
    status, created = call(
        engine, "POST", "/api/contacts", raw='{"wa_id": 6281100000874.0, "name": "Budi"}'
    )
    line = '{"wa_id": 6281100000875.0, "name": "Sari"}'
    _, lines_report = call(
        engine, "POST", "/api/contacts/import", raw=line, content_type="application/x-ndjson"
    )
    _, csv_report = imported(engine, "wa_id,name\n6281100000876.0,Rina\n")
    # Then each is kept under its own number, not one with a 0 added
    assert (status, created["wa_id"]) == (201, "6281100000874")
    assert (lines_report["created"], csv_report["created"]) == (1, 1)
    for wa_id in ("6281100000875", "6281100000876"):
        found = find_contact(engine.deps, wa_id, None)
        assert found is not None
        assert found.item.wa_id == wa_id
    assert find_contact(engine.deps, "62811000008750", None) is None
    # And a number with a fraction is no phone number: refused, naming it
    status, refused = call(engine, "POST", "/api/contacts", raw='{"wa_id": 6281100000877.5}')
    assert (status, refused["error"]["details"][0]["field"]) == (422, "wa_id")
    assert find_contact(engine.deps, "62811000008775", None) is None


def test_nan_and_infinity_are_refused_not_kept_as_text(engine: LocalEngine) -> None:
    # Given a CRM whose JSON writer puts NaN for a missing value, as Python's does
    body = '{"wa_id": "6281100000878", "name": NaN}'
    # When it posts a contact so written, or imports lines so written
    status, answer = call(engine, "POST", "/api/contacts", raw=body)
    lines = (
        '{"wa_id": "6281100000879", "attributes": {"fee": Infinity}}\n{"wa_id": "6281100000880"}'
    )
    _, report = call(
        engine, "POST", "/api/contacts/import", raw=lines, content_type="application/x-ndjson"
    )
    # Then the body is refused in words, and the line alone, the others imported
    assert (status, answer["error"]["code"]) == (400, "bad_request")
    assert "NaN is no JSON number" in answer["error"]["message"]
    assert find_contact(engine.deps, "6281100000878", None) is None
    assert report["created"] == 1
    [rejected] = report["rejected"]
    assert (rejected["line"], rejected["field"]) == (1, "row")
    assert "Infinity is no JSON number" in rejected["reason"]
    assert find_contact(engine.deps, "6281100000879", None) is None


def test_a_number_too_large_for_a_float_is_refused_not_kept_as_infinity(
    engine: LocalEngine,
) -> None:
    # Given a contact whose attribute is a number beyond a float's range
    body = '{"wa_id": "6281100000884", "attributes": {"fee": 1e400}}'
    # When it is posted / Then it is refused in words, and nothing is stored as "inf"
    status, answer = call(engine, "POST", "/api/contacts", raw=body)
    assert (status, answer["error"]["code"]) == (400, "bad_request")
    assert "1e400 is too large a number" in answer["error"]["message"]
    assert find_contact(engine.deps, "6281100000884", None) is None


def test_a_contact_is_answered_with_the_zone_its_times_are_read_in(engine: LocalEngine) -> None:
    # Given a Brazilian lead with no zone of their own, one with their own, and an
    # Indonesian one, in a workspace in Jakarta
    for body in (
        {"wa_id": "5511987650881"},
        {"wa_id": "5511987650882", "timezone": "Europe/Lisbon"},
        {"wa_id": "6281100000883"},
    ):
        assert call(engine, "POST", "/api/contacts", body)[0] == 201
    # When the app reads them, one by one and as a list
    listed = call(engine, "GET", "/api/contacts?limit=50")[1]["contacts"]
    zones = {c["wa_id"]: c["zone"] for c in listed}
    one = call(engine, "GET", f"/api/contacts/{listed[0]['id']}")[1]
    # Then each says the zone the engine reads its times in, as its queue rows do
    assert zones == {
        "5511987650881": "America/Sao_Paulo",
        "5511987650882": "Europe/Lisbon",
        "6281100000883": "Asia/Jakarta",
    }
    assert one["zone"] == zones[one["wa_id"]]
