"""The local engine's moto writes DynamoDB's answers itself (`moto_tuning.py`): every kind
of attribute value, nested or empty, reads back as it was written, by every call that
answers items. The calls moto answers in the process go unsigned; any other is signed. A
client's User-Agent is botocore's own, built again when its parts change."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.useragent import UserAgentString

from followup_local.engine import REGION, local_engine
from tests.support.hooks import serving

TABLE = "moto-tuning"
ITEM: dict[str, Any] = {
    "pk": {"S": "ct_1"},
    "text": {"S": "Halo Rudi, sudah daftar? 🙂"},
    "empty_text": {"S": ""},
    "count": {"N": "42"},
    "price": {"N": "0.0004"},
    "raw": {"B": b"\x00\xffbytes"},
    "yes": {"BOOL": True},
    "no": {"BOOL": False},
    "nothing": {"NULL": True},
    "tags": {"SS": ["hot", "paid"]},
    "scores": {"NS": ["1", "2.5"]},
    "blobs": {"BS": [b"a", b"b"]},
    "empty_list": {"L": []},
    "empty_map": {"M": {}},
    "doc": {
        "M": {
            "steps": {"L": [{"M": {"at": {"N": "1"}, "sent": {"BOOL": True}}}, {"NULL": True}]},
            "name": {"S": "Rudi"},
            "raw": {"B": b"\x01"},
        }
    },
}


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with local_engine(datetime(2026, 11, 24, 2, tzinfo=UTC)):
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName=TABLE, Item=ITEM)
        yield client


def as_sets(item: dict[str, Any]) -> dict[str, Any]:
    """Sets compared as sets: DynamoDB keeps no order in them."""
    return {
        name: {kind: sorted(value) for kind, value in typed.items()}
        if next(iter(typed)) in {"SS", "NS", "BS"}
        else typed
        for name, typed in item.items()
    }


def test_every_kind_of_value_reads_back_as_written_by_every_call(dynamodb: Any) -> None:
    key = {"pk": ITEM["pk"]}
    answers = [
        dynamodb.get_item(TableName=TABLE, Key=key, ConsistentRead=True)["Item"],
        dynamodb.query(
            TableName=TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": ITEM["pk"]},
        )["Items"][0],
        dynamodb.scan(TableName=TABLE)["Items"][0],
        dynamodb.batch_get_item(RequestItems={TABLE: {"Keys": [key]}})["Responses"][TABLE][0],
        dynamodb.transact_get_items(TransactItems=[{"Get": {"TableName": TABLE, "Key": key}}])[
            "Responses"
        ][0]["Item"],
    ]
    for answer in answers:
        assert as_sets(answer) == as_sets(ITEM)


def test_an_update_answers_the_values_it_wrote_and_the_ones_it_kept(dynamodb: Any) -> None:
    answer = dynamodb.update_item(
        TableName=TABLE,
        Key={"pk": ITEM["pk"]},
        UpdateExpression="SET #count = #count + :one, #new = :new",
        ExpressionAttributeNames={"#count": "count", "#new": "new"},
        ExpressionAttributeValues={":one": {"N": "1"}, ":new": {"L": [{"S": "x"}, {"N": "2"}]}},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    assert as_sets(answer) == as_sets(
        {**ITEM, "count": {"N": "43"}, "new": {"L": [{"S": "x"}, {"N": "2"}]}}
    )


def test_answers_other_than_items_keep_their_shape(dynamodb: Any) -> None:
    described = dynamodb.describe_table(TableName=TABLE)["Table"]
    assert described["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert described["ItemCount"] == 1
    refused = dynamodb.exceptions.ConditionalCheckFailedException
    with pytest.raises(refused) as caught:
        dynamodb.put_item(
            TableName=TABLE,
            Item=ITEM,
            ConditionExpression="attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure="ALL_OLD",
        )
    assert as_sets(caught.value.response["Item"]) == as_sets(ITEM)


def test_a_call_to_any_other_endpoint_is_still_signed(dynamodb: Any) -> None:
    # Given a server on 127.0.0.1 that speaks DynamoDB, beside the engine's in-process moto
    heard: list[str] = []

    class Listener(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            heard.append(self.headers.get("Authorization", ""))
            body = json.dumps({"TableNames": []}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    with serving(Listener) as url:
        # When a client calls that server and then moto
        elsewhere = boto3.client("dynamodb", region_name=REGION, endpoint_url=url)
        assert elsewhere.list_tables()["TableNames"] == []
    # Then the server's call carries its SigV4 signature, and moto still answers its own
    [authorization] = heard
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=")
    assert TABLE in dynamodb.list_tables()["TableNames"]


def test_a_clients_user_agent_is_botocore_s_own_and_follows_its_features_and_config(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two clients, the second with a User-Agent suffix of its own
    tagged = boto3.client("dynamodb", region_name=REGION, config=Config(user_agent_extra="ours/1"))
    sent: list[str] = []
    for client in (dynamodb, tagged):
        client.meta.events.register_first(
            "before-send", lambda request, **_: sent.append(request.headers["User-Agent"].decode())
        )
    # When the first calls twice, then through a paginator, and the second calls once
    dynamodb.list_tables()
    dynamodb.list_tables()
    list(dynamodb.get_paginator("list_tables").paginate())
    tagged.list_tables()
    # And the first calls again with botocore building its User-Agent as it does untuned
    with monkeypatch.context() as untuned:
        built = UserAgentString.to_string.__wrapped__
        untuned.setattr(UserAgentString, "to_string", built)
        dynamodb.list_tables()
    first, again, paginated, other, botocores = sent
    # Then a plain call carries what botocore builds, every time
    assert first == again == botocores
    # And a call through a paginator names that feature (botocore's `m/` list, C: paginator)
    assert "C" in features(paginated)
    assert "C" not in features(first)
    # And the other client's carries its own suffix, the first client's never
    assert "ours/1" in other.split()
    assert not any("ours/1" in agent for agent in (first, again, paginated))


def features(agent: str) -> set[str]:
    """The feature codes a User-Agent lists (`m/B,C,...`)."""
    listed = next((part[2:] for part in agent.split() if part.startswith("m/")), "")
    return set(listed.split(",")) - {""}
