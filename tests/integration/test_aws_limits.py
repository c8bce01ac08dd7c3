"""AWS service limits that small local data never reaches, reached on purpose."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from followup.adapters import tables
from followup.adapters.connections import ConnectionPoster, Connections
from followup.domain.followup import FollowUp, RenderedMessage
from followup.services.imports import import_contacts
from followup.wiring import runtime
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact

BILLED_FRAME = 32 * 1024
"""API Gateway bills WebSocket messages per 32 KB..."""
REFUSED_FRAME = 128 * 1024
"""...and refuses frames over 128 KB."""


class _Raw:
    """An HTTP body as botocore streams it."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def _management_client(engine: LocalEngine, frames: list[bytes]) -> Any:
    """The management API client, its PostToConnection answered at the HTTP layer with
    each frame kept (no real stage behind it)."""
    client = boto3.client(
        "apigatewaymanagementapi",
        region_name=engine.config.aws_region,
        endpoint_url="https://def456.execute-api.ap-southeast-1.amazonaws.com/live",
    )

    def answer(request: Any, **_: Any) -> AWSResponse:
        body = request.body if isinstance(request.body, bytes) else request.body.read()
        if len(body) > REFUSED_FRAME:
            return AWSResponse(request.url, 413, {}, _Raw(b'{"message": "Payload too large"}'))
        frames.append(body)
        return AWSResponse(request.url, 200, {}, _Raw(b""))

    client.meta.events.register("before-send.apigatewaymanagementapi.PostToConnection", answer)
    return client


def test_long_follow_ups_reach_an_open_app_in_frames_of_at_most_32_kb(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an open admin app and 25 changed follow-ups, each an email of about 6 KB (150 KB in all)
    now = engine.clock.now()
    Connections().add("open", "u1", now)
    changed = [
        FollowUp(
            id=f"fu_{n}",
            contact_id="ct_1",
            rule_id="r",
            rule_version=1,
            silence_key="s",
            created_at=now,
            scheduled_at=now + timedelta(minutes=n),
            rendered=RenderedMessage(kind="email", subject="Your offer", text="x" * 6000),
        )
        for n in range(25)
    ]
    records = [
        {
            "eventName": "MODIFY",
            "dynamodb": {"NewImage": {"id": {"S": f.id}, "doc": {"S": f.model_dump_json()}}},
        }
        for f in changed
    ]
    frames: list[bytes] = []
    client = _management_client(engine, frames)
    monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(client))
    # When the broadcaster pushes them
    report = engine.invoke("broadcaster", {"Records": records})
    # Then every follow-up arrives once, in order, and no frame is over 32 KB
    assert report["failed"] == 0
    assert report["messages"] == len(frames) > 1
    assert max(len(frame) for frame in frames) <= BILLED_FRAME
    ids = [f["id"] for frame in frames for f in json.loads(frame)["followups"]]
    assert ids == [f.id for f in changed]


TRANSACTION_BYTES = 4 * 1024 * 1024
"""DynamoDB refuses a transaction whose items add up to more than 4 MB (moto does not)."""


def _item_bytes(value: Any) -> int:
    """An item's size as DynamoDB counts it: names and values, strings in UTF-8."""
    if isinstance(value, dict):
        return sum(len(str(name).encode()) + _item_bytes(inner) for name, inner in value.items())
    if isinstance(value, list):
        return sum(_item_bytes(inner) for inner in value)
    return len(str(value).encode())


@contextmanager
def _refusing_large_transactions(refused: list[int]) -> Iterator[None]:
    """DynamoDB's check, on the client every table is written through."""
    client = tables.client()

    def check(params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        entries = json.loads(params["body"])["TransactItems"]
        size = sum(_item_bytes(entry.get("Put", {}).get("Item", {})) for entry in entries)
        if size <= TRANSACTION_BYTES:
            return None
        refused.append(size)
        error = {"Code": "ValidationException", "Message": "Transaction is too large"}
        return AWSResponse("", 400, {}, _Raw(b"")), {"Error": error, "ResponseMetadata": {}}

    event = "before-call.dynamodb.TransactWriteItems"
    client.meta.events.register(event, check)
    try:
        yield
    finally:
        client.meta.events.unregister(event, check)


def test_an_import_of_large_contacts_writes_them_all_in_transactions_under_4_mb(
    engine: LocalEngine,
) -> None:
    # Given 25 new contacts, each with 50 attributes of 1,000 four-byte characters (~200 KB)
    attributes = {f"note{n}": "\U0001f600" * 1000 for n in range(50)}
    text = "\n".join(
        json.dumps({"wa_id": f"62811000{n:05d}", "name": f"Lead {n}", "attributes": attributes})
        for n in range(25)
    )
    # When they are imported
    refused: list[int] = []
    with _refusing_large_transactions(refused):
        report = import_contacts(engine.deps, text, "ndjson")
    # Then every one is written, and no transaction was over the limit
    assert (report.created, report.rejected, refused) == (25, [], [])
    found = engine.deps.contacts.contact_by_wa_id("6281100000024")
    assert found is not None
    assert len(found.item.attributes) == 50


def test_imports_that_would_grow_a_contact_past_50_attributes_reject_the_row(
    engine: LocalEngine,
) -> None:
    # Given a contact with 50 long attributes (~200 KB stored: DynamoDB holds 400 KB an item)
    def row(prefix: str) -> str:
        notes = {f"{prefix}{n}": "\U0001f600" * 1000 for n in range(50)}
        return json.dumps({"wa_id": "6281100000001", "attributes": notes})

    assert import_contacts(engine.deps, row("a"), "ndjson").created == 1
    # When two more imports bring 50 other attributes each
    reports = [import_contacts(engine.deps, row(prefix), "ndjson") for prefix in "bc"]
    # Then each of those rows is refused with its reason, and the contact is as it was
    refused = [{"line": 1, "field": "attributes", "reason": "a contact has at most 50 attributes"}]
    assert [report.rejected for report in reports] == [refused, refused]
    found = engine.deps.contacts.contact_by_wa_id("6281100000001")
    assert found is not None
    assert sorted(found.item.attributes) == sorted(f"a{n}" for n in range(50))


def test_contacts_read_by_key_come_back_whole_when_dynamodb_leaves_keys_unprocessed(
    engine: LocalEngine,
) -> None:
    # Given 60 contacts, and DynamoDB answering the first BatchGetItem with half its keys
    # left unprocessed (as it does when throttled)
    now = engine.clock.now()
    ids = [quiet_contact(engine.deps, f"62811000{n:05d}", now).id for n in range(60)]
    client = tables.client()
    left: list[int] = []

    def throttle(parsed: dict[str, Any], **_: Any) -> None:
        if left:
            return
        for table, items in parsed.get("Responses", {}).items():
            kept, dropped = items[: len(items) // 2], items[len(items) // 2 :]
            parsed["Responses"][table] = kept
            parsed["UnprocessedKeys"] = {table: {"Keys": [{"id": i["id"]} for i in dropped]}}
            left.append(len(dropped))

    event = "after-call.dynamodb.BatchGetItem"
    client.meta.events.register(event, throttle)
    try:
        # When they are read by key
        found = engine.deps.contacts.contacts_by_ids(ids)
    finally:
        client.meta.events.unregister(event, throttle)
    # Then every one is there
    assert left
    assert sorted(found) == sorted(ids)
