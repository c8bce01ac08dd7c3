"""Pushes follow-up changes to every open admin app, so the queue view updates live."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.services.ports import MessageRefused

if TYPE_CHECKING:
    from followup.domain.followup import FollowUp
    from followup.services.deadline import Deadline
    from followup.services.ports import ConnectionRepository, Poster

CHUNK = 25
"""Follow-ups per message at most."""
FRAME_BYTES = 32 * 1024
"""Bytes per message at most: API Gateway bills WebSocket messages per 32 KB and refuses
frames over 128 KB. A follow-up larger than that is not pushed: its id goes in a
`{"type": "reload", "ids": [...]}` message and the app fetches it through the API."""

_FOLLOWUPS = b'{"type": "followups", "followups": ['
_RELOAD = b'{"type": "reload", "ids": ['
_END = b"]}"


@dataclass
class BroadcastReport:
    messages: int = 0
    gone: int = 0
    failed: int = 0
    too_large: int = 0
    """Follow-ups named in a reload message instead of pushed whole."""


def broadcast(
    changed: Sequence[FollowUp],
    connections: ConnectionRepository,
    poster: Poster,
    now: datetime,
    deadline: Deadline | None = None,
) -> BroadcastReport:
    """Send the changes to each live connection, as `followups` messages then, for those too
    large to push, one `reload` message.

    A connection the client has left is removed, so it is not tried again. A message the API
    refuses is counted and the connection still gets the next ones; a connection that cannot
    be reached now (throttled past the SDK's retries, forbidden) is counted and skipped for
    this batch. Either way the other connections get every message: the feed is best
    effort, and a page reload shows the current state anyway.

    Once the `deadline` is near, the remaining connections are
    counted failed without a try: a batch the function runs out of time on is retried
    whole, and every app would get it again.
    """
    report = BroadcastReport()
    if not changed:
        return report
    frames, report.too_large = _frames(changed)
    for connection_id in connections.live(now):
        if deadline is not None and deadline.near():
            report.failed += 1
            continue
        for frame in frames:
            try:
                delivered = poster.post(connection_id, frame)
            except MessageRefused:
                report.failed += 1
                continue
            except Exception:  # one bad connection must not starve the rest
                report.failed += 1
                break
            if not delivered:
                connections.remove(connection_id)
                report.gone += 1
                break
            report.messages += 1
    return report


def _frames(changed: Sequence[FollowUp]) -> tuple[list[bytes], int]:
    """The follow-ups in order, as few messages as fit CHUNK and FRAME_BYTES, then the ids of
    those too large for any message; and how many those were."""
    pushed: list[bytes] = []
    named: list[bytes] = []
    for followup in changed:
        part = json.dumps(followup.model_dump(mode="json")).encode()
        if len(_FOLLOWUPS) + len(part) + len(_END) <= FRAME_BYTES:
            pushed.append(part)
        else:
            named.append(json.dumps(followup.id).encode())
    return _packed(_FOLLOWUPS, pushed) + _packed(_RELOAD, named), len(named)


def _packed(head: bytes, parts: list[bytes]) -> list[bytes]:
    """`head` + parts joined + `]}`, as few messages as fit CHUNK parts and FRAME_BYTES."""
    frames: list[bytes] = []
    batch: list[bytes] = []
    size = len(head) + len(_END)
    for part in parts:
        grown = size + len(part) + (2 if batch else 0)
        if batch and (len(batch) == CHUNK or grown > FRAME_BYTES):
            frames.append(head + b", ".join(batch) + _END)
            batch, grown = [], len(head) + len(_END) + len(part)
        batch.append(part)
        size = grown
    if batch:
        frames.append(head + b", ".join(batch) + _END)
    return frames
