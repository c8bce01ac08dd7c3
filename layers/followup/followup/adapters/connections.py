"""Open WebSocket connections (DynamoDB) and pushing to them (API Gateway management API)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist

from followup.adapters.tables import ConnectionItem, held, stamp, unstamp
from followup.services.ports import LiveConnection, MessageRefused

LONGEST_CONNECTION = timedelta(hours=2)
"""API Gateway closes WebSocket connections after two hours."""


class Connections:
    def add(
        self, connection_id: str, user: str, now: datetime, until: datetime | None = None
    ) -> None:
        longest = now + LONGEST_CONNECTION
        ConnectionItem(
            connection_id,
            user=user,
            connected_at=stamp(now),
            expires_at=min(longest, until) if until is not None else longest,
        ).save()

    def remove(self, connection_id: str) -> None:
        ConnectionItem(connection_id).delete()

    def listened(self, connection_id: str, now: datetime) -> bool:
        """Whether the broadcaster still pushes to the connection: recorded, and its
        sign-in not expired."""
        try:
            item = ConnectionItem.get(connection_id)
        except DoesNotExist:
            return False
        return bool(item.expires_at > now)

    def listening(self, now: datetime) -> list[LiveConnection]:
        return [
            LiveConnection(item.connection_id, int(item.misses or 0), unstamp(item.connected_at))
            for item in ConnectionItem.scan(ConnectionItem.expires_at > now)
        ]

    def missed(self, connection_id: str) -> None:
        """One conditional update: a connection deleted meanwhile is not brought back."""
        held(
            lambda: ConnectionItem(connection_id).update(
                actions=[ConnectionItem.misses.add(1)],
                condition=ConnectionItem.connection_id.exists(),
            )
        )

    def caught_up(self, connection_id: str, misses: int) -> bool:
        return held(
            lambda: ConnectionItem(connection_id).update(
                actions=[ConnectionItem.misses.remove()],
                condition=ConnectionItem.misses == misses,
            )
        )


class ConnectionPoster:
    """Sends a message down one connection; False when the client has gone, MessageRefused
    when API Gateway refuses the message itself (over 128 KB)."""

    def __init__(self, client: Any) -> None:
        self._client = client

    def close(self, connection_id: str) -> None:
        """Close the connection (the app opens another); one already gone is left so."""
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except self._client.exceptions.GoneException:
            return

    def post(self, connection_id: str, data: bytes) -> bool:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except self._client.exceptions.GoneException:
            return False
        except self._client.exceptions.PayloadTooLargeException as refused:
            raise MessageRefused(f"{len(data)} bytes") from refused
        return True
