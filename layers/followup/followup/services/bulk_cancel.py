"""Staff cancel unsent follow-ups from the queue, many at once, each on its own."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from followup.domain.followup import Reason, Status
from followup.services.settle import end_unsent

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
    """Each id once, with what became of it: an unsent follow-up (queued, or waiting for its
    template) ends `canceled` by a write conditional on the status it was read in, and its
    journey ends with it (`canceled_by_staff`), so the contact's next silence enrolls
    afresh; one the sender took meanwhile is left alone."""
    return [(each, _cancel(deps, each)) for each in dict.fromkeys(followup_ids)]


def _cancel(deps: Deps, followup_id: str) -> Outcome:
    found = deps.followups.followup(followup_id)
    if found is None:
        return Outcome.NOT_FOUND
    if found.status.unsent:
        now = deps.clock.now()
        if end_unsent(deps, found, Status.CANCELED, Reason.CANCELED_BY_STAFF, now):
            return Outcome.CANCELLED
        found = deps.followups.followup(followup_id) or found
    return Outcome.ALREADY_SENT if found.status in _GONE_OUT else Outcome.ALREADY_ENDED
