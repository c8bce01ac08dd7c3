"""Bulk contact import from a CRM export: CSV or JSON lines, every row accounted for."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from followup.domain import strict_json
from followup.domain.conditions import field_error
from followup.domain.contact import USER_ID, Contact, Score
from followup.domain.errors import DomainError, InvalidField, problem_message
from followup.domain.ids import contact_id
from followup.domain.localtime import ZoneName
from followup.domain.phones import international_digits, other_whatsapp_form, without_trunk_zero
from followup.domain.rule import Rule
from followup.services import date_triggers, import_crowd, late
from followup.services.contacts import find_contact, new_contact, patched, upsert
from followup.services.deps import Deps

MAX_ROWS = 10_000
WRITING_TIME = 20.0
"""Seconds one import request spends writing rows before it answers: API Gateway gives up
on an answer after 30 s, and a row costs three or four DynamoDB calls, so a file of
thousands of rows is written in parts, each sent from the line the last one names."""
CHUNK_ROWS = 100
"""Rows written between two looks at the time: a chunk takes about a second on DynamoDB."""
WA_ID = re.compile(r"[1-9][0-9]{7,14}")
"""ASCII digits only (`\\d` would take Arabic-Indic ones too), country code first: no
country code starts with 0, so `0811...` is a number written the national way."""
TRIMMED = frozenset({"wa_id", "stage", "score", "timezone", "email"})
"""CSV columns read without the spaces around a cell (spreadsheet exports carry them): no
value of theirs starts or ends with one."""
UNCLOSED = (
    'a quote (") opened on this line is left open (a cell is quoted whole, as in'
    ' "Budi, The Boss"); the lines below it are read as rows of their own'
)
"""Why a CSV row whose quote swallows the rows below it, or the rest of the file, is refused."""
OVERFLOWING = (
    "the line has more cells than the header names: a cell with a comma in it is quoted"
    ' whole, as in "Budi, The Boss"'
)
"""Why a CSV row with cells past the header's columns is refused rather than cut short."""
Key = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(max_length=1000)]
Tag = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class ContactRow(BaseModel):
    """What a CRM or a counsellor may set. Opt-out, counters and status are the engine's.

    A field left out stays as it is; null clears it (see `Contact.patched`). A number
    where text goes (`"fee": 1500`, as CRMs send amounts) is kept as its text.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True, coerce_numbers_to_str=True)

    wa_id: str | None = Field(
        default=None,
        description="8 to 15 digits 0-9, country code first; written as typed too"
        " (+62 811-0000-0201), kept as its digits",
    )
    user_id: str | None = Field(
        default=None,
        max_length=131,
        description="WhatsApp's business-scoped user id (e.g. BR.1502576394655843), for a"
        " contact without a phone number; kept exactly as written",
    )
    name: str | None = Field(default=None, max_length=200)
    stage: str | None = Field(default=None, max_length=64)
    score: Score | None = None
    timezone: ZoneName | None = None
    email: str | None = Field(default=None, max_length=254)
    attributes: dict[Key, Text | None] | None = Field(default=None, max_length=50)
    tags: list[Tag] | None = Field(default=None, max_length=50)

    @field_validator("wa_id", mode="before")
    @classmethod
    def _no_fraction(cls, value: object) -> object:
        """A number sent as a JSON number is kept as its digits (6281100000201.0 too, as a
        float column writes it); one with a fraction is no phone number."""
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("a phone number has no fraction: send it as text")
        return value

    @field_validator("wa_id")
    @classmethod
    def _digits_only(cls, value: str | None) -> str | None:
        """The number's digits, as WhatsApp names it: a CRM's "+62 811-0000-0201" (or
        "0062 ...") is 6281100000201, one number however it was written."""
        if value is None:
            return None
        digits = international_digits(value)
        if digits is None or not WA_ID.fullmatch(digits):
            raise ValueError(
                "8 to 15 digits 0-9, country code first (62811... or +62 811..., not 0811...)"
            )
        trunk = without_trunk_zero(digits)
        if trunk is not None:
            code, meant = trunk
            raise ValueError(f"drop the 0 after the country code +{code}: {meant}")
        return digits

    @field_validator("user_id")
    @classmethod
    def _business_scoped(cls, value: str | None) -> str | None:
        if value is not None and not USER_ID.fullmatch(value):
            raise ValueError("a country prefix, a dot, letters and digits: BR.1502576394655843")
        return value

    @model_validator(mode="after")
    def _reachable(self) -> ContactRow:
        """Names someone to reach: a row with neither id is refused at `wa_id`, the field
        to fill in."""
        if self.wa_id is None and self.user_id is None:
            raise field_error(("wa_id",), "give a wa_id or a user_id")
        return self

    @field_validator("stage", "score")
    @classmethod
    def _not_cleared(cls, value: object) -> object:
        if value is None:  # runs only for a value given: null, not a field left out
            raise ValueError("always has a value; leave it out to keep it")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields this row names (None: clear), for `upsert` and `Contact.patched`."""
        named = self.model_fields_set - {"wa_id", "user_id"}
        return {name: getattr(self, name) for name in named}


