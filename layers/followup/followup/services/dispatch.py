"""The dispatch tick: follow-ups due before the next tick go to the send queue, each held
back by the queue until its due time, without a write per follow-up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.followup import FollowUp, Status
from followup.domain.lookahead import queue_delay, redrive_passed
from followup.services.messaging_limit import release_deferred
from followup.services.pausing import release
from followup.services.ports import (
    CommitRejected,
    Delayed,
    DispatchMark,
    FollowUpChange,
    Phase,
)
from followup.services.templates import TEMPLATE_WAIT_OVER

if TYPE_CHECKING:
    from followup.services.deps import Deps

_BATCH = 10


@dataclass
class DispatchReport:
    dispatched: int = 0
    paused: bool = False
    released: int = 0
    """Follow-ups the messaging limit deferred, brought forward after a raise of it."""

    def as_dict(self) -> dict[str, object]:
        return {"dispatched": self.dispatched, "paused": self.paused, "released": self.released}


def run_tick(deps: Deps, now: datetime) -> DispatchReport:
    """Put on the queue each follow-up due before the next tick (plus a margin) that no
    earlier tick handed over, held back until its due time; then record this tick's mark.

    Nothing is written per follow-up: the mark (this tick's time and horizon) tells the
    next tick what went. A follow-up goes when the last tick could not have handed it over
    (due after that tick's horizon, or put in the queue at or after that tick's time), and
    again each `redrive_after` past its due time while nobody claims it (its message was
    lost). A crash before the mark is recorded hands the same ones over again at the next
    tick: the sender claims each follow-up once, so a copy sends nothing.
    """
    if deps.catalog.sending_paused():
        return DispatchReport(paused=True)
    report = DispatchReport(released=release_deferred(deps, now))
    for number in deps.numbers.ids:
        # Held while their number was paused: resuming released them, save those a sender
        # held just then; the lane of a number still paused is not read at all.
        if deps.catalog.sending_paused(number) is None:
            report.dispatched += release(deps, number, now)
    horizon = deps.timings.horizon(now)
    last = deps.followups.dispatch_mark()
    batch: list[Delayed] = []
    for followup, due in _due(deps, now, horizon, last):
        batch.append(Delayed(followup.id, queue_delay(due, now), followup.scheduled_at))
        if len(batch) == _BATCH:
            deps.queue.enqueue_each(batch)
            report.dispatched += len(batch)
            batch = []
    if batch:
        deps.queue.enqueue_each(batch)
        report.dispatched += len(batch)
    deps.followups.advance_dispatch_mark(DispatchMark(now, horizon))
    return report


def _due(
    deps: Deps, now: datetime, horizon: datetime, last: DispatchMark | None
) -> Iterator[tuple[FollowUp, datetime]]:
    """Each follow-up to hand over and when it is due: those held for their template
    whose wait is over (queued again, for the sender to send them or end them), and those
    queued and due before the horizon that the last tick did not hand over, or whose
    redrive time came since."""
    handed: set[str] = set()
    for held in deps.followups.waiting(Phase.WAITING_TEMPLATE, now):
        released = held.released(now, TEMPLATE_WAIT_OVER)
        try:
            deps.commit([FollowUpChange(released, Status.WAITING_TEMPLATE)], now)
        except CommitRejected:
            continue  # canceled or released meanwhile
        handed.add(released.id)
        yield released, now
    every = deps.timings.redrive_after
    for followup in deps.followups.waiting(Phase.QUEUED, horizon):
        due = _due_time(followup, now)
        if due is None or followup.id in handed:
            continue
        if last is None or _unseen(followup, last, now) or redrive_passed(due, last.at, now, every):
            yield followup, due


def _unseen(followup: FollowUp, last: DispatchMark, now: datetime) -> bool:
    """The last tick could not have handed it over: planned by a later enqueue tick (or by
    this tick run again at the last one's time), put in the queue otherwise at or after
    that tick's time (at the same instant may be after its read), or not due by its
    horizon. Enqueue runs before dispatch at each tick's time, so what it planned at the
    last tick's time was there to read."""
    if followup.created_at > last.at or followup.created_at == last.at == now:
        return True
    if followup.queued_at is not None and followup.queued_at >= last.at:
        return True
    then = _due_time(followup, last.at)
    return then is None or then > last.horizon


def _due_time(followup: FollowUp, now: datetime) -> datetime | None:
    """When it should reach the sender; None for one to leave to a later tick. A text that
    waits for approval is handed over only once its wait is over (the sender then ends it):
    never early, since a person may still approve it."""
    due = followup.wake_at or now
    if followup.proposed is not None and followup.approved_at is None:
        return due if due <= now else None
    return max(due, followup.scheduled_at)
