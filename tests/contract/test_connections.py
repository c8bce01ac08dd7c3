"""WebSocket connections of the admin app: recorded, removed, expired after two hours, and
the batches each missed counted until the app has caught up."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.services.ports import LiveConnection
from tests.contract.items import T0
from tests.support.connections import open_ids


def test_connections_are_live_until_removed_or_two_hours_old(connections: Any) -> None:
    connections.add("conn-b", "staff@example.com", T0)
    connections.add("conn-a", "staff@example.com", T0 + timedelta(minutes=30))
    assert sorted(open_ids(connections, T0)) == ["conn-a", "conn-b"]
    assert open_ids(connections, T0 + timedelta(hours=2)) == ["conn-a"]
    assert open_ids(connections, T0 + timedelta(hours=2, minutes=30)) == []
    connections.remove("conn-a")
    connections.remove("conn-never")
    assert open_ids(connections, T0) == ["conn-b"]


def test_expiry_is_counted_in_whole_seconds(connections: Any) -> None:
    connections.add("conn-1", "staff@example.com", T0 + timedelta(milliseconds=700))
    assert open_ids(connections, T0 + timedelta(hours=2) - timedelta(milliseconds=1)) == ["conn-1"]
    assert open_ids(connections, T0 + timedelta(hours=2, milliseconds=200)) == []


def test_a_reconnect_under_the_same_id_starts_a_new_two_hours(connections: Any) -> None:
    connections.add("conn-1", "staff@example.com", T0)
    connections.add("conn-1", "staff@example.com", T0 + timedelta(hours=1))
    assert open_ids(connections, T0 + timedelta(hours=2, minutes=30)) == ["conn-1"]


def test_a_missed_batch_is_counted_until_the_app_has_caught_up(connections: Any) -> None:
    connections.add("conn-1", "staff@example.com", T0)
    connections.add("conn-2", "staff@example.com", T0)
    connections.missed("conn-1")
    connections.missed("conn-1")
    assert sorted(connections.listening(T0), key=lambda c: c.connection_id) == [
        LiveConnection("conn-1", 2, T0),
        LiveConnection("conn-2", 0, T0),
    ]
    # a resync sent while another batch counted one more miss does not forget that one
    assert not connections.caught_up("conn-1", 1)
    assert connections.caught_up("conn-1", 2)
    assert connections.listening(T0) == [
        LiveConnection("conn-1", 0, T0),
        LiveConnection("conn-2", 0, T0),
    ]
    assert not connections.caught_up("conn-1", 0)


def test_a_miss_never_brings_back_a_connection_that_was_removed(connections: Any) -> None:
    connections.add("conn-1", "staff@example.com", T0)
    connections.remove("conn-1")
    connections.missed("conn-1")
    connections.missed("conn-never")
    assert connections.listening(T0) == []
    assert not connections.caught_up("conn-1", 1)


def test_a_reconnect_under_the_same_id_starts_with_no_misses(connections: Any) -> None:
    connections.add("conn-1", "staff@example.com", T0)
    connections.missed("conn-1")
    connections.add("conn-1", "staff@example.com", T0 + timedelta(minutes=5))
    assert connections.listening(T0) == [LiveConnection("conn-1", 0, T0 + timedelta(minutes=5))]
