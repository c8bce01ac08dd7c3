"""The expire tick: no reply in time → expired; a send stuck mid-flight → failed, never resent;
a dispatched follow-up nobody claimed → dispatched again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.followup import FollowUp, Reason, Status
from followup.services.ports import Change, CommitRejected, FollowUpChange, Phase
from followup.services.settle import end_unsent

if TYPE_CHECKING:
    from followup.services.deps import Deps


@dataclass
class ExpireReport:
    expired: int = 0
    opted_out: int = 0
    outcome_unknown: int = 0
    redriven: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "expired": self.expired,
            "opted_out": self.opted_out,
            "outcome_unknown": self.outcome_unknown,
            "redriven": self.redriven,
        }


def run_tick(deps: Deps, now: datetime) -> ExpireReport:
    """One expire tick at `now`."""
    report = ExpireReport()
    for followup in deps.followups.waiting(Phase.SENT, now):
        status, reason = _unanswered(deps, followup)
        ended = followup.ended(status, now, reason)
        done = _try(deps, [FollowUpChange(ended, followup.status)], now)
        if status is Status.OPTED_OUT:
            report.opted_out += done
        else:
            report.expired += done
    for followup in deps.followups.waiting(Phase.SENDING, now):
        report.outcome_unknown += _give_up(deps, followup, now)
    for followup in deps.followups.waiting(Phase.DISPATCHED, now):
        again = followup.redriven(now)
        report.redriven += _try(deps, [FollowUpChange(again, Status.QUEUED)], now)
    return report


def _unanswered(deps: Deps, followup: FollowUp) -> tuple[Status, str]:
    """Expired, unless its contact opted out by the end of its attribution window: a STOP
    heard while it was being sent (the sender died before settling it) still counts.

    Read eventually consistently (half the price): a STOP too recent for that read to see
    settled the follow-up itself when it came within the window (services.inbound), so the
    write below is refused, and one after the window expires it all the same."""
    contact_v = deps.contacts.contact(followup.contact_id, consistent=False)
    if contact_v is None or not contact_v.item.opted_out:
        return Status.EXPIRED, Reason.NO_REPLY
    stopped_at, sent_at = contact_v.item.opted_out_at, followup.sent_at
    attribution = deps.catalog.settings().attribution_window.approx()
    if stopped_at and sent_at and stopped_at > sent_at + attribution:
        return Status.EXPIRED, Reason.NO_REPLY
    return Status.OPTED_OUT, Reason.OPTED_OUT


def _give_up(deps: Deps, followup: FollowUp, now: datetime) -> int:
    """A claim that never recorded an outcome may have been sent: fail it, never resend."""
    return int(end_unsent(deps, followup, Status.FAILED, Reason.OUTCOME_UNKNOWN, now))


def _try(deps: Deps, changes: list[Change], now: datetime) -> int:
    """1 if committed, 0 if something moved first (the next tick looks again)."""
    try:
        deps.commit(changes, now)
    except CommitRejected:
        return 0
    return 1
