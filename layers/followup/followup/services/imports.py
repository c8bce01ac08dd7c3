"""Bulk contact import from a CRM export: CSV or JSON lines, every row accounted for."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from followup.domain.contact import Contact, Score
from followup.domain.errors import DomainError, InvalidField
from followup.domain.ids import contact_id
from followup.domain.limits import Attributes, Labels
from followup.domain.localtime import ZoneName
from followup.services.contacts import upsert
from followup.services.deps import Deps

MAX_ROWS = 10_000


class ContactRow(BaseModel):
    """What a CRM or a counsellor may set. Opt-out, counters and status are the engine's."""

    model_config = ConfigDict(extra="forbid")

    wa_id: str = Field(pattern=r"^\d{6,20}$")
    name: str = Field(default="", max_length=200)
    stage: str | None = None
    score: Score | None = None
    timezone: ZoneName | None = None
    email: str | None = Field(default=None, max_length=254)
    attributes: Attributes = Field(default_factory=dict)
    tags: Labels = Field(default_factory=list)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)


class TooManyRows(DomainError):
    pass


def rows(text: str, kind: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line number, row or the reason it cannot be read) from CSV or JSON lines."""
    if kind == "csv":
        for number, record in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            yield number, _from_csv(record)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            yield number, "not valid JSON"
            continue
        yield number, parsed if isinstance(parsed, dict) else "not a JSON object"


def _from_csv(record: dict[str, Any]) -> dict[str, Any]:
    """Columns: wa_id, name, stage, score, timezone, email, tags (`;`), attr.<name>."""
    row: dict[str, Any] = {"attributes": {}}
    for column, value in record.items():
        if column is None or value in (None, ""):
            continue
        if column.startswith("attr."):
            row["attributes"][column.removeprefix("attr.")] = value
        elif column == "tags":
            row["tags"] = [tag.strip() for tag in value.split(";") if tag.strip()]
        else:
            row[column] = value
    return row


def import_contacts(deps: Deps, text: str, kind: str) -> ImportReport:
    """Upsert every valid row; each rejected row comes back with its line and reason."""
    report = ImportReport()
    parsed = list(rows(text, kind))
    if len(parsed) > MAX_ROWS:
        raise TooManyRows(f"at most {MAX_ROWS} rows per import, got {len(parsed)}")
    fresh: list[Contact] = []
    now = deps.clock.now()
    stages = deps.catalog.settings().stages
    seen: dict[str, int] = {}
    for line, raw in parsed:
        try:
            if isinstance(raw, str):
                raise InvalidField("row", raw)
            row = ContactRow.model_validate(raw)
            if row.wa_id in seen:
                raise InvalidField("wa_id", f"already on line {seen[row.wa_id]} of this file")
            seen[row.wa_id] = line
            if row.stage is not None and row.stage not in stages:
                raise InvalidField("stage", f"unknown stage {row.stage!r}")
            fields = row.model_dump(exclude={"wa_id"}, exclude_none=True)
            if deps.store.contact(contact_id(f"wa:{row.wa_id}")) is None:
                fresh.append(_new(row, fields, stages[0], now))
                report.created += 1
            else:
                upsert(deps, row.wa_id, fields)
                report.updated += 1
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            report.rejected.append({"line": line, "field": where, "reason": first["msg"]})
        except InvalidField as exc:
            report.rejected.append({"line": line, "field": exc.field, "reason": exc.message})
    deps.store.import_contacts(fresh)
    return report


def _new(row: ContactRow, fields: dict[str, Any], first_stage: str, now: Any) -> Contact:
    return Contact.model_validate(
        {
            **fields,
            "id": contact_id(f"wa:{row.wa_id}"),
            "wa_id": row.wa_id,
            "stage": row.stage or first_stage,
            "created_at": now,
            "stage_changed_at": now,
        }
    )
