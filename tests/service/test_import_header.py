"""A CSV's first line names its columns, and a column that names no contact field, a
column given twice or no id column refuses the whole file, naming it, before anything is
written: each row would have been refused alike, or kept with a cell left out. Columns are
read in any case with spaces around them, and a tab-separated file as a comma-separated one."""

from __future__ import annotations

import pytest

from followup.domain.errors import InvalidField
from followup.services.contacts import find_contact, upsert
from followup.services.imports import import_contacts
from followup_local.memory_engine import MemoryEngine

KEPT = "6281100000961"
NEW = "6281100000962"


@pytest.mark.parametrize(
    ("csv", "said"),
    [
        (f"wa_id,nama\n{KEPT},Ratna\n{NEW},Sari\n", "'nama' names no contact field"),
        (f"wa_id,name,notes\n{KEPT},Ratna,\n{NEW},Sari,call after 5\n", "'notes'"),
        (f"{KEPT},Ratna\n{NEW},Sari\n", f"'{KEPT}', 'Ratna' name no contact field"),
        (f"wa_id,name,Name\n{KEPT},Ratna,Ratna D.\n", "the column 'name' is given twice"),
        ("name,stage\nRatna,new\nSari,new\n", "no wa_id or user_id column"),
    ],
)
def test_a_header_the_rows_cannot_be_read_by_refuses_the_file_and_writes_nothing(
    engine: MemoryEngine, csv: str, said: str
) -> None:
    # Given a lead already stored
    upsert(engine.deps, KEPT, {"name": "Ratna Dewi"})
    # When a file whose header names no field, a field twice or no id is imported
    with pytest.raises(InvalidField) as refused:
        import_contacts(engine.deps, csv, "csv")
    # Then it is refused whole, naming the header's line and what is wrong with it
    assert refused.value.field == "body"
    assert refused.value.message.startswith("line 1: ")
    assert said in refused.value.message
    assert refused.value.message.endswith("nothing was imported")
    # And nothing was written: the stored lead is as it was, the new one not created
    kept = find_contact(engine.deps, KEPT, None)
    assert kept is not None
    assert kept.item.name == "Ratna Dewi"
    assert find_contact(engine.deps, NEW, None) is None


def test_a_header_in_capitals_or_padded_names_the_fields_and_attributes_keep_their_case(
    engine: MemoryEngine,
) -> None:
    # Given a CRM export whose header is written its own way
    csv = f"\nWA_ID, Name ,STAGE,Attr.CourseCode\n{NEW},Sari,new,MBA-2027\n"
    # When it is imported
    report = import_contacts(engine.deps, csv, "csv")
    # Then the lead is created from it, the attribute under the name written
    assert (report.created, report.rejected) == (1, [])
    found = find_contact(engine.deps, NEW, None)
    assert found is not None
    assert (found.item.name, found.item.stage) == ("Sari", "new")
    assert found.item.attributes == {"CourseCode": "MBA-2027"}


def test_a_tab_separated_file_is_read_as_a_comma_separated_one(engine: MemoryEngine) -> None:
    report = import_contacts(engine.deps, f"wa_id\tname\ttags\n{NEW}\tSari\tvip;mba\n", "csv")
    assert (report.created, report.rejected) == (1, [])
    found = find_contact(engine.deps, NEW, None)
    assert found is not None
    assert (found.item.name, found.item.tags) == ("Sari", ["vip", "mba"])


def test_an_unnamed_empty_column_and_a_user_id_file_still_import(engine: MemoryEngine) -> None:
    # Given a sheet saved with a trailing comma on each line, and one of user ids alone
    trailing = f"wa_id,name,\n{NEW},Sari,\n"
    by_user = "user_id,name\nID.1502576394655843,Tari\n"
    # When each is imported
    first = import_contacts(engine.deps, trailing, "csv")
    second = import_contacts(engine.deps, by_user, "csv")
    # Then both leads are created
    assert (first.created, first.rejected) == (1, [])
    assert (second.created, second.rejected) == (1, [])


@pytest.mark.parametrize(
    ("text", "kind", "said"),
    [
        ("wa_id,name\n", "csv", "the file holds no contacts: no line after its header"),
        ("\n \n", "csv", "the file holds no contacts"),
        ("\n\n", "jsonl", "the file holds no contacts; nothing was imported"),
    ],
)
def test_a_file_of_no_contacts_is_refused_saying_so(
    engine: MemoryEngine, text: str, kind: str, said: str
) -> None:
    # When a file with a header alone, or nothing, is imported (the wrong sheet exported)
    with pytest.raises(InvalidField) as refused:
        import_contacts(engine.deps, text, kind)
    # Then it is refused saying it holds no contacts, not answered "0 created, 0 updated"
    assert refused.value.field == "body"
    assert said in refused.value.message
