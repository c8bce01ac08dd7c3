"""Pushing follow-up changes: every live app gets them all, in frames API Gateway accepts."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from followup.domain.followup import FollowUp
from followup.services.broadcast import CHUNK, broadcast
from followup.services.ports import LiveConnection

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


class Registry:
    def __init__(self, *ids: str) -> None:
        self.ids: list[str] = []
        self.misses: dict[str, int] = {}
        for connection_id in ids:
            self.add(connection_id, "staff", NOW)

    def add(
        self, connection_id: str, user: str, now: datetime, until: datetime | None = None
    ) -> None:
        self.ids.append(connection_id)

    def listening(self, now: datetime) -> list[LiveConnection]:
        return [LiveConnection(i, self.misses.get(i, 0)) for i in self.ids]

    def remove(self, connection_id: str) -> None:
        self.ids.remove(connection_id)

    def missed(self, connection_id: str) -> None:
        self.misses[connection_id] = self.misses.get(connection_id, 0) + 1

    def caught_up(self, connection_id: str, misses: int) -> bool:
        if not misses or self.misses.get(connection_id) != misses:
            return False
        del self.misses[connection_id]
        return True


class Poster:
    def __init__(self, gone: set[str]) -> None:
        self.gone = gone
        self.sent: list[tuple[str, dict[str, object]]] = []

    def post(self, connection_id: str, data: bytes) -> bool:
        if connection_id in self.gone:
            return False
        self.sent.append((connection_id, json.loads(data)))
        return True


def followup(n: int) -> FollowUp:
    return FollowUp(
        id=f"fu_{n}",
        contact_id="ct_1",
        rule_id="r",
        rule_version=1,
        silence_key="s",
        created_at=NOW,
        scheduled_at=NOW,
    )


def test_each_live_app_gets_every_change_in_frames_of_at_most_the_chunk_size() -> None:
    changes = [followup(n) for n in range(CHUNK * 2 + 1)]
    registry, poster = Registry("a", "b"), Poster(gone=set())
    report = broadcast(changes, registry, poster, NOW)
    assert report.messages == 6
    for connection in ("a", "b"):
        frames = [frame for to, frame in poster.sent if to == connection]
        assert all(frame["type"] == "followups" for frame in frames)
        ids = [f["id"] for frame in frames for f in frame["followups"]]  # type: ignore[attr-defined]
        assert ids == [f.id for f in changes]
        assert max(len(frame["followups"]) for frame in frames) == CHUNK  # type: ignore[arg-type]
        assert len(json.dumps(frames[0]).encode()) < 128 * 1024


def test_an_app_that_left_is_removed_and_not_tried_again() -> None:
    registry, poster = Registry("stays", "left"), Poster(gone={"left"})
    report = broadcast([followup(n) for n in range(CHUNK + 1)], registry, poster, NOW)
    assert (report.messages, report.gone) == (2, 1)
    assert registry.ids == ["stays"]


def test_nothing_changed_sends_nothing() -> None:
    poster = Poster(gone=set())
    assert broadcast([], Registry("a"), poster, NOW).messages == 0
    assert poster.sent == []


def test_a_connection_that_errors_is_counted_and_the_others_still_served() -> None:
    class Flaky(Poster):
        def post(self, connection_id: str, data: bytes) -> bool:
            if connection_id == "broken":
                raise ConnectionError("management API unreachable")
            return super().post(connection_id, data)

    registry, poster = Registry("broken", "fine"), Flaky(gone=set())
    report = broadcast([followup(1)], registry, poster, NOW)
    assert (report.messages, report.failed, report.gone) == (1, 1, 0)
    assert registry.ids == ["broken", "fine"]
    assert registry.misses == {"broken": 1}
