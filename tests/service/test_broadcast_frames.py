"""The live queue feed when a follow-up is too large for one WebSocket message: every app
still gets every other change of the batch, and is told which follow-ups to fetch."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.adapters.memory import MemoryStore
from followup.domain.followup import AiWriting, FollowUp, RenderedMessage, Status, StatusChange
from followup.services.broadcast import FRAME_BYTES, broadcast
from followup.services.ports import MessageRefused
from followup_local.memory_engine import MemoryEngine
from tests.contract.items import followup
from tests.support.connections import open_ids

REFUSED = 128 * 1024
"""API Gateway refuses a message to a connection over 128 KB."""


class Gateway:
    """The management API as the broadcaster meets it: a message over 128 KB is refused,
    a connection in `gone` has closed, one in `throttled` is over its rate."""

    def __init__(self, gone: Collection[str] = (), throttled: Collection[str] = ()) -> None:
        self.gone, self.throttled = gone, throttled
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.sizes: list[int] = []

    def post(self, connection_id: str, data: bytes) -> bool:
        if connection_id in self.gone:
            return False
        if connection_id in self.throttled:
            raise TimeoutError("LimitExceededException")
        if len(data) > REFUSED:
            raise MessageRefused(f"{len(data)} bytes")
        self.sizes.append(len(data))
        self.received.setdefault(connection_id, []).append(json.loads(data))
        return True

    def followups(self, connection_id: str) -> list[str]:
        messages = self.received.get(connection_id, [])
        return [f["id"] for m in messages if m["type"] == "followups" for f in m["followups"]]

    def to_fetch(self, connection_id: str) -> list[str]:
        messages = self.received.get(connection_id, [])
        return [i for m in messages if m["type"] == "reload" for i in m["ids"]]


def small(n: int, now: datetime) -> FollowUp:
    return followup(f"fu_{n}", contact_id=f"ct_{n}", at=now + timedelta(minutes=n))


def long_ai_text(now: datetime) -> FollowUp:
    """A long AI-written email: about 200 KB of JSON, over what API Gateway accepts."""
    text = "Kami punya penawaran khusus untuk Anda. " * 2500
    return small(1, now).model_copy(
        update={
            "id": "fu_long_text",
            "rendered": RenderedMessage(kind="email", subject="Penawaran", text=text),
            "ai": AiWriting(used=True, text=text, target="text"),
        }
    )


def long_history(now: datetime) -> FollowUp:
    """Many retries, each with a long error: about 60 KB, accepted but over one frame."""
    history = [
        StatusChange(status=Status.QUEUED, at=now + timedelta(minutes=n), reason="e" * 500)
        for n in range(120)
    ]
    return small(1, now).model_copy(
        update={"id": "fu_long_history", "history": history, "error_title": "x" * 2000}
    )


@pytest.mark.parametrize("large", [long_ai_text, long_history])
def test_an_app_gets_every_other_change_and_is_told_to_fetch_the_one_too_large_to_push(
    engine: MemoryEngine, large: Any
) -> None:
    # Given two open admin apps and a batch with one follow-up too large for a message
    now = engine.clock.now()
    apps = MemoryStore()
    for app in ("desk", "laptop"):
        apps.add(app, "staff", now)
    big = large(now)
    batch = [small(1, now), big, small(2, now), small(3, now)]
    assert len(big.model_dump_json()) > FRAME_BYTES
    gateway = Gateway()
    # When the changes are broadcast
    report = broadcast(batch, apps, gateway, now)
    # Then each app gets every other follow-up in order, and the large one's id to fetch
    for app in ("desk", "laptop"):
        assert gateway.followups(app) == ["fu_1", "fu_2", "fu_3"]
        assert gateway.to_fetch(app) == [big.id]
    assert max(gateway.sizes) <= FRAME_BYTES
    assert report.failed == 0


def test_one_apps_failure_never_keeps_the_others_from_the_whole_batch(
    engine: MemoryEngine,
) -> None:
    # Given an app over its rate, one that closed, and two that listen
    now = engine.clock.now()
    apps = MemoryStore()
    for app in ("busy", "closed", "desk", "laptop"):
        apps.add(app, "staff", now - timedelta(minutes=1))  # open a while
    gateway = Gateway(gone={"closed"}, throttled={"busy"})
    batch = [small(1, now), long_ai_text(now), small(2, now)]
    # When the changes are broadcast
    report = broadcast(batch, apps, gateway, now)
    # Then the listening apps get all of it, the closed one is forgotten, the busy one kept
    for app in ("desk", "laptop"):
        assert gateway.followups(app) == ["fu_1", "fu_2"]
        assert gateway.to_fetch(app) == ["fu_long_text"]
    assert (report.gone, report.failed) == (1, 1)
    assert open_ids(apps, now) == ["busy", "desk", "laptop"]


class Throttled(Gateway):
    """The management API with one connection over its rate for the next `batches` batches
    (each broadcast call is one batch)."""

    def __init__(self, busy: str, batches: int) -> None:
        super().__init__(throttled={busy})
        self.busy, self.batches = busy, batches

    def next_batch(self) -> None:
        self.batches -= 1
        if self.batches == 0:
            self.throttled = set()

    def types(self, connection_id: str) -> list[str]:
        return [m["type"] for m in self.received.get(connection_id, [])]


@pytest.mark.parametrize("batches", [1, 3])
def test_an_app_that_missed_batches_is_told_to_resync_then_gets_the_changes(
    engine: MemoryEngine, batches: int
) -> None:
    # Given two open admin apps, one of them over its rate for `batches` batches
    now = engine.clock.now()
    apps = MemoryStore()
    for app in ("busy", "desk"):
        apps.add(app, "staff", now)
    gateway = Throttled("busy", batches)
    # When a batch of changes is broadcast each time, the throttle ending after `batches`
    for n in range(batches + 2):
        report = broadcast([small(n, now)], apps, gateway, now)
        gateway.next_batch()
        assert report.failed == (1 if n < batches else 0)
    # Then the busy app, once reachable, is first told to fetch its view again, once, and
    # then gets every change that follows; the other app got each change, and no resync
    assert gateway.types("busy") == ["resync", "followups", "followups"]
    assert gateway.followups("busy") == [f"fu_{n}" for n in (batches, batches + 1)]
    assert gateway.followups("desk") == [f"fu_{n}" for n in range(batches + 2)]
    assert "resync" not in gateway.types("desk")
    assert [c.misses for c in apps.listening(now)] == [0, 0]


class Killed(BaseException):
    """The broadcaster's process ends here (out of time or memory): nothing after runs."""


