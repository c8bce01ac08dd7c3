"""AWS cost per 1M follow-ups, from every metered DynamoDB, SQS, Lambda and API call.

N follow-ups go through a whole lifecycle on the local engine (moto): enqueue → dispatch →
sent → three status webhooks (sent, delivered, read) → expired. Every DynamoDB request of
the engine is metered as DynamoDB bills it: each item written rounded up to 1 KB (the
larger of its old and new image), transactional writes twice, each secondary index the
item is in written again at its projected size (a key change there is a delete and a put;
an unchanged projection is no write), reads rounded up to 4 KB per item (each key of a batch
read, found or not) or per query page.
SQS is billed per request and 64 KB, the sender's trigger as one receive and one delete
per batch; Lambda per request and GB-second (assumed durations, benchmarks/prices.py);
each webhook delivery one request to the webhook's function URL, which adds nothing to the
function's own price. Prices: benchmarks/prices.py.

The follow-up and enrollment streams are fed to the stats function in the batches its
trigger makes (infra.batching.STATS, the stack's own batching) at the pace
prices.STREAM_RECORDS_PER_SECOND: the sends and their statuses come within a minute, the
expiry days later, so their records are batched apart. Its invocations and writes are
metered, each billed 50 ms, a little per record and more per send, whose contact and
enrollment it moves on (services.sent_stream; prices); reading the stream by a Lambda
trigger is free. The broadcaster is not run locally: its invocations are the follow-up
stream's records over its batch at the same pace (infra.batching.BROADCASTER), each with a
scan of the connections and a frame pushed to each open admin app (prices.LIVE_CONNECTIONS).

Run: `.venv/bin/python -m benchmarks cost`. Every figure is per follow-up and does not
depend on N (the tick's share falls as 1/N; N = 200 keeps the run under a minute).
"""

from __future__ import annotations

import math
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3

from benchmarks import prices
from benchmarks.figures import Figure, at_most
from followup.adapters.followup_stream import changes
from followup.adapters.sqs import SqsQueue
from followup.adapters.tables import TABLES, client, table_spec
from followup.domain.contact import Contact
from followup.domain.followup import Status
from followup.services import sent_stream
from followup.services.broadcast import CHUNK
from followup_local import envelopes
from followup_local.engine import (
    REGION,
    Functions,
    LocalEngine,
    VirtualDelayQueue,
    local_engine,
)
from infra.batching import BROADCASTER, STATS
from tests.support.builders import quiet_lead, rule

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
"""Tuesday 09:00 in Jakarta: inside business hours."""
FOLLOWUPS = 200
STATUSES = ("sent", "delivered", "read")
KB = 1024
READ_BLOCK = 4 * KB
_ESM_CALLS = {"ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility"}
"""What the local engine does in place of the SQS trigger; billed per sender batch instead."""
_WRITES = {"PutItem", "UpdateItem", "DeleteItem"}


def item_size(item: Mapping[str, Any]) -> int:
    """Bytes DynamoDB counts for an item: each attribute's name and value."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Mapping[str, Any]) -> int:
    kind, inner = next(iter(value.items()))
    if kind == "S":
        return len(str(inner).encode())
    if kind == "N":
        digits = Decimal(inner).normalize().as_tuple().digits
        return (len(digits) + 1) // 2 + 1
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + _value_size(v) + 1 for k, v in inner.items())
    if kind == "L":
        return 3 + sum(_value_size(v) + 1 for v in inner)
    return sum(len(str(member).encode()) for member in inner)  # SS, NS, BS


def units(size: int, block: int) -> int:
    return max(1, math.ceil(size / block))


@dataclass(frozen=True)
class Index:
    name: str
    keys: tuple[str, ...]
    projection: str
    include: tuple[str, ...]

    def project(self, item: Mapping[str, Any] | None, table_keys: tuple[str, ...]) -> Any:
        """The index's copy of `item`, or None when the item is not in the index."""
        if item is None or any(key not in item for key in self.keys):
            return None
        if self.projection == "ALL":
            return dict(item)
        names = {*table_keys, *self.keys, *self.include}
        return {name: value for name, value in item.items() if name in names}


