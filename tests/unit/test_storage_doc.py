"""docs/storage.md lists the tables as the schema declares them: a table, index, TTL or
stream added, renamed or dropped in `adapters/tables.py` fails here until the page says so."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from followup.adapters.tables import TABLES, table_spec, ttl_attribute

PAGE = Path(__file__).resolve().parents[2] / "docs" / "storage.md"
NAMED = re.compile(r"`([^`]+)`")


def _rows() -> dict[str, list[str]]:
    """The page's table of tables, its first table naming them: logical name → its cells
    (key, indexes, TTL, stream)."""
    rows: dict[str, list[str]] = {}
    for line in PAGE.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and (name := NAMED.fullmatch(cells[0])) and name[1] in TABLES:
            rows.setdefault(name[1], cells[1:])
    return rows


def test_the_page_lists_every_table_and_no_other() -> None:
    assert sorted(_rows()) == sorted(TABLES)


@pytest.mark.parametrize("logical", sorted(TABLES))
def test_each_tables_key_indexes_ttl_and_stream_are_as_declared(logical: str) -> None:
    spec = table_spec(TABLES[logical])
    key, indexes, ttl, stream = _rows()[logical]
    assert NAMED.findall(key) == [k["AttributeName"] for k in spec["KeySchema"]]
    declared = [index["IndexName"] for index in spec.get("GlobalSecondaryIndexes", [])]
    assert sorted(NAMED.findall(indexes)) == sorted(declared)
    assert NAMED.findall(ttl) == [name for name in [ttl_attribute(TABLES[logical])] if name]
    assert (stream != "–") == ("StreamSpecification" in spec)
