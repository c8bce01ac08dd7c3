"""Look-ahead dispatch: each tick hands the send queue every follow-up due before the next
tick (plus a margin), each held back by the queue until its own due time."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

MAX_QUEUE_DELAY = timedelta(seconds=900)
"""The longest SQS holds a message back; a follow-up due later takes more than one hop."""
ARRIVAL_GRACE = timedelta(seconds=60)
"""How late a follow-up may reach the sender and still be judged at its due time: the
queue holds a message back whole seconds, rounded up, and hands it over a moment after
that. Later than this, it came late for another reason (a lost message sent again, an
outage), and is judged when it comes."""


def horizon(now: datetime, tick: timedelta, margin: timedelta) -> datetime:
    """Due before this, a follow-up goes to the queue now: the next tick may come late."""
    return now + tick + margin


def queue_delay(due: datetime, now: datetime) -> int:
    """Whole seconds to hold back a message due at `due`: rounded up, so it never arrives
    early, and at most `MAX_QUEUE_DELAY` (the receiver sends it on again if still early)."""
    remaining = (due - now).total_seconds()
    if remaining <= 0:
        return 0
    return min(math.ceil(remaining), int(MAX_QUEUE_DELAY.total_seconds()))


def judged_at(due: datetime, now: datetime) -> datetime:
    """The moment the send window is judged at for a follow-up due at `due` that reaches
    the sender at `now`: its due time when it comes within `ARRIVAL_GRACE` of it (the
    lateness is the queue's, not the follow-up's), else `now`."""
    return due if due <= now <= due + ARRIVAL_GRACE else now


def redrive_passed(due: datetime, since: datetime, now: datetime, every: timedelta) -> bool:
    """Whether a moment `due` + k × `every` (k ≥ 1) fell after `since` and by `now`: a
    message handed over for `due` and still unclaimed then was lost or is stuck, so another
    goes, once per `every` until one is claimed."""
    if now - due < every:
        return False
    then = (since - due) // every if since >= due else 0
    return (now - due) // every > then
