"""Staff cancel queued follow-ups from the queue, many at once, each on its own."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from followup.domain.followup import Reason, Status
from followup.services.ports import CommitRejected, FollowUpChange

if TYPE_CHECKING:
    from collections.abc import Sequence

    from followup.services.deps import Deps


class Outcome(StrEnum):
    CANCELLED = "cancelled"
    ALREADY_SENT = "already_sent"
    ALREADY_ENDED = "already_ended"
    NOT_FOUND = "not_found"


_GONE_OUT = frozenset(
    {Status.SENDING, Status.SENT, Status.DELIVERED, Status.READ, Status.RESPONDED, Status.EXPIRED}
)


def cancel_queued(deps: Deps, followup_ids: Sequence[str]) -> list[tuple[str, Outcome]]:
    """Each id with what became of it: a queued follow-up ends `canceled` by a write
    conditional on it still being queued; one the sender took meanwhile is left alone."""
    return [(followup_id, _cancel(deps, followup_id)) for followup_id in followup_ids]


def _cancel(deps: Deps, followup_id: str) -> Outcome:
    found = deps.followups.followup(followup_id)
    if found is None:
        return Outcome.NOT_FOUND
    if found.status is Status.QUEUED:
        now = deps.clock.now()
        canceled = found.ended(Status.CANCELED, now, Reason.CANCELED_BY_STAFF)
        try:
            deps.commit([FollowUpChange(canceled, Status.QUEUED)], now)
        except CommitRejected:
            found = deps.followups.followup(followup_id) or found
        else:
            return Outcome.CANCELLED
    return Outcome.ALREADY_SENT if found.status in _GONE_OUT else Outcome.ALREADY_ENDED
