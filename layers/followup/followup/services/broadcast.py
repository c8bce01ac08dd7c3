"""Pushes follow-up changes to every open admin app, so the queue view updates live."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.services.ports import MessageRefused

if TYPE_CHECKING:
    from followup.domain.followup import FollowUp
    from followup.services.deadline import Deadline
    from followup.services.ports import ConnectionRepository, LiveConnection, Poster

CHUNK = 25
"""Follow-ups per message at most."""
FRAME_BYTES = 32 * 1024
"""Bytes per message at most: API Gateway bills WebSocket messages per 32 KB and refuses
frames over 128 KB. A follow-up larger than that is not pushed: its id goes in a
`{"type": "reload", "ids": [...]}` message and the app fetches it through the API."""

_FOLLOWUPS = b'{"type": "followups", "followups": ['
_RELOAD = b'{"type": "reload", "ids": ['
_END = b"]}"
RESYNC = b'{"type": "resync"}'
"""What a connection that missed a batch gets before its next one: the app fetches the
view it shows again, since some changes never reached it."""


@dataclass
class BroadcastReport:
    messages: int = 0
    gone: int = 0
    failed: int = 0
    too_large: int = 0
    """Follow-ups named in a reload message instead of pushed whole."""
    resyncs: int = 0
    """Apps told to fetch their view again (counted in `messages` too)."""


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
    this batch. Either way the other connections get every message, and the miss is counted
    on the connection's item: its next batch starts with a `resync` message, on which the
    app fetches its view again, and the count is cleared once that message is delivered.
    A connection missing batch after batch is counted each time, so a resync delivered by
    one batch never clears the miss of another running beside it.

    Once the `deadline` is near, the remaining connections are counted failed and missed
    without a try: the function returns in time, so the stream does not hand the batch over
    again. An invocation that dies instead (out of time, out of memory) is retried whole by
    the stream: the apps it had reached get the same follow-ups twice, the same state each
    time.
    """
    report = BroadcastReport()
    if not changed:
        return report
    frames, report.too_large = _frames(changed)
    for connection in connections.listening(now):
        if deadline is not None and deadline.near():
            connections.missed(connection.connection_id)
            report.failed += 1
            continue
        _push(connection, frames, connections, poster, report, now)
    return report


def _push(
    connection: LiveConnection,
    frames: list[bytes],
    connections: ConnectionRepository,
    poster: Poster,
    report: BroadcastReport,
    now: datetime,
) -> None:
    """The frames to one connection, after a resync if it missed a batch before; a miss is
    counted on it if any of them did not arrive."""
    connection_id, missed = connection.connection_id, False
    for frame in [RESYNC, *frames] if connection.misses else frames:
        try:
            delivered = poster.post(connection_id, frame)
        except MessageRefused:
            report.failed += 1
            missed = True
            continue
        except Exception:  # one bad connection must not starve the rest
            report.failed += 1
            missed = True
            break
        if not delivered:
            if _connecting(connection, now):
                # Pushed to before its `$connect` finished, API Gateway answers "gone" too:
                # a miss, so its next batch tells the app to fetch its view again.
                connections.missed(connection_id)
                report.failed += 1
                return
            connections.remove(connection_id)
            report.gone += 1
            return
        report.messages += 1
        if frame is RESYNC:
            report.resyncs += 1
            connections.caught_up(connection_id, connection.misses)
    if missed:
        connections.missed(connection_id)


CONNECTING = timedelta(seconds=30)
"""How long after `$connect` a connection may still be finishing its handshake."""


def _connecting(connection: LiveConnection, now: datetime) -> bool:
    connected = connection.connected_at
    return connected is not None and now - connected < CONNECTING


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