CSV_COLUMNS = tuple(name for name in ContactRow.model_fields if name != "attributes")
"""The CSV's columns besides `attr.<name>`: wa_id, user_id, name, stage, score, timezone,
email and tags."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    next_line: int | None = None
    """The file's line to send it again from, when the time for writing ran out before
    its end; None once every row was taken."""


class TooManyRows(DomainError):
    pass


def rows(text: str, kind: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row or the reason it cannot be read) from CSV or JSON lines."""
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a byte order mark
    if kind == "csv":
        yield from _csv_rows(text)
        return
    # Lines end at \n alone: U+2028 and U+0085 may stand raw inside a JSON string.
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if _blank(line):
            continue
        try:
            parsed = strict_json.loads(line)
        except strict_json.NotJson as error:
            yield number, str(error)
            continue
        yield number, parsed if isinstance(parsed, dict) else "not a JSON object"


def _csv_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Each row by the line of the file it starts on, as a spreadsheet numbers it: blank
    lines and cells written over several lines counted. The header is the first line that
    is not blank.

    A quote that opens a cell and is not closed before the file ends, or closed only after
    lines that read as rows of their own (a name typed `"Budi The Boss`), refuses its line
    alone, and the lines after it are read as the rows they are rather than swallowed into
    that cell. A note written over several lines in one quoted cell is kept whole.
    """
    lines = list(_numbered(text))
    at = next((index for index, (_, line) in enumerate(lines) if not _blank(line)), len(lines))
    if at == len(lines):
        return
    delimiter = _delimiter(text)
    header, taken, _ = _record(lines, at, delimiter)
    columns = _columns(header, lines[at][0])
    width = sum(1 for column in columns if column.strip())
    at += taken
    while at < len(lines):
        number, line = lines[at]
        if _blank(line):
            at += 1
            continue
        cells, taken, unclosed = _record(lines, at, delimiter)
        swallowed = lines[at + 1 : at + taken]
        if unclosed or any(_width(later, delimiter) >= width for _, later in swallowed):
            yield number, UNCLOSED
            at += 1
            continue
        if any(cell.strip() for cell in cells[len(columns) :]):  # empty ones are Excel's
            yield number, OVERFLOWING
        else:
            yield number, _from_csv(dict(zip(columns, cells, strict=False)))
        at += taken


def _record(lines: list[tuple[int, str]], at: int, delimiter: str) -> tuple[list[str], int, bool]:
    """The cells of the CSV record that starts on `lines[at]`, how many lines it takes, and
    whether a quoted cell in it is still open where the file ends.

    InvalidField refuses the whole file for a cell the parser refuses (over 128 KB) on the
    record's first line; a cell that grows that long over later lines is a quote left open.
    """
    taken = 0
    unclosed = False

    def feed() -> Iterator[str]:
        nonlocal taken, unclosed
        for index in range(at, len(lines)):
            taken += 1
            yield lines[index][1]
        unclosed = True  # the reader asked for a line past the last one: a cell is open

    try:
        cells = next(csv.reader(feed(), delimiter=delimiter), [])
    except csv.Error as exc:
        if taken > 1:
            return [], taken, True
        raise InvalidField("body", f"line {lines[at][0]}: {exc}; nothing was imported") from exc
    return cells, taken, unclosed


def _width(line: str, delimiter: str) -> int:
    """How many cells `line` holds, read as a row of its own."""
    return len(next(csv.reader([line], delimiter=delimiter), []))


def _numbered(text: str) -> Iterator[tuple[int, str]]:
    """The CSV's lines from 1, each ending at `\\r\\n`, `\\n` or `\\r` (as older Excel for
    Mac saves), its ending kept for the CSV reader."""
    return enumerate(io.StringIO(text, newline=""), start=1)


def _blank(line: str) -> bool:
    """True for text of spaces, tabs and line ends alone, as a spreadsheet shows nothing."""
    return not line.strip()


def _delimiter(text: str) -> str:
    """What separates the header's columns most: `;` as Excel saves CSV where the comma is
    the decimal mark (Indonesia, Brazil), a tab as spreadsheets save "tab-separated" text;
    else `,`."""
    header = next((line for _, line in _numbered(text) if not _blank(line)), "")
    return max(",;\t", key=header.count)


def _columns(header: Sequence[str], line: int) -> list[str]:
    """The header's columns as rows name them: a field in any case with spaces around it
    (`WA_ID`, ` Name `), an attribute's `attr.` in any case before its name as written.

    InvalidField refuses the whole file for a column that names no field (a file with no
    header, whose first line is a lead, too), a column named twice, or no id column: each
    row would be refused alike, or only those with the column's cell blank taken.
    """
    named: list[str] = []
    unknown: list[str] = []
    for column in header:
        bare = column.strip()
        if bare[:5].lower() == "attr." and bare[5:]:
            named.append("attr." + bare[5:])
        elif bare.lower() in CSV_COLUMNS:
            named.append(bare.lower())
        else:
            named.append(column)
            if bare:  # an unnamed column (a trailing comma) is left to its cells
                unknown.append(column)
    if unknown:
        raise InvalidField(
            "body",
            f"line {line}: {', '.join(map(repr, unknown))} {'name' if unknown[1:] else 'names'}"
            f" no contact field; the first line names the columns: {', '.join(CSV_COLUMNS)},"
            " and attr.<name> for an attribute; nothing was imported",
        )
    twice = sorted({column for column in named if named.count(column) > 1 and column.strip()})
    if twice:
        raise InvalidField(
            "body", f"line {line}: the column {twice[0]!r} is given twice; nothing was imported"
        )
    if not {"wa_id", "user_id"} & set(named):
        raise InvalidField(
            "body", f"line {line}: no wa_id or user_id column names the leads; nothing was imported"
        )
    return named


def _from_csv(record: dict[str, Any]) -> dict[str, Any]:
    """Columns: wa_id, name, stage, score, timezone, email, tags (`;`), attr.<name>.

    Cells are text, stored as written (`=`, `+`, `-`, `@` included), but for the spaces
    around a `TRIMMED` cell; a blank cell (spaces alone too), like a missing column,
    leaves the field as it was.
    """
    row: dict[str, Any] = {}
    for column, value in record.items():
        if column is None or value is None or _blank(value):
            continue
        if column in TRIMMED:
            value = value.strip()
        if column.startswith("attr."):
            row.setdefault("attributes", {})[column.removeprefix("attr.")] = value
        elif column == "tags":
            tags = [tag.strip() for tag in value.split(";") if tag.strip()]
            if tags:
                row["tags"] = tags
        else:
            row[column] = value
    return row


def import_contacts(
    deps: Deps,
    text: str,
    kind: str,
    *,
    from_line: int = 1,
    time_left: Callable[[], bool] | None = None,
    confirmed: bool = False,
    check_time: Callable[[], bool] | None = None,
) -> ImportReport:
    """Upsert every valid row from the file's line `from_line` on; each rejected row comes
    back with its line and reason.

    Unless `confirmed`, nothing is written when an active rule would message more of the
    file's contacts from that line on than the mass-send limit on one day (or some of
    them, when they could not all be read while `check_time()`: `import_crowd.check`).

    Rows are written a chunk at a time while `time_left()` (by default: `WRITING_TIME`
    from now); a file not done by then comes back with `next_line`, the line to send it
    again from. Every row is checked on every part, so a row naming a person an earlier
    line named is refused whichever part it falls in. New contacts are written only if
    they still do not exist: one created meanwhile (a STOP that arrived during the
    import) is patched instead, never overwritten.
    """
    parsed = list(rows(text, kind))
    if not parsed:
        after = ": no line after its header" if kind == "csv" else ""
        raise InvalidField("body", f"the file holds no contacts{after}; nothing was imported")
    if len(parsed) > MAX_ROWS:
        raise TooManyRows(f"at most {MAX_ROWS} rows per import, got {len(parsed)}")
    checked = [
        entry for entry in _checked(parsed, deps.catalog.settings().stages) if entry[0] >= from_line
    ]
    time_left = time_left or date_triggers.for_seconds(WRITING_TIME)
    now = deps.clock.now()
    if not confirmed:
        rules = import_crowd.reaching(deps)
        valid = (row for _, row in checked if isinstance(row, ContactRow))
        import_crowd.check(deps, rules, _changed(deps, rules, valid, now), check_time)
    report = ImportReport()
    for start in range(0, len(checked), CHUNK_ROWS):
        if start and not time_left():
            report.next_line = checked[start][0]
            break
        chunk = checked[start : start + CHUNK_ROWS]
        report.rejected += [entry for _, entry in chunk if isinstance(entry, dict)]
        _write(
            deps, [(line, row) for line, row in chunk if isinstance(row, ContactRow)], report, now
        )
    report.rejected.sort(key=lambda rejected: int(rejected["line"]))  # checked, then written
    return report


def _checked(
    parsed: list[tuple[int, dict[str, Any] | str]], stages: Collection[str]
) -> Iterator[tuple[int, ContactRow | dict[str, Any]]]:
    """Each row by its line: valid, or the rejection (field and reason) to report."""
    seen: dict[str, int] = {}
    for line, raw in parsed:
        try:
            if isinstance(raw, str):
                raise InvalidField("row", raw)
            row = ContactRow.model_validate(raw)
            # One person, once per file, by any of their ids: a row naming them by the user
            # id another row gave beside a wa_id would otherwise make a second contact.
            named = {"wa_id": row.wa_id, "user_id": row.user_id and f"user:{row.user_id}"}
            for field_name, identity in named.items():
                if identity and identity in seen:
                    raise InvalidField(field_name, f"already on line {seen[identity]} of this file")
            if row.stage is not None and row.stage not in stages:
                raise InvalidField("stage", f"unknown stage {row.stage!r}")
            # Taken once valid: a row refused does not keep a corrected one out. A mobile is
            # taken as it is written the other way too (5511987654321 and 551187654321).
            other = row.wa_id and other_whatsapp_form(row.wa_id)
            seen.update({identity: line for identity in (*named.values(), other) if identity})
            yield line, row
        except ValidationError as exc:
            yield line, _rejection(line, exc)
        except InvalidField as exc:
            yield line, {"line": line, "field": exc.field, "reason": exc.message}


def _changed(
    deps: Deps, rules: list[Rule], rows: Iterable[ContactRow], now: datetime
) -> Iterator[import_crowd.Changed]:
    """The contact of each row that may reach one of `rules`, as it stands (None: the row
    creates it) and as the row would leave it, read by key a hundred at a time as they
    are pulled: a contact known only by another form of its number or by an id it had
    counts as new. Rows the writing would refuse are left out."""
    reaching = [
        row for row in rows if import_crowd.may_reach(rules, row.stage, row.attributes or {})
    ]
    for start in range(0, len(reaching), CHUNK_ROWS):
        chunk = reaching[start : start + CHUNK_ROWS]
        found = deps.contacts.contacts_by_ids(key for row in chunk for key in _keys(row))
        for row in chunk:
            before = next((found[key] for key in _keys(row) if key in found), None)
            try:
                yield before, _as_left(deps, row, before, now)
            except (ValidationError, InvalidField):
                continue  # refused again when written, with its line


def _keys(row: ContactRow) -> list[str]:
    """The keys of the contact a row names, by wa_id first."""
    keys = [contact_id(f"wa:{row.wa_id}")] if row.wa_id else []
    return keys + ([contact_id(f"user:{row.user_id}")] if row.user_id else [])


def _as_left(deps: Deps, row: ContactRow, before: Contact | None, now: datetime) -> Contact:
    """The contact as `row` would leave it, from `before` (None: created by it)."""
    changes = row.changes()
    stage = changes.pop("stage", None)
    if before is None:
        made = new_contact(deps, at=now, wa_id=row.wa_id, user_id=row.user_id, stage=stage)
        return made.patched(changes)
    after = patched(before, changes)
    if stage is not None and stage != after.stage:
        after = after.model_copy(update={"stage": stage, "stage_changed_at": now})
    return after


def _write(
    deps: Deps, valid: list[tuple[int, ContactRow]], report: ImportReport, now: datetime
) -> None:
    """Patch the rows' contacts that exist and create the others. New contacts are indexed
    (dates, silences) as each transaction of them is written: a store that turns busy
    midway leaves those written indexed, and the import sent again finds them unchanged."""
    fresh: dict[str, tuple[ContactRow, Contact]] = {}
    for line, row in valid:
        try:
            if find_contact(deps, row.wa_id, row.user_id) is None:
                changes = row.changes()
                stage = changes.pop("stage", None)
                contact = new_contact(
                    deps, at=now, wa_id=row.wa_id, user_id=row.user_id, stage=stage
                )
                fresh[contact.id] = (row, contact.patched(changes))
            else:
                upsert(deps, row.wa_id, row.changes(), user_id=row.user_id)
                report.updated += 1
        except ValidationError as exc:
            report.rejected.append(_rejection(line, exc))
        except InvalidField as exc:
            report.rejected.append({"line": line, "field": exc.field, "reason": exc.message})
    existing = deps.contacts.import_contacts(
        (contact for _, contact in fresh.values()), lambda written: _indexed(deps, written)
    )
    for made in existing:
        row = fresh[made][0]
        upsert(deps, row.wa_id, row.changes(), user_id=row.user_id)
    report.created += len(fresh) - len(existing)
    report.updated += len(existing)


def _indexed(deps: Deps, written: list[Contact]) -> None:
    """Index contacts the import just created, as any new contact's write does."""
    for contact in written:
        date_triggers.reindex(deps, None, contact)
        late.written(deps, None, contact)


def _rejection(line: int, exc: ValidationError) -> dict[str, Any]:
    first = exc.errors()[0]
    return {
        "line": line,
        "field": ".".join(str(part) for part in first["loc"]),
        "reason": problem_message(first),
    }
