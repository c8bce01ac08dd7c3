"""The local engine's stream pump on moto: every record handed over once, in order, a
batch the handler raised on handed again, and no call made while the stream has nothing
new, a refused transaction included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from followup_local.engine import REGION, local_engine
from followup_local.moto_tuning import stream_records
from followup_local.streams import StreamPump, stream_of, streams_client

TABLE = "pumped"


class Pumped:
    """A table with a stream, its pump, and how many reads the pump asked for."""

    def __init__(self) -> None:
        self.dynamodb = boto3.client("dynamodb", region_name=REGION)
        self.dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        reader = streams_client(REGION)
        self.reads = 0
        reader.meta.events.register("before-call.dynamodbstreams.GetRecords", self._read)
        self.pump = StreamPump(
            reader, stream_of(self.dynamodb, TABLE), written=stream_records(TABLE, REGION)
        )
        self.handed: list[str] = []

    def _read(self, **_: Any) -> None:
        self.reads += 1

    def put(self, key: str) -> None:
        self.dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": key}})

    def take(self, records: list[dict[str, Any]]) -> None:
        self.handed.extend(record["dynamodb"]["Keys"]["pk"]["S"] for record in records)


@pytest.fixture
def pumped() -> Iterator[Pumped]:
    with local_engine(datetime(2026, 12, 4, 14, tzinfo=UTC)):
        yield Pumped()


def test_each_record_is_handed_once_and_a_quiet_stream_costs_no_call(pumped: Pumped) -> None:
    # Given two writes, pumped
    pumped.put("a")
    pumped.put("b")
    assert pumped.pump.pump(pumped.take) == 2
    assert pumped.handed == ["a", "b"]
    # When the stream is pumped again with nothing new
    reads = pumped.reads
    assert pumped.pump.pump(pumped.take) == 0
    # Then nothing is handed and nothing is read
    assert pumped.reads == reads
    # And a write after that is handed, alone
    pumped.put("c")
    assert pumped.pump.pump(pumped.take) == 1
    assert pumped.handed == ["a", "b", "c"]


def test_a_refused_transaction_adds_nothing_and_the_write_after_it_is_handed(
    pumped: Pumped,
) -> None:
    # Given a stream read to its end
    pumped.put("a")
    pumped.pump.pump(pumped.take)
    # When a transaction is refused after its first write
    with pytest.raises(pumped.dynamodb.exceptions.TransactionCanceledException):
        pumped.dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "refused"}}}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {"pk": {"S": "a"}},
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    # Then the stream has nothing new
    reads = pumped.reads
    assert pumped.pump.pump(pumped.take) == 0
    assert pumped.reads == reads
    # And the next write is handed, the refused one never
    pumped.put("b")
    assert pumped.pump.pump(pumped.take) == 1
    assert pumped.handed == ["a", "b"]


def test_a_batch_the_handler_raised_on_is_handed_again(pumped: Pumped) -> None:
    # Given a write whose first handing fails
    pumped.put("a")

    def fail(_: list[dict[str, Any]]) -> None:
        raise RuntimeError("stats down")

    with pytest.raises(RuntimeError):
        pumped.pump.pump(fail)
    # When the stream is pumped again, with nothing written since
    # Then the same record is handed, once
    assert pumped.pump.pump(pumped.take) == 1
    assert pumped.handed == ["a"]
