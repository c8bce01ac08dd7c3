"""WebSocket connections of the admin app: recorded, removed, and expired after two hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.contract.items import T0


def test_connections_are_live_until_removed_or_two_hours_old(connections: Any) -> None:
    connections.add("conn-b", "staff@example.com", T0)
    connections.add("conn-a", "staff@example.com", T0 + timedelta(minutes=30))
    assert sorted(connections.live(T0)) == ["conn-a", "conn-b"]
    assert connections.live(T0 + timedelta(hours=2)) == ["conn-a"]
    assert connections.live(T0 + timedelta(hours=2, minutes=30)) == []
    connections.remove("conn-a")
    connections.remove("conn-never")
    assert connections.live(T0) == ["conn-b"]


def test_expiry_is_counted_in_whole_seconds(connections: Any) -> None:
    connections.add("conn-1", "staff@example.com", T0 + timedelta(milliseconds=700))
    assert connections.live(T0 + timedelta(hours=2) - timedelta(milliseconds=1)) == ["conn-1"]
    assert connections.live(T0 + timedelta(hours=2, milliseconds=200)) == []


def test_a_reconnect_under_the_same_id_starts_a_new_two_hours(connections: Any) -> None:
    connections.add("conn-1", "staff@example.com", T0)
    connections.add("conn-1", "staff@example.com", T0 + timedelta(hours=1))
    assert connections.live(T0 + timedelta(hours=2, minutes=30)) == ["conn-1"]
