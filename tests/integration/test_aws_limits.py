"""AWS service limits that small local data never reaches, reached on purpose."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from followup.adapters.connections import ConnectionPoster, Connections
from followup.domain.followup import FollowUp, RenderedMessage
from followup.wiring import runtime
from followup_local.engine import LocalEngine

BILLED_FRAME = 32 * 1024
"""API Gateway bills WebSocket messages per 32 KB..."""
REFUSED_FRAME = 128 * 1024
"""...and refuses frames over 128 KB."""


class _Raw:
    """An HTTP body as botocore streams it."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Any:
        yield self._data


def _management_client(engine: LocalEngine, frames: list[bytes]) -> Any:
    """The management API client, its PostToConnection answered at the HTTP layer with
    each frame kept (no real stage behind it)."""
    client = boto3.client(
        "apigatewaymanagementapi",
        region_name=engine.config.aws_region,
        endpoint_url="https://def456.execute-api.ap-southeast-1.amazonaws.com/live",
    )

    def answer(request: Any, **_: Any) -> AWSResponse:
        body = request.body if isinstance(request.body, bytes) else request.body.read()
        if len(body) > REFUSED_FRAME:
            return AWSResponse(request.url, 413, {}, _Raw(b'{"message": "Payload too large"}'))
        frames.append(body)
        return AWSResponse(request.url, 200, {}, _Raw(b""))

    client.meta.events.register("before-send.apigatewaymanagementapi.PostToConnection", answer)
    return client


def test_long_follow_ups_reach_an_open_app_in_frames_of_at_most_32_kb(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an open admin app and 25 changed follow-ups, each an email of about 6 KB (150 KB in all)
    now = engine.clock.now()
    Connections().add("open", "u1", now)
    changed = [
        FollowUp(
            id=f"fu_{n}",
            contact_id="ct_1",
            rule_id="r",
            rule_version=1,
            silence_key="s",
            created_at=now,
            scheduled_at=now + timedelta(minutes=n),
            rendered=RenderedMessage(kind="email", subject="Your offer", text="x" * 6000),
        )
        for n in range(25)
    ]
    records = [
        {
            "eventName": "MODIFY",
            "dynamodb": {"NewImage": {"id": {"S": f.id}, "doc": {"S": f.model_dump_json()}}},
        }
        for f in changed
    ]
    frames: list[bytes] = []
    client = _management_client(engine, frames)
    monkeypatch.setattr(runtime, "connection_poster", lambda: ConnectionPoster(client))
    # When the broadcaster pushes them
    report = engine.invoke("broadcaster", {"Records": records})
    # Then every follow-up arrives once, in order, and no frame is over 32 KB
    assert report["failed"] == 0
    assert report["messages"] == len(frames) > 1
    assert max(len(frame) for frame in frames) <= BILLED_FRAME
    ids = [f["id"] for frame in frames for f in json.loads(frame)["followups"]]
    assert ids == [f.id for f in changed]