class DiesAt(Gateway):
    """The management API, with the broadcaster's process dying as it pushes to `fatal`."""

    def __init__(self, fatal: str, throttled: Collection[str] = ()) -> None:
        super().__init__(throttled=throttled)
        self.fatal = fatal

    def post(self, connection_id: str, data: bytes) -> bool:
        if connection_id == self.fatal:
            raise Killed
        return super().post(connection_id, data)


def test_a_broadcaster_that_dies_mid_batch_leaves_no_app_behind(engine: MemoryEngine) -> None:
    # Given three open apps, one over its rate, and a broadcaster that dies at the third
    now = engine.clock.now()
    apps = MemoryStore()
    for app in ("a-busy", "b-desk", "c-laptop"):
        apps.add(app, "staff", now)
    dying = DiesAt("c-laptop", throttled={"a-busy"})
    with pytest.raises(Killed):
        broadcast([small(1, now)], apps, dying, now)
    # When the stream hands the same batch to a new broadcaster, which all apps answer
    gateway = Gateway()
    broadcast([small(1, now)], apps, gateway, now)
    # Then the busy app's miss was kept: it resyncs first; every app has the change
    assert gateway.received["a-busy"][0] == {"type": "resync"}
    for app in ("a-busy", "b-desk", "c-laptop"):
        assert gateway.followups(app) == ["fu_1"]
    assert dying.followups("b-desk") == ["fu_1"]
