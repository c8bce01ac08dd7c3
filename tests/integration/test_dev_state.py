"""The dev stack's tables on disk: every answered write survives, files are replaced whole."""

from __future__ import annotations

import json
import resource
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.test import Client

from followup_local.durable import SNAPSHOT, DurableTables, StateError

HEADERS = {
    "Authorization": "AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/"
    "aws4_request, SignedHeaders=host, Signature=0",
    "Content-Type": "application/x-amz-json-1.0",
}


class Moto:
    """A fresh moto app with one table, reached the way the dev stack's clients reach it."""

    def __init__(self, state: Path, table: str, streamed: bool = False) -> None:
        """`streamed`: the table has a stream (new images)."""
        self.table, self.streamed = table, streamed
        self.tables = DurableTables(
            DomainDispatcherApplication(create_backend_app), state, {"leads": table}
        )
        self.client = Client(self.tables)
        stream = {"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"} if streamed else None
        self.call(
            "CreateTable",
            TableName=table,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            **({"StreamSpecification": stream} if stream else {}),
        )

    def call(self, operation: str, **body: Any) -> tuple[int, dict[str, Any]]:
        headers = {**HEADERS, "X-Amz-Target": f"DynamoDB_20120810.{operation}"}
        answer = self.client.post("/", data=json.dumps(body), headers=headers)
        return answer.status_code, json.loads(answer.get_data() or b"{}")

    def put(self, key: str, text: str = "x") -> int:
        return self.call("PutItem", TableName=self.table, Item=item(key, text))[0]

    def streamed_records(self) -> list[tuple[str, int]]:
        """The table's stream from its oldest record: each record's key and sequence number."""
        from moto.core.models import DEFAULT_ACCOUNT_ID
        from moto.dynamodbstreams.models import dynamodbstreams_backends

        arn = self.call("DescribeTable", TableName=self.table)[1]["Table"]["LatestStreamArn"]
        streams = dynamodbstreams_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
        shard = streams.describe_stream(arn)["Shards"][0]["ShardId"]
        reader = streams.get_shard_iterator(arn, shard, "TRIM_HORIZON").arn
        return [
            (r["dynamodb"]["Keys"]["pk"]["S"], int(r["dynamodb"]["SequenceNumber"]))
            for r in streams.get_records(reader, 1000)["Records"]
        ]

    def keys(self) -> set[str]:
        return {row["pk"]["S"] for row in self.call("Scan", TableName=self.table)[1]["Items"]}

    def drop(self) -> None:
        self.call("DeleteTable", TableName=self.table)


def item(key: str, text: str = "x") -> dict[str, Any]:
    return {"pk": {"S": key}, "text": {"S": text}}


@pytest.fixture
def table() -> str:
    # moto's server app keeps its tables per process: a name of its own per test
    return f"leads-{uuid.uuid4().hex[:8]}"


def restarted(state: Path, table: str, previous: Moto) -> Moto:
    """What the next start sees: the process is gone, a fresh moto reads the files."""
    previous.drop()
    return Moto(state, table, previous.streamed)


def test_every_answered_write_is_on_disk_before_its_answer(tmp_path: Path, table: str) -> None:
    first = Moto(tmp_path, table)
    assert first.tables.open() is False
    assert first.put("a") == 200
    assert (
        first.call(
            "UpdateItem",
            TableName=table,
            Key={"pk": {"S": "a"}},
            UpdateExpression="SET #t = :t",
            ExpressionAttributeNames={"#t": "text"},
            ExpressionAttributeValues={":t": {"S": "changed"}},
        )[0]
        == 200
    )
    assert first.put("b") == 200
    failed = first.call(
        "PutItem",
        TableName=table,
        Item=item("b", "again"),
        ConditionExpression="attribute_not_exists(pk)",
    )
    assert failed[0] == 400
    assert first.call("DeleteItem", TableName=table, Key={"pk": {"S": "b"}})[0] == 200
    assert first.put("c") == 200
    # killed here: no stop, no snapshot since the start
    second = restarted(tmp_path, table, first)
    assert second.tables.open() is True
    assert second.keys() == {"a", "c"}
    [row] = [r for r in second.call("Scan", TableName=table)[1]["Items"] if r["pk"]["S"] == "a"]
    assert row["text"] == {"S": "changed"}


def test_a_write_cut_short_by_a_kill_was_never_answered_and_is_dropped(
    tmp_path: Path, table: str
) -> None:
    first = Moto(tmp_path, table)
    first.tables.open()
    assert first.put("a") == 200
    journal = json.loads((tmp_path / SNAPSHOT).read_text())["journal"]
    with (tmp_path / journal).open("a") as torn:
        torn.write('{"op": "PutItem", "body": "{\\"TableName')
    second = restarted(tmp_path, table, first)
    assert second.tables.open() is True
    assert second.keys() == {"a"}


