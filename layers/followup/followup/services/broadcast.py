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
"""Follow-ups per message at most."""
FRAME_BYTES = 32 * 1024
"""Bytes per message at most (a follow-up larger than that goes alone): API Gateway bills
WebSocket messages per 32 KB and refuses frames over 128 KB."""


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
    frames = _frames(changed)
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


def _frames(changed: Sequence[FollowUp]) -> list[bytes]:
    """The follow-ups in order, as few messages as fit CHUNK and FRAME_BYTES."""
    head, tail = b'{"type": "followups", "followups": [', b"]}"
    frames: list[bytes] = []
    parts: list[bytes] = []
    size = len(head) + len(tail)
    for followup in changed:
        part = json.dumps(followup.model_dump(mode="json")).encode()
        grown = size + len(part) + (2 if parts else 0)
        if parts and (len(parts) == CHUNK or grown > FRAME_BYTES):
            frames.append(head + b", ".join(parts) + tail)
            parts, grown = [], len(head) + len(tail) + len(part)
        parts.append(part)
        size = grown
    if parts:
        frames.append(head + b", ".join(parts) + tail)
    return frames
