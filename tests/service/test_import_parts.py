"""A file too long to write within one request is written in parts, each sent again from
the line the last one named, with every row accounted for once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from followup.domain.ids import contact_id
from followup.services.imports import CHUNK_ROWS, ImportReport, import_contacts
from followup_local.memory_engine import MemoryEngine


def _file(count: int, *, bad: dict[int, str] | None = None) -> str:
    """A CSV of `count` leads; `bad` puts another wa_id on the given data rows."""
    bad = bad or {}
    lines = ["wa_id,name"]
    lines += [f"{bad.get(n, f'62811{n:07d}')},Lead {n}" for n in range(count)]
    return "\n".join(lines)


def _one_chunk() -> Callable[[], bool]:
    """Time for the first chunk of each request only."""
    return lambda: False


def _in_parts(engine: MemoryEngine, text: str) -> list[ImportReport]:
    reports = [import_contacts(engine.deps, text, "csv", time_left=_one_chunk())]
    while (line := reports[-1].next_line) is not None:
        reports.append(
            import_contacts(engine.deps, text, "csv", from_line=line, time_left=_one_chunk())
        )
    return reports


def _contacts(engine: MemoryEngine, count: int) -> int:
    """How many of the file's first `count` numbers are contacts."""
    ids = [contact_id(f"wa:62811{n:07d}") for n in range(count)]
    return len(engine.deps.contacts.contacts_by_ids(ids))


def test_a_long_file_is_written_in_parts_each_row_counted_once(engine: MemoryEngine) -> None:
    # Given 250 leads, with a bad number on line 51 and a second copy of line 21's on 231
    text = _file(250, bad={49: "0811000000", 229: "628110000019"})
    # When each request has time for one chunk of rows, and the file is sent again from
    # the line each answer names
    reports = _in_parts(engine, text)
    # Then it took three parts, starting on the lines named
    assert [r.next_line for r in reports] == [CHUNK_ROWS + 2, 2 * CHUNK_ROWS + 2, None]
    # And every good row was created once, and each refusal reported once, in its part
    assert sum(r.created for r in reports) == 248
    assert sum(r.updated for r in reports) == 0
    refused: list[Any] = [(x["line"], x["field"]) for r in reports for x in r.rejected]
    assert refused == [(51, "wa_id"), (231, "wa_id")]
    assert "already on line 21" in reports[2].rejected[0]["reason"]
    assert _contacts(engine, 250) == 248


def test_a_part_sent_twice_updates_the_same_contacts(engine: MemoryEngine) -> None:
    # Given a 150-row file whose first part was written, but whose answer was lost
    text = _file(150)
    first = import_contacts(engine.deps, text, "csv", time_left=_one_chunk())
    # When the caller sends the file again from the start, and then goes on
    again = import_contacts(engine.deps, text, "csv", time_left=_one_chunk())
    rest = import_contacts(engine.deps, text, "csv", from_line=again.next_line or 0)
    # Then the part sent twice updated what the first wrote, and nobody was made twice
    assert (first.created, again.created, again.updated) == (CHUNK_ROWS, 0, CHUNK_ROWS)
    assert (rest.created, rest.next_line) == (50, None)
    assert _contacts(engine, 150) == 150


def test_a_file_written_in_time_answers_no_next_line(engine: MemoryEngine) -> None:
    report = import_contacts(engine.deps, _file(3 * CHUNK_ROWS), "csv")
    assert (report.created, report.next_line) == (3 * CHUNK_ROWS, None)
