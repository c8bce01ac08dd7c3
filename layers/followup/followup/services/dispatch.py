"""The dispatch tick: follow-ups due before the next tick go to the send queue, each held
back by the queue until its due time."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.followup import FollowUp, Status
from followup.domain.lookahead import queue_delay
from followup.services.messaging_limit import release_deferred
from followup.services.pausing import release
from followup.services.ports import CommitRejected, Delayed, FollowUpChange, Phase
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
    """Mark each follow-up due before the next tick (plus a margin) dispatched, then put it
    on the queue with a delay that ends at its due time.

    Marking first means a crash in between leaves it in the dispatched phase, from which
    the expire tick sends it back `redrive_after` past its due time; a duplicate queue
    message is harmless because the sender claims each follow-up once.
    """
    if deps.catalog.sending_paused():
        return DispatchReport(paused=True)
    report = DispatchReport(released=release_deferred(deps, now))
    for number in deps.numbers.ids:
        # Held while their number was paused: resuming released them, save those a sender
        # held just then; the lane of a number still paused is not read at all.
        if deps.catalog.sending_paused(number) is None:
            report.dispatched += release(deps, number, now)
    for number in deps.catalog.removed_paused():
        # Held by a number no longer configured: the sender sends them from the number the
        # contact may use now, or ends them saying why.
        report.dispatched += release(deps, number, now)
    batch: list[Delayed] = []
    for followup, was, due in _due(deps, now):
        marked = followup.dispatched(now, deps.timings.redrive_after, due=max(due, now))
        try:
            deps.commit([FollowUpChange(marked, was)], now)
        except CommitRejected:
            continue  # canceled or claimed meanwhile
        batch.append(Delayed(followup.id, queue_delay(due, now)))
        if len(batch) == _BATCH:
            deps.queue.enqueue_each(batch)
            report.dispatched += len(batch)
            batch = []
    if batch:
        deps.queue.enqueue_each(batch)
        report.dispatched += len(batch)
    return report


def _due(deps: Deps, now: datetime) -> Iterator[tuple[FollowUp, Status, datetime]]:
    """Each follow-up to hand over, the status it was read in, and when it is due: those
    queued and due before the horizon, and those held for their template whose wait is
    over (queued again, for the sender to send them or end them)."""
    for held in deps.followups.waiting(Phase.WAITING_TEMPLATE, now):
        yield held.released(now, TEMPLATE_WAIT_OVER), Status.WAITING_TEMPLATE, now
    for followup in deps.followups.waiting(Phase.QUEUED, deps.timings.horizon(now)):
        due = _due_time(followup, now)
        if due is not None:
            yield followup, Status.QUEUED, due


def _due_time(followup: FollowUp, now: datetime) -> datetime | None:
    """When it should reach the sender; None for one to leave to a later tick. A text that
    waits for approval is handed over only once its wait is over (the sender then ends it):
    never early, since a person may still approve it."""
    due = followup.wake_at or now
    if followup.proposed is not None and followup.approved_at is None:
        return due if due <= now else None
    return max(due, followup.scheduled_at)
