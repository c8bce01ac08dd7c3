"""The DynamoDB store under contract: moto in-process, tables from the CDK app's definitions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

import boto3

from followup.adapters import tables
from followup.adapters.dynamo import DynamoStore
from followup.adapters.followup_stream import DynamoLedger, changes
from followup.services.ports import DayStats, JourneyCounters
from followup.services.stats_stream import apply
from followup_local.engine import REGION
from followup_local.moto_tuning import tune_moto
from followup_local.streams import COUNTED, StreamPump, stream_of, streams_client


class StreamedStore(DynamoStore):
    """A DynamoStore whose counters are added from the streams before each stats read, as
    the stats function adds them seconds after each write on AWS."""

    def __init__(self) -> None:
        super().__init__()
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        self._streams = [
            StreamPump(
                streams_client(REGION),
                stream_of(dynamodb, tables.TABLES[table].Meta.table_name),
                start="LATEST",
            )
            for table in COUNTED
        ]
        for stream in self._streams:
            stream.pump(lambda _: None)  # from here on

    def _count(self) -> None:
        ledger = DynamoLedger(datetime(2100, 1, 1, tzinfo=UTC))
        for stream in self._streams:
            stream.pump(lambda records: apply(changes({"Records": records}), ledger))

    def stats(self, since: date, until: date) -> list[DayStats]:
        self._count()
        return super().stats(since, until)

    def statuses_now(self, since: date, until: date, rule_id: str | None) -> dict[str, int]:
        self._count()
        return super().statuses_now(since, until, rule_id)

    def journey_stats(self, rule_id: str, since: date, until: date) -> JourneyCounters:
        self._count()
        return super().journey_stats(rule_id, since, until)


@contextmanager
def dynamo_tables() -> Iterator[None]:
    """Moto in-process with every table created (once: creating them costs most of a test)."""
    from moto import mock_aws

    tune_moto()
    with mock_aws():
        tables.bind("followup-", REGION)
        tables.create_tables(boto3.client("dynamodb", region_name=REGION))
        yield


def empty_dynamo_store() -> StreamedStore:
    """A DynamoStore on the tables `dynamo_tables` made, every item deleted first."""
    client = boto3.client("dynamodb", region_name=REGION)
    for model in tables.TABLES.values():
        spec = tables.table_spec(model)
        keys = [key["AttributeName"] for key in spec["KeySchema"]]
        for page in client.get_paginator("scan").paginate(TableName=spec["TableName"]):
            for item in page["Items"]:
                key = {name: item[name] for name in keys}
                client.delete_item(TableName=spec["TableName"], Key=key)
    return StreamedStore()


@contextmanager
def dynamo_store() -> Iterator[StreamedStore]:
    """A DynamoStore on tables of its own."""
    with dynamo_tables():
        yield StreamedStore()
