"""The live queue feed against the management API's answers: a message over 128 KB refused
(413), a connection over its rate (429), one not allowed (403), one closed (410)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from websockets.sync.client import connect

from followup.adapters.connections import ConnectionPoster, Connections
from followup.api.auth import Role
from followup.domain.followup import FollowUp, RenderedMessage
from followup.wiring import runtime
from followup_local.engine import LocalEngine
from followup_local.gateway import create_app, serving
from followup_local.live import LiveFeed
from followup_local.tokens import DevTokens
from tests.contract.items import followup
from tests.support.connections import open_ids
from tests.support.devstack import SAFETY_NET

REFUSED = 128 * 1024
"""API Gateway refuses a message to a connection over 128 KB."""
FRAME = 32 * 1024


class _Raw:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


class Stage:
    """A WebSocket stage's management API, answered at the HTTP layer as AWS answers."""

    def __init__(self, engine: LocalEngine) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.sizes: list[int] = []
        self.posts: dict[str, int] = {}
        self.answers: dict[str, list[tuple[int, str]]] = {}
        """Per connection, the error answers its next posts get, in order."""
        self.gone: set[str] = set()
        self.client = boto3.client(
            "apigatewaymanagementapi",
            region_name=engine.config.aws_region,
            endpoint_url="https://def456.execute-api.ap-southeast-1.amazonaws.com/live",
        )
        self.client.meta.events.register(
            "before-send.apigatewaymanagementapi.PostToConnection", self._answer
        )

    def _answer(self, request: Any, **_: Any) -> AWSResponse:
        connection = request.url.rsplit("/", 1)[-1]
        self.posts[connection] = self.posts.get(connection, 0) + 1
        body = request.body if isinstance(request.body, bytes) else request.body.read()
        queued = self.answers.get(connection) or []
        if connection in self.gone:
            return self._error(request, 410, "GoneException")
        if len(body) > REFUSED:
            return self._error(request, 413, "PayloadTooLargeException")
        if queued:
            return self._error(request, *queued.pop(0))
        self.sizes.append(len(body))
        self.received.setdefault(connection, []).append(json.loads(body))
        return AWSResponse(request.url, 200, {}, _Raw(b""))

    @staticmethod
    def _error(request: Any, status: int, code: str) -> AWSResponse:
        headers = {"x-amzn-errortype": code, "content-type": "application/json"}
        return AWSResponse(request.url, status, headers, _Raw(b'{"message": "no"}'))

    def followups(self, connection: str) -> list[str]:
        messages = self.received.get(connection, [])
        return [f["id"] for m in messages if m["type"] == "followups" for f in m["followups"]]

    def to_fetch(self, connection: str) -> list[str]:
        messages = self.received.get(connection, [])
        return [i for m in messages if m["type"] == "reload" for i in m["ids"]]


def _followup(n: int, now: datetime, text: str = "Halo") -> FollowUp:
    rendered = RenderedMessage(kind="email", subject="Penawaran", text=text)
    return followup(f"fu_{n}", contact_id=f"ct_{n}", at=now, rendered=rendered)


def _records(changed: list[FollowUp]) -> list[dict[str, Any]]:
    return [
        {
            "eventName": "MODIFY",
            "dynamodb": {"NewImage": {"id": {"S": f.id}, "doc": {"S": f.model_dump_json()}}},
        }
        for f in changed
    ]


@pytest.fixture
def stage(engine: LocalEngine, monkeypatch: pytest.MonkeyPatch) -> Stage:
    stage = Stage(engine)
    monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(stage.client))
    return stage


def test_a_follow_up_over_128_kb_is_named_for_the_app_to_fetch_and_the_batch_still_arrives(
    engine: LocalEngine, stage: Stage
) -> None:
    # Given two open admin apps, one closed, and a batch with a 200 KB free-text email in it
    now = engine.clock.now()
    for app in ("desk", "laptop", "closed"):
        Connections().add(app, "u1", now - timedelta(minutes=1))  # open a while
    stage.gone.add("closed")
    huge = _followup(2, now, text="Silakan daftar sebelum akhir bulan. " * 6000)
    changed = [_followup(1, now), huge, _followup(3, now)]
    # When the broadcaster pushes the batch
    report = engine.invoke("broadcaster", {"Records": _records(changed)})
    # Then each open app gets the two others and is told to fetch the large one
    for app in ("desk", "laptop"):
        assert stage.followups(app) == ["fu_1", "fu_3"]
        assert stage.to_fetch(app) == ["fu_2"]
    assert max(stage.sizes) <= FRAME
    assert report == {"messages": 4, "gone": 1, "failed": 0}
    assert sorted(open_ids(Connections(), now)) == ["desk", "laptop"]