@dataclass(frozen=True)
class Table:
    logical: str
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]
    stream: bool

    @classmethod
    def of(cls, logical: str, spec: Mapping[str, Any]) -> Table:
        indexes = tuple(
            Index(
                index["IndexName"],
                tuple(key["AttributeName"] for key in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
                tuple(index["Projection"].get("NonKeyAttributes", ())),
            )
            for index in spec.get("GlobalSecondaryIndexes", [])
        )
        keys = tuple(key["AttributeName"] for key in spec["KeySchema"])
        return cls(logical, keys, indexes, "StreamSpecification" in spec)


@dataclass
class Bill:
    """Metered units by line, e.g. ("dynamodb write", "followups", "by_send_day")."""

    units: defaultdict[tuple[str, str, str], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    largest: Counter[str] = field(default_factory=Counter)
    """The largest item written, in bytes, by table."""
    phase: str = "other"
    """The step running now: the function invoked (a webhook with the status delivered)."""
    writes_by_phase: defaultdict[tuple[str, str], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    """DynamoDB write units by (phase, "table/where")."""
    reads_by_phase: defaultdict[tuple[str, str], float] = field(
        default_factory=lambda: defaultdict(float)
    )
    """DynamoDB read units by (phase, "table/where")."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, where: str, detail: str, amount: float) -> None:
        with self.lock:
            self.units[(kind, where, detail)] += amount
            if kind == "dynamodb write":
                self.writes_by_phase[(self.phase, f"{where}/{detail}")] += amount
            elif kind == "dynamodb read":
                self.reads_by_phase[(self.phase, f"{where}/{detail}")] += amount


_PRICE = {
    "dynamodb write": prices.DYNAMODB_WRITE_UNIT,
    "dynamodb read": prices.DYNAMODB_READ_UNIT,
    "dynamodb stream record": prices.DYNAMODB_STREAM_READ,
    "sqs request": prices.SQS_REQUEST,
    "lambda request": prices.LAMBDA_REQUEST,
    "lambda GB-s": prices.LAMBDA_GB_SECOND,
    "function url request": prices.FUNCTION_URL_REQUEST,
    "websocket message": prices.WEBSOCKET_MESSAGE,
}


class Meter:
    """botocore hooks that bill each DynamoDB and SQS request while `on`."""

    def __init__(self, bill: Bill) -> None:
        self.bill = bill
        self.on = False
        self.tables: dict[str, Table] = {}
        self._peek: Any = None
        self._before: dict[int, list[Any]] = {}

    def bind(self) -> None:
        """Read table schemas and open an unmetered client to see items before and after."""
        for logical, model in TABLES.items():
            spec = table_spec(model)
            self.tables[spec["TableName"]] = Table.of(logical, spec)
        self._peek = boto3.Session().client("dynamodb", region_name=REGION)

    def attach(self, events: Any) -> None:
        """Hook a client's event emitter."""
        events.register("before-parameter-build.dynamodb", self._before_dynamodb)
        events.register("after-call.dynamodb", self._after_dynamodb)
        events.register("before-parameter-build.sqs", self._keep_params)
        events.register("after-call.sqs", self._after_sqs)

    # -- SQS ------------------------------------------------------------------------------

    def _keep_params(self, params: Mapping[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["params"] = params

    def _after_sqs(self, model: Any, context: Mapping[str, Any], **_: Any) -> None:
        if not self.on or model.name in _ESM_CALLS:
            return
        params = context.get("params", {})
        entries = params.get("Entries") or [params]
        payload = sum(len(str(entry.get("MessageBody", "")).encode()) for entry in entries)
        self.bill.add("sqs request", "send queue", model.name, units(payload, 64 * KB))

    # -- DynamoDB -------------------------------------------------------------------------

    def _before_dynamodb(
        self, model: Any, params: Mapping[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        if not self.on:
            return
        context["params"] = params
        targets = self._targets(model.name, params)
        context["metered"] = [(table, key, self._get(table, key)) for table, key in targets]

    def _after_dynamodb(
        self,
        model: Any,
        parsed: Mapping[str, Any],
        context: Mapping[str, Any],
        **_: Any,
    ) -> None:
        if not self.on:
            return
        operation = model.name
        failed = "Error" in parsed
        if operation in _WRITES or operation in ("TransactWriteItems", "BatchWriteItem"):
            factor = 2 if operation == "TransactWriteItems" else 1
            for table, key, old in context.get("metered", []):
                if failed:
                    size = item_size(old) if old else 0
                    self._write(table, "(rejected)", units(size, KB) * factor)
                    continue
                self._item_written(table, old, self._get(table, key), factor)
        elif not failed:
            self._reads(operation, context.get("params", {}), parsed)

    def _targets(self, operation: str, params: Mapping[str, Any]) -> list[tuple[str, Any]]:
        if operation in _WRITES:
            return [(params["TableName"], self._key(params["TableName"], params))]
        if operation == "TransactWriteItems":
            found = []
            for entry in params["TransactItems"]:
                op = next(iter(entry.values()))
                found.append((op["TableName"], self._key(op["TableName"], op)))
            return found
        if operation == "BatchWriteItem":
            return [
                (name, self._key(name, next(iter(request.values()))))
                for name, requests in params["RequestItems"].items()
                for request in requests
            ]
        return []

    def _key(self, table_name: str, op: Mapping[str, Any]) -> dict[str, Any]:
        source = op.get("Key") or op["Item"]
        return {name: source[name] for name in self.tables[table_name].keys}

    def item(self, logical: str, key: Mapping[str, Any]) -> dict[str, Any]:
        """An item as stored now, read without being metered."""
        [name] = [name for name, table in self.tables.items() if table.logical == logical]
        found = self._get(name, key)
        assert found is not None, f"no such item in {logical}: {key}"
        return found

    def _get(self, table_name: str, key: Mapping[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self._peek.get_item(
            TableName=table_name, Key=key, ConsistentRead=True
        ).get("Item")
        return item

    def _write(self, table_name: str, where: str, amount: float) -> None:
        self.bill.add("dynamodb write", self.tables[table_name].logical, where, amount)

    def _item_written(
        self, table_name: str, old: dict[str, Any] | None, new: dict[str, Any] | None, factor: int
    ) -> None:
        table = self.tables[table_name]
        size = max(item_size(old) if old else 0, item_size(new) if new else 0)
        self._write(table_name, "table", units(size, KB) * factor)
        with self.bill.lock:
            self.bill.largest[table.logical] = max(self.bill.largest[table.logical], size)
        if table.stream and old != new:
            self.bill.add("dynamodb stream record", table.logical, "stream", 1)
        for index in table.indexes:
            before, after = index.project(old, table.keys), index.project(new, table.keys)
            keys_moved = (
                before is not None
                and after is not None
                and any(before[k] != after[k] for k in index.keys)
            )
            if before is not None and (after is None or keys_moved):
                self._write(table_name, index.name, units(item_size(before), KB))
            if after is not None and (before is None or keys_moved or before != after):
                self._write(table_name, index.name, units(item_size(after), KB))

    def _reads(self, operation: str, params: Mapping[str, Any], parsed: Mapping[str, Any]) -> None:
        if operation == "GetItem":
            item = parsed.get("Item")
            consistent = bool(params.get("ConsistentRead"))
            self._read(params["TableName"], "table", [item] if item else [], consistent, False)
        elif operation in ("Query", "Scan"):
            where = params.get("IndexName", "table")
            consistent = bool(params.get("ConsistentRead"))
            self._read(params["TableName"], where, parsed.get("Items", []), consistent, True)
        elif operation in ("BatchGetItem", "TransactGetItems"):
            rows: dict[str, list[Any]] = defaultdict(list)
            if operation == "BatchGetItem":
                for name, found in parsed.get("Responses", {}).items():
                    rows[name] += found
                unprocessed = parsed.get("UnprocessedKeys", {})
                for name, request in params["RequestItems"].items():
                    consistent = bool(request.get("ConsistentRead"))
                    found = rows.get(name, [])
                    asked = len(request["Keys"]) - len(unprocessed.get(name, {}).get("Keys", []))
                    self._read(name, "table", found, consistent, False, missing=asked - len(found))
            else:
                for entry, response in zip(
                    params["TransactItems"], parsed.get("Responses", []), strict=False
                ):
                    name = entry["Get"]["TableName"]
                    item = response.get("Item")
                    self._read(name, "table", [item] if item else [], True, False, factor=2)

    def _read(
        self,
        table_name: str,
        where: str,
        items: list[Any],
        consistent: bool,
        paged: bool,
        factor: int = 1,
        missing: int = 0,
    ) -> None:
        """Bill `items` read, and `missing` keys of a batch that found nothing: each key of a
        BatchGetItem is read as one GetItem, which costs a read even for no item."""
        sizes = [item_size(item) for item in items]
        if paged:
            blocks = units(sum(sizes), READ_BLOCK)
        else:
            blocks = max(1, sum(units(size, READ_BLOCK) for size in sizes) + missing)
        amount = blocks * factor * (1 if consistent else 0.5)
        self.bill.add("dynamodb read", self.tables[table_name].logical, where, amount)


class MeteredFunctions(Functions):
    """The engine's Lambda functions, each invocation billed."""

    def __init__(self, bill: Bill, meter: Meter) -> None:
        super().__init__()
        self.bill, self.meter = bill, meter

    @staticmethod
    def bill_invocations(bill: Bill, function: str, count: float, extra_ms: float = 0) -> None:
        """`count` invocations, each billed its assumed duration and `extra_ms` more."""
        bill.add("lambda request", function, "invocations", count)
        seconds = (prices.BILLED_MS[function] + extra_ms) / 1000 * prices.LAMBDA_MEMORY_GB
        bill.add("lambda GB-s", function, "duration", seconds * count)

    @classmethod
    def bill_call(cls, bill: Bill, function: str, event: Mapping[str, Any]) -> None:
        """One invocation of `function` and what its trigger costs besides."""
        extra_ms = 0.0
        if function == "stats":
            sends = sent_stream.sends(changes(event))
            extra_ms = len(event.get("Records", [])) * prices.STATS_BILLED_MS_PER_RECORD
            extra_ms += len(sends) * prices.STATS_BILLED_MS_PER_SEND
        cls.bill_invocations(bill, function, 1, extra_ms)
        if function == "webhook":
            bill.add("function url request", "webhook", "requests", 1)
        if function == "sender":
            bill.add("sqs request", "sender trigger", "receive + delete batch", 2)

    def invoke(self, function: str, event: dict[str, Any]) -> Any:
        if self.meter.on:
            self.bill_call(self.bill, function, event)
        outer = self.bill.phase
        if function != "webhook":
            self.bill.phase = function
        try:
            return super().invoke(function, event)
        finally:
            self.bill.phase = outer


def contact(n: int, quiet_since: datetime) -> Contact:
    return quiet_lead(f"c-{n:06d}", f"6281{n:09d}", quiet_since, name=f"Lead {n}")


RULE = rule()
"""Remind leads quiet for 24 h in stage `new`: free text in the window, else a template."""


@contextmanager
def metered_engine(bill: Bill) -> Iterator[tuple[LocalEngine, Meter]]:
    meter = Meter(bill)
    with local_engine(START) as engine:
        meter.bind()
        meter.attach(client().meta.events)
        sqs = boto3.client("sqs", region_name=REGION)
        meter.attach(sqs.meta.events)
        engine.delays = VirtualDelayQueue(SqsQueue(engine.queue_url, sqs), engine.clock)
        engine.deps.queue = engine.delays
        engine.functions = MeteredFunctions(bill, meter)
        yield engine, meter


def lifecycle(count: int) -> Bill:
    """Meter `count` follow-ups from the enqueue tick to their expiry."""
    bill = Bill()
    with metered_engine(bill) as (engine, meter):
        deps = engine.deps
        deps.rules.save_rule(RULE)
        quiet = engine.clock.now() - timedelta(hours=25)
        deps.contacts.import_contacts(contact(n, quiet) for n in range(count))
        engine.pump_each_step = False
        for stream in engine.streams.values():
            stream.size = STATS.records_per_invocation(prices.STREAM_RECORDS_PER_SECOND)
        meter.on = True
        engine.tick()
        meter.on = False  # what the benchmark reads to check and drive the run is not billed
        sent = [
            followup for n in range(count) for followup in deps.followups.followups_of(f"c-{n:06d}")
        ]
        meter.on = True
        assert len(sent) == count, "not every contact got a follow-up"
        assert all(f.status is Status.SENT for f in sent), "not all sent"
        for state in STATUSES:
            bill.phase = f"webhook {state}"
            at = engine.clock.advance(timedelta(seconds=20))
            for followup in sent:
                assert followup.provider_message_id is not None
                wa_id = f"6281{int(followup.contact_id[2:]):09d}"
                delivery = envelopes.status(
                    followup.provider_message_id, state, at, wa_id, followup.id
                )
                assert engine.deliver(delivery) == 200
        bill.phase = "other"
        engine.pump_stream()
        engine.clock.advance(timedelta(hours=73))
        engine.tick()
        engine.pump_stream()
        meter.on = False
        bill.phase = "broadcaster"
        bill_broadcaster(bill, bill.units[("dynamodb stream record", "followups", "stream")])
        ended = [deps.followups.followup(f.id) for f in sent]
        assert all(f is not None and f.status is Status.EXPIRED for f in ended), "not expired"
    return bill


def bill_broadcaster(bill: Bill, records: float) -> None:
    """The broadcaster's invocations for `records` follow-up stream records at the assumed
    pace: each scans the connections (a small table: one eventually consistent read) and
    pushes its changes, `broadcast.CHUNK` a frame, to each open admin app."""
    per_batch = BROADCASTER.records_per_invocation(prices.STREAM_RECORDS_PER_SECOND)
    invocations = records / per_batch
    MeteredFunctions.bill_invocations(bill, "broadcaster", invocations)
    bill.add("dynamodb read", "connections", "table", invocations * 0.5)
    frames = math.ceil(per_batch / CHUNK) * prices.LIVE_CONNECTIONS
    bill.add("websocket message", "broadcaster", "pushes", invocations * frames)


def transitions(bill: Bill, count: int) -> None:
    """Write and read units per follow-up by step of its lifecycle, and where each step
    writes and reads."""
    by_step(bill.writes_by_phase, count, "write")
    by_step(bill.reads_by_phase, count, "read")


def by_step(units: Mapping[tuple[str, str], float], count: int, kind: str) -> None:
    steps: defaultdict[str, dict[str, float]] = defaultdict(dict)
    for (phase, where), amount in units.items():
        steps[phase][where] = amount / count
    print(f"{kind} units per follow-up, by step:")
    for phase, wheres in sorted(steps.items(), key=lambda pair: -sum(pair[1].values())):
        ranked = sorted(wheres.items(), key=lambda pair: -pair[1])
        detail = ", ".join(f"{where} {n:.2f}" for where, n in ranked if n >= 0.005)
        print(f"  {phase:<18} {sum(wheres.values()):>6.2f}  {detail}")


def cost(bill: Bill) -> dict[tuple[str, str, str], float]:
    return {line: amount * _PRICE[line[0]] for line, amount in bill.units.items()}


def units_of(bill: Bill, kind: str) -> float:
    """Every unit of one kind the bill holds ("dynamodb write", "dynamodb read", ...)."""
    return sum(n for (billed, _, _), n in bill.units.items() if billed == kind)


def capacity_split(bill: Bill, count: int) -> tuple[float, float]:
    """Per 1M follow-ups: what is not DynamoDB's capacity, and what DynamoDB's capacity
    costs provisioned and used in full (each unit a share of a capacity unit's hour)."""
    per_million = 1_000_000 / count
    writes, reads = units_of(bill, "dynamodb write"), units_of(bill, "dynamodb read")
    on_demand = writes * prices.DYNAMODB_WRITE_UNIT + reads * prices.DYNAMODB_READ_UNIT
    rest = (sum(cost(bill).values()) - on_demand) * per_million
    full = (writes * prices.DYNAMODB_WCU_HOUR + reads * prices.DYNAMODB_RCU_HOUR) / 3600
    return rest, full * per_million


def main(count: int = FOLLOWUPS) -> list[Figure]:
    bill = lifecycle(count)
    dollars = cost(bill)
    per_million = 1_000_000 / count
    print(f"{count} follow-ups, prices as of {prices.AS_OF}; per 1M follow-ups:")
    print(f"{'service':<24} {'where':<16} {'detail':<24} {'units/fu':>9} {'$ / 1M':>9}")
    for line in sorted(bill.units, key=lambda line: -dollars[line]):
        kind, where, detail = line
        print(
            f"{kind:<24} {where:<16} {detail:<24} {bill.units[line] / count:>9.2f}"
            f" {dollars[line] * per_million:>9.2f}"
        )
    by_service: defaultdict[str, float] = defaultdict(float)
    for (kind, _, _), amount in dollars.items():
        by_service[kind.split()[0]] += amount * per_million
    ranked = sorted(by_service.items(), key=lambda pair: -pair[1])
    print("by service: " + ", ".join(f"{k} ${v:.2f}" for k, v in ranked))
    total = sum(dollars.values()) * per_million
    writes = units_of(bill, "dynamodb write")
    index_writes = sum(
        n
        for (kind, _, where), n in bill.units.items()
        if kind == "dynamodb write" and where not in ("table", "(rejected)")
    )
    followup_writes = bill.units[("dynamodb write", "followups", "table")]
    print("largest item written: " + ", ".join(f"{k} {v} B" for k, v in bill.largest.items()))
    transitions(bill, count)
    print(f"total ${total:.2f} per 1M follow-ups")
    use = prices.PROVISIONED_USE
    rest, full = capacity_split(bill, count)
    steady = rest + full / use
    even, ten = full / (total - rest), full / (10 - rest)
    print(
        f"with provisioned capacity used at {use:.0%} on average: ${steady:.2f} per 1M"
        f" (cheaper than on-demand above {even:.0%} use, ≤ $10 above {ten:.0%})"
    )
    return [
        at_most("cost per 1M follow-ups", round(total, 2), "$", 10),
        Figure(f"  same, provisioned capacity at {use:.0%} use", round(steady, 2), "$"),
        Figure("  provisioned use that makes it ≤ $10", round(100 * ten), "%"),
        Figure("DynamoDB write units per follow-up", round(writes / count, 2), "WRU"),
        Figure("  of which index write units", round(index_writes / count, 2), "WRU"),
        Figure("  of which follow-up table write units", round(followup_writes / count, 2), "WRU"),
        at_most("largest follow-up item", round(bill.largest["followups"] / KB, 2), "KB", 1),
    ]


if __name__ == "__main__":
    main()
