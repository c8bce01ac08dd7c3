"""The dispatch tick: follow-ups due before the next tick go to the send queue, each held
back by the queue until its due time, without a write per follow-up (save one a write
handed over and nobody claimed, handed over again)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.followup import FollowUp, Status
from followup.domain.lookahead import queue_delay, redrive_passed
from followup.services.messaging_limit import release_deferred
from followup.services.pausing import release
from followup.services.ports import (
    EMAIL_HELD,
    CommitRejected,
    Delayed,
    DispatchMark,
    FollowUpChange,
    Phase,
    phase_of,
)
from followup.services.templates import TEMPLATE_WAIT_OVER

if TYPE_CHECKING:
    from followup.services.deps import Deps

_BATCH = 10
_PAUSES = (0.5, 1.0, 1.5)
"""Seconds to wait before each read of the queued lane again while some of this tick's
plans are not in it yet (the index usually catches up within a second)."""
INDEX_LAG = timedelta(seconds=10)
"""How far behind the writes the queued lane (an index) may be, at most: a follow-up put in
the queue this shortly before a read of the lane may be missing from it."""
SEEN_KEPT = 1000
"""At most this many of those a read found put in the queue just before it go in the mark
(the next tick hands over any others again: a copy, which the claim makes harmless)."""


@dataclass
class DispatchReport:
    dispatched: int = 0
    paused: bool = False
    """Sending is paused: the workspace (nothing is handed over), or every number (only
    WhatsApp waits)."""
    released: int = 0
    """Follow-ups the messaging limit deferred, brought forward after a raise of it."""

    def as_dict(self) -> dict[str, object]:
        return {"dispatched": self.dispatched, "paused": self.paused, "released": self.released}


def run_tick(
    deps: Deps, now: datetime, *, settle: timedelta = timedelta(0), marked: bool = True
) -> DispatchReport:
    """Put on the queue each follow-up due before the next tick (plus a margin) that no
    earlier tick handed over, held back until its due time; then record this tick's mark.

    Nothing is written per follow-up of the queued lane: the mark (this tick's time,
    horizon and read) tells the next tick what went. A follow-up goes when the last tick
    could not have handed it over (due after that tick's horizon, or put in the queue at or
    after that tick's time), and again each `redrive_after` past its due time while nobody
    claims it (its message was lost). One a write handed over (send-now, an approval, a
    resumed number's release, a retry) and nobody claimed by its redrive time goes again at
    this tick, the first past that time, written with its next redrive time (a write each,
    on that rare path; while the workspace is paused the expire tick queues it for the
    tick after the resume). A crash before the mark is recorded hands the same ones over
    again at the next tick: the sender claims each follow-up once, so a copy sends nothing.

    The queued lane is an index that may lag a moment behind the writes: when fewer of the
    follow-ups planned at this tick's time are read than its enqueue counted, the lane is
    read again after a short pause (a few times, handing over those that turned up); any
    still missing are left in the mark, and the next tick hands over everything planned
    at this tick's time again. Another path may put one in the queue just before the tick
    (a channel's fallback, a send-now waiting for the window, one put back by the sender or
    released from a hold): written within `INDEX_LAG` before the last read began, it may
    be missing from it. The mark keeps when that read began and which of those it found,
    so the next tick hands over the others, and nothing it handed over already.
    """
    if deps.catalog.workspace_paused():
        return DispatchReport(paused=True)
    # Every number paused holds WhatsApp alone: SMS and email still go, and the sender holds
    # each WhatsApp follow-up apart, where no later tick reads it.
    every_number = deps.catalog.sending_paused() is not None
    report = DispatchReport(paused=every_number, released=release_deferred(deps, now))
    for number in deps.numbers.ids:
        # Held while their number was paused: resuming released them, save those a sender
        # held just then; the lane of a number still paused is not read at all.
        if deps.catalog.sending_paused(number) is None:
            report.dispatched += release(deps, number, now)
    if deps.catalog.email_paused() is None:
        # Held while email was paused: resuming it released them, save those a sender held
        # just then.
        report.dispatched += release(deps, EMAIL_HELD, now)
    for number in deps.catalog.removed_paused():
        # Held by a number no longer configured: the sender sends them from the number the
        # contact may use now, or ends them saying why.
        report.dispatched += release(deps, number, now)
    horizon = deps.timings.horizon(now)
    last = deps.followups.dispatch_mark()
    planned = deps.followups.planned(now)
    handing = _Handing(deps, now, settle)
    for released in _template_wait_over(deps, now):
        handing.add(released, now)
    missed = 0
    lately: dict[str, datetime] = {}  # read, and put in the queue just before this tick
    for pause in (0.0, *_PAUSES):
        if pause:
            handing.flush()  # what was read goes now, not after the pause
            deps.sleep(pause)
        read_at = max(now, deps.clock.now())
        plans_read = 0
        for followup in deps.followups.waiting((Phase.QUEUED, Phase.DISPATCHED), horizon):
            if phase_of(followup) is Phase.DISPATCHED:
                again = _unclaimed(deps, followup, now)
                if again is not None:
                    handing.add(again, now)
                continue
            if followup.created_at == now:
                plans_read += 1
            if now - INDEX_LAG < _entered(followup) < now:
                lately[followup.id] = _entered(followup)
            due = _due_time(followup, now)
            if due is not None and _goes(followup, due, now, last, deps.timings.redrive_after):
                handing.add(followup, due)
        missed = max(planned - plans_read, 0)
        if not missed:
            break
    handing.flush()
    report.dispatched += handing.count
    settled = read_at - INDEX_LAG
    found = [followup_id for followup_id, entered in lately.items() if entered > settled]
    if marked:
        mark = DispatchMark(now, horizon, missed, read_at, frozenset(found[:SEEN_KEPT]))
        deps.followups.advance_dispatch_mark(mark)
    return report


class _Handing:
    """The follow-ups handed to the queue this tick, each once, in batches of ten, each
    held back for the time left from when it is handed over (later than the tick's time
    after a pause)."""

    def __init__(self, deps: Deps, now: datetime, settle: timedelta) -> None:
        self._queue, self._clock, self._now = deps.queue, deps.clock, now
        self._settle = math.ceil(settle.total_seconds())
        self._handed: set[str] = set()
        self._batch: list[Delayed] = []
        self.count = 0
        """How many went this tick."""

    def add(self, followup: FollowUp, due: datetime) -> None:
        if followup.id in self._handed:
            return
        self._handed.add(followup.id)
        delay = max(queue_delay(due, max(self._now, self._clock.now())), self._settle)
        self._batch.append(Delayed(followup.id, delay, followup.scheduled_at))
        if len(self._batch) == _BATCH:
            self.flush()

    def flush(self) -> None:
        """Put what is left on the queue."""
        if self._batch:
            self._queue.enqueue_each(self._batch)
            self.count += len(self._batch)
            self._batch = []


def _template_wait_over(deps: Deps, now: datetime) -> Iterator[FollowUp]:
    """Those held for their template whose wait is over, queued again for the sender to
    send them or end them."""
    for held in deps.followups.waiting(Phase.WAITING_TEMPLATE, now):
        released = held.released(now, TEMPLATE_WAIT_OVER)
        try:
            change = FollowUpChange(released, Status.WAITING_TEMPLATE, moves=held.moves)
            deps.commit([change], now)
        except CommitRejected:
            continue  # canceled or released meanwhile
        yield released


def _unclaimed(deps: Deps, handed: FollowUp, now: datetime) -> FollowUp | None:
    """One a write handed to the queue (send-now, an approval, a resumed number's release,
    a retry), read in the same lane as those queued: once nobody claimed it by its redrive
    time (the message was lost, or never reached SQS), handed over again at this tick, the
    first past that time, written first with its next redrive time, so that one lost again
    goes again then; None until then, or when it moved on meanwhile."""
    if handed.wake_at is None or handed.wake_at > now:
        return None
    again = handed.dispatched(now, deps.timings.redrive_after)
    try:
        deps.commit([FollowUpChange(again, Status.QUEUED, moves=handed.moves)], now)
    except CommitRejected:
        return None  # claimed (and maybe put back), canceled or answered meanwhile
    return again


def _goes(
    followup: FollowUp, due: datetime, now: datetime, last: DispatchMark | None, every: timedelta
) -> bool:
    """A queued follow-up due before the horizon goes unless the last tick handed it over
    and its redrive time has not come since."""
    return last is None or _unseen(followup, last, now) or redrive_passed(due, last.at, now, every)


def _unseen(followup: FollowUp, last: DispatchMark, now: datetime) -> bool:
    """The last tick could not have handed it over: planned by a later enqueue tick (or by
    this tick run again at the last one's time, or at the last one's time when that tick
    missed some of its plans), put in the queue otherwise at or after that tick's time
    (at the same instant may be after its read), put in the queue so shortly before its
    read that the index may not have shown it and not found by it, or not due by its
    horizon. Enqueue runs before dispatch at each tick's time, so what it planned at the
    last tick's time was there to read once the index caught up, which that tick checked.
    A tick running behind a later one's mark (its enqueue slow, the later one's failed)
    cannot tell whether that tick read what it planned: that goes again, once claimed."""
    if last.at > now and _entered(followup) >= now:
        return True
    if followup.created_at > last.at:
        return True
    if followup.created_at == last.at and (last.at == now or last.missed):
        return True
    if followup.queued_at is not None and followup.queued_at >= last.at:
        return True
    settled = (last.read_at or last.at) - INDEX_LAG
    if settled < _entered(followup) < last.at and followup.id not in last.seen:
        return True
    then = _due_time(followup, last.at)
    return then is None or then > last.horizon


def _entered(followup: FollowUp) -> datetime:
    """When it was last put in the queue: planned, or put back since."""
    return followup.queued_at or followup.created_at


def _due_time(followup: FollowUp, now: datetime) -> datetime | None:
    """When it should reach the sender; None for one to leave to a later tick. A text that
    waits for approval is handed over only once its wait is over (the sender then ends it):
    never early, since a person may still approve it."""
    due = followup.wake_at or now
    if followup.proposed is not None and followup.approved_at is None:
        return due if due <= now else None
    return max(due, followup.scheduled_at)
