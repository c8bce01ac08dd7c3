"""`followup replay-counts` on a stack's tables and queues: a stream batch the stats
function's trigger gave up on, named in a dead letter, taken again, once."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest

from followup_local import replay_cli
from followup_local.cli import main
from followup_local.engine import REGION, LocalEngine
from followup_local.streams import stream_of
from tests.integration.test_send_stream import two_steps
from tests.support.api import call
from tests.support.builders import quiet_contact

HOUR = timedelta(hours=1)
TABLE = "followup-followups"


def dead_letter(batch: list[dict[str, Any]], shard: str) -> dict[str, Any]:
    """What Lambda puts on a stream trigger's on-failure queue once it gives a batch up."""
    arn = stream_of(boto3.client("dynamodb", region_name=REGION), TABLE)
    return {
        "requestContext": {"condition": "RecordAgeExceeded", "approximateInvokeCount": 4},
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": "2026-11-24T05:00:00.000Z",
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": batch[0]["dynamodb"]["SequenceNumber"],
            "endSequenceNumber": batch[-1]["dynamodb"]["SequenceNumber"],
            "batchSize": len(batch),
            "streamArn": arn,
        },
    }


def given_up(engine: LocalEngine) -> tuple[str, dict[str, Any]]:
    """A lead sent the first of two steps, the stats trigger's batch of it given up: its
    dead letter, on a queue of its own (the queue's URL)."""
    engine.pump_each_step = False
    engine.deps.rules.save_rule(two_steps())
    quiet_contact(engine.deps, "6281100000991", engine.clock.now() - 25 * HOUR)
    engine.tick()
    batch: list[dict[str, Any]] = []
    engine.streams["followups"].pump(batch.extend)  # read by the trigger, then given up
    streams = boto3.client(
        "dynamodbstreams",
        region_name=REGION,
        endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com",
    )
    arn = stream_of(boto3.client("dynamodb", region_name=REGION), TABLE)
    [shard] = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    sqs = boto3.client("sqs", region_name=REGION)
    url: str = sqs.create_queue(QueueName="followup-stats-dead-letters")["QueueUrl"]
    return url, dead_letter(batch, shard["ShardId"])


def replay(url: str) -> list[str]:
    return ["replay-counts", "--queue-url", url, "--table-prefix", "followup-", "--region", REGION]


def rule_sent(engine: LocalEngine) -> int:
    status, stats = call(engine, "GET", "/api/stats?from=2026-11-20&to=2026-11-30")
    assert status == 200
    sent: int = next(r for r in stats["rules"] if r["rule_id"] == "two-steps")["sent"]
    return sent


@pytest.fixture(autouse=True)
def on_the_engines_clock(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command runs within the stream's day of the send, as the engine's clock has it."""
    monkeypatch.setattr(replay_cli, "SystemClock", lambda: engine.clock)


def test_a_batch_given_up_is_taken_once_from_its_dead_letter(
    engine: LocalEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a send whose stream batch the stats trigger gave up on, its dead letter
    # delivered twice: nothing counted it, the journey waits on it
    url, letter = given_up(engine)
    sqs = boto3.client("sqs", region_name=REGION)
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(letter))
    found = engine.deps.contacts.contact_by_wa_id("6281100000991")
    assert found is not None
    lead = found.item
    assert lead.followups_sent == 0
    assert rule_sent(engine) == 0
    # When the on-call runs the command
    assert main(replay(url)) == 0
    printed = capsys.readouterr().out
    # Then the send is counted on the contact, in the stats, and the journey moved on, once
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.followups_sent == 1
    [journey] = engine.deps.followups.enrollments_of(lead.id)
    assert (journey.item.step_index, journey.item.sends) == (1, 1)
    assert rule_sent(engine) == 1
    # And both letters are gone, each named in the table
    assert printed.count("replayed, letter deleted") == 2
    assert "followup-followups" in printed
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    # And a second run finds nothing to replay
    assert main(replay(url)) == 0
    assert "nothing to replay" in capsys.readouterr().out
    assert rule_sent(engine) == 1


def test_a_dead_letter_whose_batch_the_stream_no_longer_holds_is_kept(
    engine: LocalEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a dead letter naming records the stream no longer holds, one naming no batch,
    # and a good one after them
    url, letter = given_up(engine)
    trimmed = json.loads(json.dumps(letter))
    beyond = int(letter["DDBStreamBatchInfo"]["endSequenceNumber"]) + 10**6
    trimmed["DDBStreamBatchInfo"] |= {
        "startSequenceNumber": str(beyond),
        "endSequenceNumber": str(beyond + 1),
    }
    sqs = boto3.client("sqs", region_name=REGION)
    for body in (trimmed, *[{"note": "not a dead letter"}] * 9, letter):  # a page and more
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body))
    # When the command runs
    assert main(replay(url)) == 1
    printed = capsys.readouterr().out
    # Then it says why each is kept, and the letters wait for a person; the good one is
    # still taken
    assert "kept: no longer in the stream" in printed
    assert "kept: not a stream batch" in printed
    assert printed.count("replayed, letter deleted") == 1
    assert rule_sent(engine) == 1
    kept = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert sum(int(count) for count in kept.values()) == 10