def test_a_snapshot_that_cannot_be_written_whole_leaves_the_last_one(
    tmp_path: Path, table: str
) -> None:
    first = Moto(tmp_path, table)
    first.tables.open()
    for n in range(5):
        assert first.put(f"small-{n}") == 200
    first.tables.snapshot()
    saved = (tmp_path / SNAPSHOT).read_bytes()
    for n in range(200):
        assert first.put(f"large-{n}", "y" * 200) == 200
    # The disk fills up while the new snapshot is written (a file size limit, here)
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (len(saved) + 4096, limits[1]))
    try:
        with pytest.raises(OSError, match="too large"):
            first.tables.snapshot()
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)
    assert (tmp_path / SNAPSHOT).read_bytes() == saved
    second = restarted(tmp_path, table, first)
    second.tables.open()
    assert len(second.keys()) == 205


@pytest.mark.parametrize(
    "content", [b'{"format": 2, "journal": "journal-1.jsonl", "tab', b"\xff\xfe", b"[1, 2]"]
)
def test_an_unreadable_snapshot_is_reported_and_left_as_it_is(
    tmp_path: Path, table: str, content: bytes
) -> None:
    (tmp_path / SNAPSHOT).write_bytes(content)
    with pytest.raises(StateError, match=r"tables\.json cannot be read.*--reset"):
        Moto(tmp_path, table).tables.open()
    assert (tmp_path / SNAPSHOT).read_bytes() == content


def test_a_damaged_journal_line_before_the_last_is_reported(tmp_path: Path, table: str) -> None:
    first = Moto(tmp_path, table)
    first.tables.open()
    assert first.put("a") == 200
    journal = tmp_path / json.loads((tmp_path / SNAPSHOT).read_text())["journal"]
    journal.write_bytes(b"not json\n" + journal.read_bytes())
    with pytest.raises(StateError, match="line 1"):
        restarted(tmp_path, table, first).tables.open()
    assert journal.read_bytes().startswith(b"not json\n")


def test_a_snapshot_saved_before_the_journal_existed_still_loads(
    tmp_path: Path, table: str
) -> None:
    (tmp_path / SNAPSHOT).write_text(json.dumps({"leads": [item("a"), item("b")]}))
    moto = Moto(tmp_path, table)
    assert moto.tables.open() is True
    assert moto.keys() == {"a", "b"}
    assert json.loads((tmp_path / SNAPSHOT).read_text())["tables"]["leads"] != []


def test_a_start_killed_before_anything_was_written_starts_afresh(
    tmp_path: Path, table: str
) -> None:
    first = Moto(tmp_path, table)
    assert first.tables.open() is False
    # killed before the demo data was written: the next start seeds it
    assert restarted(tmp_path, table, first).tables.open() is False


@pytest.mark.parametrize("stopped", [True, False], ids=["stopped", "killed"])
def test_a_restart_streams_only_new_writes_numbered_after_the_earlier_ones(
    tmp_path: Path, table: str, stopped: bool
) -> None:
    # Given a table with a stream, its items written and written over, before its last
    # snapshot and after it
    first = Moto(tmp_path, table, streamed=True)
    first.tables.open()
    assert first.put("a") == 200
    assert first.put("a", "again") == 200
    first.tables.snapshot()
    assert first.put("b") == 200
    assert first.put("b", "again") == 200
    earlier = [number for _, number in first.streamed_records()]
    if stopped:
        first.tables.snapshot()
    # When it starts again on the saved tables and one more item is written
    second = restarted(tmp_path, table, first)
    assert second.tables.open() is True
    assert second.put("d") == 200
    # Then the stream holds that write alone (restoring a and b streamed nothing),
    # numbered after every record the stream gave before the restart
    [(key, number)] = second.streamed_records()
    assert key == "d"
    assert number > max(earlier)
    assert second.keys() == {"a", "b", "d"}


def test_a_failed_transaction_leaves_the_stream_its_readers_hold(
    tmp_path: Path, table: str
) -> None:
    # the dev stack's pump reads a table's stream with one iterator for as long as it runs:
    # a transaction lost to its condition must not leave it reading a stream nobody writes
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodbstreams.models import dynamodbstreams_backends

    moto = Moto(tmp_path, table)
    streamed = f"{table}-streamed"
    moto.call(
        "CreateTable",
        TableName=streamed,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    arn = moto.call("DescribeTable", TableName=streamed)[1]["Table"]["LatestStreamArn"]
    streams = dynamodbstreams_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    shard = streams.describe_stream(arn)["Shards"][0]["ShardId"]
    reader = streams.get_shard_iterator(arn, shard, "LATEST").arn
    status, _ = moto.call(
        "TransactWriteItems",
        TransactItems=[
            {"Put": {"TableName": streamed, "Item": item("lost")}},
            {
                "Put": {
                    "TableName": streamed,
                    "Item": item("never"),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            },
        ],
    )
    assert status == 400
    assert moto.call("PutItem", TableName=streamed, Item=item("after"))[0] == 200

    records = streams.get_records(reader, 100)["Records"]
    assert [r["dynamodb"]["Keys"]["pk"]["S"] for r in records] == ["after"]
    moto.call("DeleteTable", TableName=streamed)
    moto.drop()
