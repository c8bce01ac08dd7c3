"""`followup replay-counts`: the stats function's dead letters taken again, on a deployed
stack. A batch of the follow-up or enrollment stream that kept failing for 3 hours is
given up by its trigger, and its dead letter names only where the batch lies in the stream
(shard, first and last sequence number); the stream keeps records for 24 hours. Within
them, this reads the batch from the stream and takes it as the stats function would
(`wiring/counting.py`): each send's bookkeeping on its contact and enrollment, then the
counters, once. Printed as a table."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError
from rich import box
from rich.console import Console
from rich.table import Table

from followup.adapters.dynamo import DynamoStore
from followup.services.deps import Deps
from followup.wiring.counting import take
from followup.wiring.runtime import SystemClock
from followup_local.duplicates_cli import NothingSent
from followup_local.streams import streams_client

PAGE = 1000
"""Records asked of the stream at a time (DynamoDB Streams' most)."""
EMPTY_PAGES = 3
"""Empty pages in a row after which a batch's end is taken as no longer in the stream."""
HIDDEN_WHILE_TAKEN = 300
"""Seconds a dead letter stays hidden from another run while this one takes it."""


@dataclass(frozen=True)
class Replayed:
    """What became of one dead letter: the batch, what it settled and counted, or why it
    was kept in the queue (`kept`)."""

    table: str
    first: str
    records: int
    settled: int = 0
    counted: int = 0
    kept: str | None = None


def add_parser(verbs: Any) -> None:
    """The `replay-counts` command on the `followup` parser."""
    replay = verbs.add_parser(
        "replay-counts",
        help="take again the stream batches the stats function gave up on (its dead letters)",
        description="Read each dead letter of the stats function (the CountsDeadLetters "
        "alarm's queue, the stack's CountsDeadLettersUrl output), read its batch from the "
        "follow-up or enrollment stream, and take it as the stats function would: each "
        "send's bookkeeping, then the counters, once. A letter whose batch the stream no "
        "longer holds (it keeps records for 24 hours) is kept, and the command exits 1.",
    )
    replay.add_argument("--queue-url", required=True, help="the CountsDeadLettersUrl output")
    replay.add_argument(
        "--table-prefix", required=True, help="the stack's table prefix, e.g. followup-prod-"
    )
    replay.add_argument("--region", required=True, help="the stack's AWS region")


def run(args: argparse.Namespace) -> int:
    """Replay every dead letter and print the table; 1 when one is kept."""
    deps = Deps.over(
        DynamoStore(), queue=NothingSent(), whatsapp=NothingSent(), clock=SystemClock()
    )
    sqs = boto3.client("sqs", region_name=args.region)
    streams = streams_client(args.region)
    done: list[Replayed] = []
    seen: set[str] = set()
    while letters := sqs.receive_message(
        QueueUrl=args.queue_url, MaxNumberOfMessages=10, VisibilityTimeout=HIDDEN_WHILE_TAKEN
    ).get("Messages", []):
        fresh = [letter for letter in letters if letter["MessageId"] not in seen]
        if not fresh:
            break  # only kept letters come round again: they wait for a person
        for letter in fresh:
            seen.add(letter["MessageId"])
            replayed = replay(deps, streams, json.loads(letter["Body"]))
            done.append(replayed)
            if replayed.kept is None:
                sqs.delete_message(QueueUrl=args.queue_url, ReceiptHandle=letter["ReceiptHandle"])
    console = Console()
    (console if console.is_terminal else Console(width=200)).print(_table(done))
    return 1 if any(each.kept is not None for each in done) else 0


def replay(deps: Deps, streams: Any, letter: dict[str, Any]) -> Replayed:
    """Take the batch `letter` names again, or say why it cannot be."""
    batch = letter.get("DDBStreamBatchInfo") or {}
    arn, shard = batch.get("streamArn", ""), batch.get("shardId", "")
    first, last = batch.get("startSequenceNumber", ""), batch.get("endSequenceNumber", "")
    table = arn.split("/")[1] if arn.count("/") >= 1 else "?"
    if not (arn and shard and first.isdigit() and last.isdigit()):
        return Replayed(table, first or "?", 0, kept="not a stream batch's dead letter")
    records = _read(streams, arn, shard, int(first), int(last))
    if not records or records[0]["dynamodb"]["SequenceNumber"] != first:
        return Replayed(table, first, 0, kept="no longer in the stream (past its 24 hours)")
    event = {"Records": [record | {"eventSourceARN": arn} for record in records]}
    settled, counted = take(deps, event)
    return Replayed(table, first, len(records), settled, counted)


def _read(streams: Any, arn: str, shard: str, first: int, last: int) -> list[dict[str, Any]]:
    """The records of one shard from sequence number `first` to `last`; those the stream
    still holds (none once it trimmed the first)."""
    try:
        position = streams.get_shard_iterator(
            StreamArn=arn,
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=str(first),
        )["ShardIterator"]
    except ClientError as error:
        if error.response["Error"]["Code"] in (
            "TrimmedDataAccessException",
            "ResourceNotFoundException",
        ):
            return []
        raise
    found: list[dict[str, Any]] = []
    empty = 0
    while position and empty < EMPTY_PAGES:
        page = streams.get_records(ShardIterator=position, Limit=PAGE)
        position = page.get("NextShardIterator")
        empty = 0 if page["Records"] else empty + 1
        for record in page["Records"]:
            number = int(record["dynamodb"]["SequenceNumber"])
            if number > last:
                return found
            found.append(record)
            if number == last:
                return found
    return found


def _table(done: list[Replayed]) -> Table:
    table = Table(title="stats dead letters replayed", box=box.SIMPLE)
    for name in ("stream", "first record", "records"):
        table.add_column(name, justify="right" if name == "records" else "left")
    table.add_column("sends settled", justify="right")
    table.add_column("counted", justify="right")
    table.add_column("done")
    for each in done:
        table.add_row(
            each.table,
            each.first,
            str(each.records),
            str(each.settled),
            str(each.counted),
            f"kept: {each.kept}" if each.kept else "replayed, letter deleted",
        )
    if not done:
        table.caption = "no dead letters: nothing to replay"
    return table
