"""The expire tick: no reply in time → expired; a send stuck mid-flight → failed, never resent;
a dispatched follow-up nobody claimed → dispatched again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from followup.domain.followup import FollowUp, Reason, Status
from followup.services.deps import Deps
from followup.services.ports import Change, CommitRejected, FollowUpChange, Phase
from followup.services.settle import end_unsent


@dataclass
class ExpireReport:
    expired: int = 0
    outcome_unknown: int = 0
    redriven: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "expired": self.expired,
            "outcome_unknown": self.outcome_unknown,
            "redriven": self.redriven,
        }


def run_tick(deps: Deps, now: datetime) -> ExpireReport:
    """One expire tick at `now`."""
    report = ExpireReport()
    for followup in deps.store.waiting(Phase.SENT, now):
        expired = followup.moved(Status.EXPIRED, now, Reason.NO_REPLY).model_copy(
            update={"wake_at": None}
        )
        report.expired += _try(deps, [FollowUpChange(expired, followup.status)], now)
    for followup in deps.store.waiting(Phase.SENDING, now):
        report.outcome_unknown += _give_up(deps, followup, now)
    for followup in deps.store.waiting(Phase.DISPATCHED, now):
        again = followup.model_copy(update={"dispatched_at": None, "wake_at": now})
        report.redriven += _try(deps, [FollowUpChange(again, Status.QUEUED)], now)
    return report


def _give_up(deps: Deps, followup: FollowUp, now: datetime) -> int:
    """A claim that never recorded an outcome may have been sent: fail it, never resend."""
    return int(end_unsent(deps, followup, Status.FAILED, Reason.OUTCOME_UNKNOWN, now))


def _try(deps: Deps, changes: list[Change], now: datetime) -> int:
    """1 if committed, 0 if something moved first (the next tick looks again)."""
    try:
        deps.store.commit(changes, now)
    except CommitRejected:
        return 0
    return 1
