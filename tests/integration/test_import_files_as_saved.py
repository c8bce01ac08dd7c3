"""Contact files as people and other systems save them: stray blank lines, old Mac line
endings, a quote typed and left open, and JSON lines with a line separator inside a string."""

from __future__ import annotations

import json
from typing import Any

from followup.services.contacts import find_contact
from followup_local.engine import LocalEngine
from tests.support.api import call


def imported(engine: LocalEngine, text: str, kind: str = "text/csv") -> tuple[int, Any]:
    """(status, answer) of an admin's import of `text`."""
    return call(engine, "POST", "/api/contacts/import", raw=text, content_type=kind)


def refused(report: dict[str, Any]) -> list[tuple[int, str]]:
    return [(r["line"], r["field"]) for r in report["rejected"]]


def test_a_csv_line_holding_only_spaces_or_a_tab_is_skipped(engine: LocalEngine) -> None:
    # Given a CSV with a line of spaces and one of a tab, left after deleting rows by hand
    csv = "wa_id,name\r\n6281100000701,Ayu\r\n   \r\n\t\r\n6281100000702,Budi\r\n0811,Cici\r\n"
    # When it is imported
    status, report = imported(engine, csv)
    # Then both leads are created, and the bad row is named by its line as before
    assert (status, report["created"], refused(report)) == (200, 2, [(6, "wa_id")])
    assert find_contact(engine.deps, "6281100000702", None) is not None


def test_a_csv_whose_first_lines_are_blank_reads_its_header_below_them(
    engine: LocalEngine,
) -> None:
    # Given a semicolon CSV that starts with a blank line and a line of spaces
    csv = "\r\n  \r\nwa_id;name\r\n6281100000703;Dewi\r\n0811;Eka\r\n"
    # When it is imported
    status, report = imported(engine, csv)
    # Then the header is the first line with text, and lines are counted from the top
    assert (status, report["created"], refused(report)) == (200, 1, [(5, "wa_id")])
    found = find_contact(engine.deps, "6281100000703", None)
    assert found is not None
    assert found.item.name == "Dewi"


def test_a_csv_with_old_mac_line_endings_imports_each_line(engine: LocalEngine) -> None:
    # Given a CSV whose lines end in a carriage return alone, as older Excel for Mac saved
    csv = 'wa_id,name,attr.note\r6281100000704,Fajar,"two\rlines"\r0811,Gita,x\r'
    # When it is imported
    status, report = imported(engine, csv)
    # Then its rows are read, a cell over two lines kept whole, the bad row named by line
    assert (status, report["created"], refused(report)) == (200, 1, [(4, "wa_id")])
    found = find_contact(engine.deps, "6281100000704", None)
    assert found is not None
    assert (found.item.name, found.item.attributes) == ("Fajar", {"note": "two\rlines"})


def test_a_json_line_with_a_line_separator_inside_a_string_is_one_row(
    engine: LocalEngine,
) -> None:
    # Given JSON lines as JavaScript's JSON.stringify writes them: U+2028 and U+0085 (pasted
    # into a name) stay raw inside the string, which JSON allows; lines end in \r\n
    rows = [
        {"wa_id": "6281100000711", "name": "Ana\u2028Maria"},
        {"wa_id": "6281100000712", "name": "Budi\x85Santoso"},
        {"wa_id": "0811", "name": "Bad number"},
    ]
    lines = "\r\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    # When it is imported
    status, report = imported(engine, lines, "application/x-ndjson")
    # Then both valid rows are created as written, and the bad one is named by its line, 3
    assert (status, report["created"], refused(report)) == (200, 2, [(3, "wa_id")])
    found = find_contact(engine.deps, "6281100000711", None)
    assert found is not None
    assert found.item.name == "Ana\u2028Maria"


def test_a_quote_left_open_refuses_its_line_and_the_rows_below_it_are_imported(
    engine: LocalEngine,
) -> None:
    # Given 50 leads where one name was typed with an opening quote and no closing one
    lines = ["wa_id,name,stage"] + [f"62811910{i:05d},Lead {i},new" for i in range(50)]
    lines[3] = '6281191000002,"Budi The Boss,new'
    # When it is imported
    status, report = imported(engine, "\n".join(lines) + "\n")
    # Then that line alone is refused, saying its quote is left open
    assert (status, report["created"], refused(report)) == (200, 49, [(4, "row")])
    assert "quote" in report["rejected"][0]["reason"]
    assert "left open" in report["rejected"][0]["reason"]
    # And the leads below it are imported as their own rows
    after = find_contact(engine.deps, "6281191000003", None)
    assert after is not None
    assert after.item.name == "Lead 3"
    assert find_contact(engine.deps, "6281191000049", None) is not None


def test_a_quote_closed_only_rows_below_refuses_its_line_and_keeps_those_rows(
    engine: LocalEngine,
) -> None:
    # Given a quote left open on line 2, and a cell quoted properly two rows below it
    csv = "\n".join(
        [
            "wa_id,name,attr.city",
            '6281100000721,"Ayu,Bandung',
            "6281100000722,Budi,Bogor",
            '6281100000723,Citra,"Jakarta, ID"',
        ]
    )
    # When it is imported
    status, report = imported(engine, csv)
    # Then line 2 is refused, and the rows below it are read as they were written
    assert (status, report["created"], refused(report)) == (200, 2, [(2, "row")])
    citra = find_contact(engine.deps, "6281100000723", None)
    assert citra is not None
    assert (citra.item.name, citra.item.attributes) == ("Citra", {"city": "Jakarta, ID"})


def test_quoted_cells_with_commas_doubled_quotes_or_a_note_over_lines_are_kept_whole(
    engine: LocalEngine,
) -> None:
    # Given cells quoted as spreadsheets write them: a comma, doubled quotes, and a note
    # typed over two lines in its cell (kept whole: no line below it reads as a row)
    csv = "\r\n".join(
        [
            "wa_id,name,attr.note",
            '6281100000731,"Santoso, Budi","said ""call me Boss"""',
            '6281100000732,Citra,"called twice,',
            'no answer"',
            "0811,Dewi,bad number",
        ]
    )
    # When it is imported
    status, report = imported(engine, csv)
    # Then every cell is stored as written, and the bad row is still named by its line
    assert (status, report["created"], refused(report)) == (200, 2, [(5, "wa_id")])
    budi = find_contact(engine.deps, "6281100000731", None)
    citra = find_contact(engine.deps, "6281100000732", None)
    assert budi is not None
    assert citra is not None
    assert (budi.item.name, budi.item.attributes) == (
        "Santoso, Budi",
        {"note": 'said "call me Boss"'},
    )
    assert citra.item.attributes == {"note": "called twice,\r\nno answer"}
