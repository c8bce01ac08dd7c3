"""The dispatch tick: follow-ups whose time has come go to the send queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from followup.domain.followup import Status
from followup.services.deps import Deps
from followup.services.ports import CommitRejected, FollowUpChange, Phase

_BATCH = 10


@dataclass
class DispatchReport:
    dispatched: int = 0
    paused: bool = False

    def as_dict(self) -> dict[str, object]:
        return {"dispatched": self.dispatched, "paused": self.paused}


def run_tick(deps: Deps, now: datetime) -> DispatchReport:
    """Mark each due follow-up dispatched, then put it on the queue.

    Marking first means a crash in between leaves it in the dispatched phase, from which
    the expire tick sends it back after `redrive_after`; a duplicate queue message is
    harmless because the sender claims each follow-up once.
    """
    if deps.catalog.sending_paused():
        return DispatchReport(paused=True)
    report = DispatchReport()
    batch: list[str] = []
    for followup in deps.followups.waiting(Phase.QUEUED, now):
        marked = followup.dispatched(now, deps.timings.redrive_after)
        try:
            deps.commit([FollowUpChange(marked, Status.QUEUED)], now)
        except CommitRejected:
            continue  # canceled or claimed meanwhile
        batch.append(followup.id)
        if len(batch) == _BATCH:
            deps.queue.enqueue(batch)
            report.dispatched += len(batch)
            batch = []
    if batch:
        deps.queue.enqueue(batch)
        report.dispatched += len(batch)
    return report
