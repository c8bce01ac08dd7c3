"""Items DynamoDB reads and writes for the engine, counted as capacity is billed: reads
from each response (the items a query or scan went through, one per get), writes from
each request (every item a put, update or delete names, alone, in a batch or in a
transaction)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from followup.adapters.tables import TABLES

_WRITES = ("Put", "Update", "Delete")


@dataclass
class ItemCounts:
    read: int = 0
    written: int = 0
    got: Counter[str] = field(default_factory=Counter)
    """Items read by key (GetItem), per table name."""

    def response(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        operation = model.name
        if operation in ("Query", "Scan"):
            self.read += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif operation == "GetItem":
            self.read += 1
        elif operation == "BatchGetItem":
            self.read += sum(len(rows) for rows in parsed.get("Responses", {}).values())
        elif operation == "TransactGetItems":
            self.read += len(parsed.get("Responses", []))

    def request(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        operation = model.name
        if operation == "GetItem":
            self.got[params["TableName"]] += 1
        elif operation in ("PutItem", "UpdateItem", "DeleteItem"):
            self.written += 1
        elif operation == "BatchWriteItem":
            self.written += sum(len(rows) for rows in params.get("RequestItems", {}).values())
        elif operation == "TransactWriteItems":
            self.written += sum(
                1 for item in params.get("TransactItems", []) if set(item) & set(_WRITES)
            )


@contextmanager
def counting() -> Iterator[ItemCounts]:
    """Count the items every table's client reads and writes while inside."""
    counts = ItemCounts()
    clients = {id(c): c for c in (m._get_connection().connection.client for m in TABLES.values())}
    for client in clients.values():
        client.meta.events.register("after-call.dynamodb", counts.response)
        client.meta.events.register("provide-client-params.dynamodb", counts.request)
    try:
        yield counts
    finally:
        for client in clients.values():
            client.meta.events.unregister("after-call.dynamodb", counts.response)
            client.meta.events.unregister("provide-client-params.dynamodb", counts.request)
