"""Pushes follow-up changes to every open admin app, so the queue view updates live."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from followup.domain.followup import FollowUp
    from followup.services.ports import ConnectionRepository, Poster

CHUNK = 25
"""Follow-ups per message: a WebSocket frame from API Gateway holds at most 128 KB."""


@dataclass
class BroadcastReport:
    messages: int = 0
    gone: int = 0
    failed: int = 0


def broadcast(
    changed: Sequence[FollowUp],
    connections: ConnectionRepository,
    poster: Poster,
    now: datetime,
) -> BroadcastReport:
    """Send `{"type": "followups", "followups": [...]}` to each live connection.

    A connection the client has left is removed, so it is not tried again. Any other
    failure to reach one connection is counted and the others are still served: the
    feed is best effort, and a page reload shows the current state anyway.
    """
    report = BroadcastReport()
    if not changed:
        return report
    frames = [
        json.dumps(
            {
                "type": "followups",
                "followups": [f.model_dump(mode="json") for f in changed[i : i + CHUNK]],
            }
        ).encode()
        for i in range(0, len(changed), CHUNK)
    ]
    for connection_id in connections.live(now):
        for frame in frames:
            try:
                delivered = poster.post(connection_id, frame)
            except Exception:  # one bad connection must not starve the rest
                report.failed += 1
                break
            if not delivered:
                connections.remove(connection_id)
                report.gone += 1
                break
            report.messages += 1
    return report
