"""A DynamoDB table's stream read as Lambda's trigger reads it: batch by batch, per shard."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3

from infra.batching import STATS

COUNTED = ("followups", "enrollments")
"""The tables whose streams the stats function counts."""
BATCH_SIZE = STATS.size
"""Records per batch at most, as the stack's trigger takes them."""

Handler = Callable[[list[dict[str, Any]]], object]


class StreamPump:
    """Hands each new batch of records of one stream to a handler, shard by shard.

    A shard moves on only once the handler returned: a batch it raised on comes again.
    `start` is where a shard is first read: TRIM_HORIZON (all of it) or LATEST. `written`,
    when the emulation can tell without a call, counts the records the stream has had: a
    pump that finds the count as it last read it makes no call.
    """

    def __init__(
        self,
        client: Any,
        stream_arn: str,
        start: str = "TRIM_HORIZON",
        size: int = BATCH_SIZE,
        written: Callable[[], int] | None = None,
    ) -> None:
        self._client, self._arn, self._start, self.size = client, stream_arn, start, size
        self._iterators: dict[str, str] = {}
        self._lock = threading.Lock()
        self._written = written
        self._read: int | None = None
        """The count `written` gave before the last complete read."""

    def pump(self, handler: Handler) -> int:
        """Hand over every record written since the last pump; returns how many. One pump at
        a time: each batch goes to the handler once (unless it raises)."""
        with self._lock:
            return self._pump(handler)

    def _pump(self, handler: Handler) -> int:
        written = self._written() if self._written else None
        if written is not None and written == self._read:
            return 0
        handed = 0
        if not self._iterators:
            self._open_shards()
        for shard_id in self._iterators:
            while True:
                page = self._client.get_records(
                    ShardIterator=self._iterators[shard_id], Limit=self.size
                )
                if page["Records"]:
                    handler(page["Records"])
                    handed += len(page["Records"])
                self._iterators[shard_id] = page["NextShardIterator"]
                if len(page["Records"]) < self.size:
                    break
        self._read = written
        return handed

    def _open_shards(self) -> None:
        """Start reading each of the stream's shards: listed once, as moto keeps a table's
        one shard for the table's life (DynamoDB would close it within hours, and a new one
        open: a pump follows neither)."""
        description = self._client.describe_stream(StreamArn=self._arn)["StreamDescription"]
        for shard in description["Shards"]:
            self._iterators[shard["ShardId"]] = self._client.get_shard_iterator(
                StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType=self._start
            )["ShardIterator"]


def stream_of(dynamodb: Any, table_name: str) -> str:
    """The ARN of a table's stream."""
    arn: str = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    return arn


def streams_client(region: str) -> Any:
    """A DynamoDB Streams client on the regional endpoint, the one moto answers (botocore
    would pick an account-based one from a stream ARN)."""
    return boto3.client(
        "dynamodbstreams",
        region_name=region,
        endpoint_url=f"https://streams.dynamodb.{region}.amazonaws.com",
    )
