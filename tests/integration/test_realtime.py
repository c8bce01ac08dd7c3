"""The live queue feed: WebSocket sign-in, connections, and follow-up changes pushed out."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import jwt
import pytest
from botocore.stub import Stubber
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from followup.adapters.connections import ConnectionPoster, Connections
from followup.api.auth import Role
from followup.wiring import runtime
from followup_local.engine import LocalEngine
from followup_local.gateway import create_app, serving
from followup_local.live import LiveFeed
from followup_local.tokens import DevTokens
from functions.broadcaster import handler as broadcaster
from tests.support.builders import quiet_contact, rule
from tests.support.cognito import CLIENT_ID, OTHER_KEY, token
from tests.support.connections import open_ids
from tests.support.devstack import SAFETY_NET, eventually
from tests.support.events import load


def connect_event(signed: str) -> dict[str, Any]:
    event = copy.deepcopy(load("apigw-ws-connect-authorizer.json"))
    event["headers"]["Sec-WebSocket-Protocol"] = f"followup.live, {signed}"
    return event


def test_a_token_in_the_url_is_refused_and_connect_picks_the_apps_subprotocol(
    engine: LocalEngine, issuer: str
) -> None:
    # Browsers log a failed socket's URL, so the token rides as a subprotocol, never in it
    in_url = connect_event("")
    in_url["queryStringParameters"] = {"token": token(issuer)}
    assert _effect(engine.invoke("ws_authorizer", in_url)) == "Deny"
    # and `$connect` picks that subprotocol, as API Gateway needs to finish the handshake
    connected = load("apigw-ws-connect.json")
    connected["headers"]["Sec-WebSocket-Protocol"] = f"followup.live, {token(issuer)}"
    assert engine.invoke("realtime", connected) == {
        "statusCode": 200,
        "headers": {"Sec-WebSocket-Protocol": "followup.live"},
    }


def test_a_staff_token_opens_the_feed_with_the_users_groups(
    engine: LocalEngine, issuer: str
) -> None:
    answer = engine.invoke("ws_authorizer", connect_event(token(issuer)))
    assert answer["principalId"] == "5f3c2b1a-0000-4000-8000-000000000001"
    [statement] = answer["policyDocument"]["Statement"]
    assert statement == {
        "Action": "execute-api:Invoke",
        "Effect": "Allow",
        "Resource": load("apigw-ws-connect-authorizer.json")["methodArn"],
    }
    assert answer["context"]["groups"] == "marketing"
    access = token(issuer, token_use="access", client_id=CLIENT_ID, aud=None)
    assert engine.invoke("ws_authorizer", connect_event(access))["principalId"]


@pytest.mark.parametrize(
    "forged",
    [
        lambda iss: token(iss, key=OTHER_KEY),
        lambda iss: token(iss, exp=1_700_000_100),
        lambda iss: token(iss, aud="someone-elses-client"),
        lambda iss: token("https://cognito-idp.example/other-pool"),
        lambda iss: "",
        # a user no admin has put in a group: every API route refuses them too
        lambda iss: token(iss, **{"cognito:groups": []}),
        lambda iss: token(iss, **{"cognito:groups": ["interns"]}),
    ],
    ids=["wrong-key", "expired", "other-client", "other-pool", "missing", "no-role", "no-our-role"],
)
def test_anything_else_is_refused_with_403(engine: LocalEngine, issuer: str, forged: Any) -> None:
    # a Deny, which API Gateway answers 403: a refusal, not a failure of the function
    assert _effect(engine.invoke("ws_authorizer", connect_event(forged(issuer)))) == "Deny"


def _effect(answer: dict[str, Any]) -> str:
    [statement] = answer["policyDocument"]["Statement"]
    effect: str = statement["Effect"]
    return effect


def test_connections_are_recorded_and_forgotten(engine: LocalEngine) -> None:
    event = load("apigw-ws-connect.json")
    assert engine.invoke("realtime", event) == {"statusCode": 200}
    now = engine.clock.now()
    assert open_ids(Connections(), now) == ["JKJaXcdPSQ0CFqA="]
    assert open_ids(Connections(), now + timedelta(hours=2, seconds=1)) == []
    gone = copy.deepcopy(event)
    gone["requestContext"] |= {"routeKey": "$disconnect", "eventType": "DISCONNECT"}
    engine.invoke("realtime", gone)
    assert open_ids(Connections(), now) == []


def test_a_message_nested_deeper_than_a_parser_goes_is_ignored(engine: LocalEngine) -> None:
    event = load("apigw-ws-connect.json")
    event["requestContext"] |= {"routeKey": "$default", "eventType": "MESSAGE"}
    event["body"] = "[" * 100_000 + "]" * 100_000
    assert engine.invoke("realtime", event) == {"statusCode": 200}


def test_the_feed_stops_with_the_sign_in_that_opened_it(engine: LocalEngine, issuer: str) -> None:
    # Given a token the authorizer admits: it passes the token's expiry on
    signed = token(issuer)
    allowed = engine.invoke("ws_authorizer", connect_event(signed))
    assert (
        allowed["context"]["expires"]
        == jwt.decode(signed, options={"verify_signature": False})["exp"]
    )
    # When a connection opens with five minutes left on its sign-in
    now = engine.clock.now()
    event = copy.deepcopy(load("apigw-ws-connect.json"))
    event["requestContext"]["authorizer"] = {
        "sub": "user-1",
        "groups": "counselor",
        "expires": int((now + timedelta(minutes=5)).timestamp()),
    }
    assert engine.invoke("realtime", event)["statusCode"] == 200
    # Then it is pushed to until then, and not after (a user disabled meanwhile, whom the
    # API refuses once the token expires, gets no more leads' changes either)
    assert open_ids(Connections(), now + timedelta(minutes=4)) == ["JKJaXcdPSQ0CFqA="]
    assert open_ids(Connections(), now + timedelta(minutes=6)) == []


def _stream_records(engine: LocalEngine) -> list[dict[str, Any]]:
    """What DynamoDB Streams delivers for the follow-up table (moto produces the records)."""
    dynamodb = boto3.client("dynamodb", region_name=engine.config.aws_region)
    region = engine.config.aws_region
    # botocore's default streams endpoint is not one moto routes; name the classic one.
    streams = boto3.client(
        "dynamodbstreams",
        region_name=region,
        endpoint_url=f"https://streams.dynamodb.{region}.amazonaws.com",
    )
    arn = dynamodb.describe_table(TableName="followup-followups")["Table"]["LatestStreamArn"]
    records = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records += streams.get_records(ShardIterator=iterator)["Records"]
    return records


def test_follow_up_changes_reach_open_apps_and_gone_ones_are_dropped(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given two admin apps open for a minute, and a tick that queues two follow-ups
    now = engine.clock.now()
    Connections().add("open", "u1", now - timedelta(minutes=1))
    Connections().add("left", "u2", now - timedelta(minutes=1))
    engine.deps.rules.save_rule(rule())
    for wa_id in ("6281100000901", "6281100000902"):
        quiet_contact(engine.deps, wa_id, now - timedelta(hours=25))
    engine.tick()
    records = _stream_records(engine)
    changed = broadcaster.changed_followups({"Records": records})
    assert len(changed) == 2
    assert len(records) > len(changed)  # one push per follow-up, with its latest state
    # When the broadcaster runs and one app has gone away
    client = boto3.client(
        "apigatewaymanagementapi",
        region_name=engine.config.aws_region,
        endpoint_url="https://def456.execute-api.ap-southeast-1.amazonaws.com/live",
    )
    stub = Stubber(client)
    stub.add_response("post_to_connection", {})
    stub.add_client_error("post_to_connection", "GoneException", http_status_code=410)
    monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(client))
    with stub:
        report = engine.invoke("broadcaster", {"Records": records})
    # Then one app got the follow-ups and the other is forgotten
    assert report == {"messages": 1, "gone": 1, "failed": 0}
    assert len(open_ids(Connections(), now)) == 1


def test_an_app_still_connecting_when_a_batch_goes_is_told_to_catch_up_not_forgotten(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an app whose `$connect` is still being answered when a batch goes out: API
    # Gateway answers a push to it "gone"
    now = engine.clock.now()
    Connections().add("opening", "u1", now)
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000903", now - timedelta(hours=25))
    engine.tick()
    records = _stream_records(engine)
    client = boto3.client(
        "apigatewaymanagementapi",
        region_name=engine.config.aws_region,
        endpoint_url="https://def456.execute-api.ap-southeast-1.amazonaws.com/live",
    )
    stub = Stubber(client)
    stub.add_client_error("post_to_connection", "GoneException", http_status_code=410)
    monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(client))
    with stub:
        report = engine.invoke("broadcaster", {"Records": records})
    # Then it is kept, with the batch counted missed: its next batch starts with a resync
    assert report == {"messages": 0, "gone": 0, "failed": 1}
    [kept] = Connections().listening(now)
    assert (kept.connection_id, kept.misses) == ("opening", 1)


def test_an_app_whose_sign_in_expired_is_closed_at_its_ping_not_left_looking_live(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an app signed in, on the live feed (the local WebSocket API before the handler)
    tokens = DevTokens("realtime-test-signing-key-of-32-bytes")
    signed = tokens.issue(Role.COUNSELOR)
    expires = datetime.fromtimestamp(
        jwt.decode(signed, options={"verify_signature": False})["exp"], UTC
    )
    live = LiveFeed(engine.invoke, tokens)
    with serving(create_app(engine.invoke, tokens, live.routes())) as url:
        client = boto3.client(
            "apigatewaymanagementapi", region_name=engine.config.aws_region, endpoint_url=url
        )
        monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(client))
        ws = url.replace("http", "ws", 1)
        with connect(
            f"{ws}/ws", subprotocols=[Subprotocol("followup.live"), Subprotocol(signed)]
        ) as app:
            # When it pings while its sign-in holds / Then it is answered
            app.send('{"action": "ping"}')
            assert json.loads(app.recv(timeout=SAFETY_NET)) == {"type": "pong"}
            # When it pings after its sign-in expired (the broadcaster pushes it nothing
            # since) / Then the connection is closed, for the app to connect again with
            # its renewed sign-in and read what it missed
            engine.clock.advance(expires - engine.clock.now() + timedelta(seconds=1))
            app.send('{"action": "ping"}')
            with pytest.raises(ConnectionClosed):
                app.recv(timeout=SAFETY_NET)
    # and forgotten, as any connection the app leaves
    long_before = engine.clock.now() - timedelta(days=1)
    eventually(lambda: open_ids(Connections(), long_before) == [], timeout=SAFETY_NET)