def test_a_refused_message_does_not_cost_the_app_the_rest_of_the_batch(
    engine: LocalEngine, stage: Stage
) -> None:
    # Given an app whose first message is refused as too large, and 30 changes (two messages)
    now = engine.clock.now()
    Connections().add("desk", "u1", now)
    stage.answers["desk"] = [(413, "PayloadTooLargeException")]
    changed = [_followup(n, now) for n in range(30)]
    # When the broadcaster pushes them
    report = engine.invoke("broadcaster", {"Records": _records(changed)})
    # Then the second message still arrives, and the connection is kept
    assert stage.followups("desk") == [f.id for f in changed[25:]]
    assert report == {"messages": 1, "gone": 0, "failed": 1}
    assert open_ids(Connections(), now) == ["desk"]


def test_a_throttled_or_forbidden_app_never_keeps_the_others_from_their_changes(
    engine: LocalEngine, stage: Stage
) -> None:
    # Given an app throttled once, one the API will not post to, and one that listens
    now = engine.clock.now()
    for app in ("busy", "forbidden", "desk"):
        Connections().add(app, "u1", now)
    stage.answers["busy"] = [(429, "LimitExceededException")]
    stage.answers["forbidden"] = [(403, "ForbiddenException")] * 2
    changed = [_followup(n, now) for n in range(30)]
    # When the broadcaster pushes them
    report = engine.invoke("broadcaster", {"Records": _records(changed)})
    # Then the throttled post is tried again and arrives, the others are untouched by the
    # forbidden one, and nobody is forgotten for an error that is not a closed connection
    everything = [f.id for f in changed]
    assert stage.followups("busy") == stage.followups("desk") == everything
    assert report == {"messages": 4, "gone": 0, "failed": 1}
    assert sorted(open_ids(Connections(), now)) == ["busy", "desk", "forbidden"]


def test_an_app_over_its_rate_is_tried_three_times_then_left_for_this_batch(
    engine: LocalEngine, stage: Stage
) -> None:
    # Given an app whose buffer stays full, and one that listens
    now = engine.clock.now()
    for app in ("full", "desk"):
        Connections().add(app, "u1", now)
    stage.answers["full"] = [(429, "LimitExceededException")] * 10
    changed = [_followup(n, now) for n in range(30)]
    # When the broadcaster pushes two messages
    report = engine.invoke("broadcaster", {"Records": _records(changed)})
    # Then the full one holds the others up for three tries of its first message, no more
    assert stage.posts["full"] == 3
    assert stage.followups("desk") == [f.id for f in changed]
    assert report == {"messages": 2, "gone": 0, "failed": 1}
    assert sorted(open_ids(Connections(), now)) == ["desk", "full"]


def test_an_app_that_missed_a_batch_is_told_to_resync_by_a_broadcaster_started_afresh(
    engine: LocalEngine, stage: Stage, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an app whose buffer stays full for one batch, and one that listens
    now = engine.clock.now()
    for app in ("full", "desk"):
        Connections().add(app, "u1", now)
    stage.answers["full"] = [(429, "LimitExceededException")] * 3
    first = [_followup(1, now)]
    assert engine.invoke("broadcaster", {"Records": _records(first)})["failed"] == 1
    # and the broadcaster's process is gone: the next batch goes to a new one
    monkeypatch.delitem(sys.modules, "functions.broadcaster.handler")
    runtime.connections.cache_clear()
    # When the next batch is broadcast
    second = [_followup(2, now)]
    report = engine.invoke("broadcaster", {"Records": _records(second)})
    # Then the full app is first told to fetch its view again, then gets the new change;
    # the other app got both changes and no resync
    assert [m["type"] for m in stage.received["full"]] == ["resync", "followups"]
    assert stage.followups("full") == ["fu_2"]
    assert stage.followups("desk") == ["fu_1", "fu_2"]
    assert [m["type"] for m in stage.received["desk"]] == ["followups", "followups"]
    assert report == {"messages": 3, "gone": 0, "failed": 0}
    assert {c.connection_id: c.misses for c in Connections().listening(now)} == {
        "full": 0,
        "desk": 0,
    }


TOKENS = DevTokens("broadcast-oversized-signing-key-32!")


@pytest.fixture
def local_stage(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, LiveFeed, Any]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")

    def realtime(function: str, event: dict[str, Any]) -> dict[str, Any]:
        return {"statusCode": 200}

    live = LiveFeed(realtime, TOKENS)
    with serving(create_app(realtime, TOKENS, live.routes())) as url:
        client = boto3.client("apigatewaymanagementapi", region_name="us-east-1", endpoint_url=url)
        yield url.replace("http", "ws", 1), live, client


def test_the_local_feed_refuses_a_message_over_128_kb_as_aws_does_and_keeps_the_connection(
    local_stage: tuple[str, LiveFeed, Any],
) -> None:
    url, live, client = local_stage
    with connect(f"{url}/ws?token={TOKENS.issue(Role.ADMIN)}") as browser:
        [connection] = live.connections
        poster = ConnectionPoster(client)
        with pytest.raises(client.exceptions.PayloadTooLargeException):
            client.post_to_connection(ConnectionId=connection, Data=b"x" * (REFUSED + 1))
        assert poster.post(connection, b'{"type": "followups", "followups": []}')
        assert browser.recv(timeout=SAFETY_NET) == '{"type": "followups", "followups": []}'
