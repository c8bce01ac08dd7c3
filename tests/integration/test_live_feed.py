"""The local WebSocket API: sign-in on connect, the events handlers get, and the management API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from followup.api.auth import Role
from followup_local.gateway import create_app, serving
from followup_local.live import LiveFeed
from followup_local.tokens import DevTokens
from tests.support.devstack import SAFETY_NET, eventually

TOKENS = DevTokens("live-feed-test-signing-key-32-bytes!")


class Recorder:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []

    def __call__(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        assert function == "realtime"
        self.events.append(event)
        offered = (event.get("headers") or {}).get("Sec-WebSocket-Protocol", "")
        if offered.startswith("followup.live"):
            return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": "followup.live"}}
        return {"statusCode": 200}

    def routes(self) -> list[str]:
        return [e["requestContext"]["routeKey"] for e in self.events]


@pytest.fixture
def feed(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Recorder, Any]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")
    recorder = Recorder()
    live = LiveFeed(recorder, TOKENS)
    with serving(create_app(recorder, TOKENS, live.routes())) as url:
        management = boto3.client(
            "apigatewaymanagementapi", region_name="us-east-1", endpoint_url=url
        )
        yield url.replace("http", "ws", 1), recorder, management


def test_a_signed_in_browser_is_connected_and_reached_through_the_management_api(
    feed: tuple[str, Recorder, Any],
) -> None:
    url, recorder, management = feed
    with connect(f"{url}/ws?token={TOKENS.issue(Role.COUNSELOR)}") as browser:
        [connected] = recorder.events
        context = connected["requestContext"]
        assert (context["routeKey"], context["eventType"]) == ("$connect", "CONNECT")
        assert context["authorizer"]["groups"] == "counselor"
        management.post_to_connection(ConnectionId=context["connectionId"], Data=b'{"hello": 1}')
        assert browser.recv(timeout=SAFETY_NET) == '{"hello": 1}'
        browser.send('{"action": "ping"}')
        eventually(lambda: len(recorder.events) >= 2, timeout=SAFETY_NET)
        assert recorder.events[1]["body"] == '{"action": "ping"}'
    eventually(lambda: recorder.routes()[-1] == "$disconnect", timeout=SAFETY_NET)
    assert recorder.routes() == ["$connect", "$default", "$disconnect"]
    with pytest.raises(management.exceptions.GoneException):
        management.post_to_connection(ConnectionId=context["connectionId"], Data=b"late")


def test_no_or_a_bad_token_is_refused_before_any_handler_runs(
    feed: tuple[str, Recorder, Any],
) -> None:
    url, recorder, _ = feed
    for query in ("", "?token=not-a-token"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"{url}/ws{query}")
        assert refused.value.response.status_code == 403
    assert recorder.events == []


def test_a_browser_signs_in_through_the_subprotocol_so_no_url_carries_its_token(
    feed: tuple[str, Recorder, Any],
) -> None:
    # Browsers log a failed socket's URL: the app offers its token as a subprotocol instead
    url, recorder, _ = feed
    offered = [Subprotocol("followup.live"), Subprotocol(TOKENS.issue(Role.MARKETING))]
    with connect(f"{url}/ws", subprotocols=offered) as browser:
        assert browser.subprotocol == "followup.live"
        [connected] = recorder.events
        assert connected["requestContext"]["authorizer"]["groups"] == "marketing"
    bad = [Subprotocol("followup.live"), Subprotocol("not-a-token")]
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{url}/ws", subprotocols=bad)
    assert refused.value.response.status_code == 403
