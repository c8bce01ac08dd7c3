"""The live feed's open connections, as ids."""

from __future__ import annotations

from datetime import datetime

from followup.services.ports import ConnectionRepository


def open_ids(connections: ConnectionRepository, now: datetime) -> list[str]:
    """The ids of the connections listening at `now`, in the store's order."""
    return [connection.connection_id for connection in connections.listening(now)]
