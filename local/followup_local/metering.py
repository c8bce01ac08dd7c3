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

from followup.adapters.tables import client

_WRITES = ("Put", "Update", "Delete")


@dataclass
class ItemCounts:
    read: int = 0
    written: int = 0
    got: Counter[str] = field(default_factory=Counter)
    """Items read by key (GetItem), per table name."""
    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Write requests by operation and table name (a transaction's under each table it
    writes to)."""

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
            self.requests[(operation, params["TableName"])] += 1
        elif operation == "BatchWriteItem":
            self.written += sum(len(rows) for rows in params.get("RequestItems", {}).values())
            for table in params.get("RequestItems", {}):
                self.requests[(operation, table)] += 1
        elif operation == "TransactWriteItems":
            written = [
                next(iter(entry.values()))["TableName"]
                for entry in params.get("TransactItems", [])
                if set(entry) & set(_WRITES)
            ]
            self.written += len(written)
            for table in dict.fromkeys(written):
                self.requests[(operation, table)] += 1


@contextmanager
def counting() -> Iterator[ItemCounts]:
    """Count the items every table's client reads and writes while inside."""
    counts = ItemCounts()
    events = client().meta.events
    events.register("after-call.dynamodb", counts.response)
    events.register("provide-client-params.dynamodb", counts.request)
    try:
        yield counts
    finally:
        events.unregister("after-call.dynamodb", counts.response)
        events.unregister("provide-client-params.dynamodb", counts.request)
