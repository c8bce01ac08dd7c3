"""Delivering journeys' notifications: each pending one whose attempt is due is claimed,
sent, and recorded delivered, or left to a later tick after a longer wait."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.services.ports import DeliveryFailed

if TYPE_CHECKING:
    from followup.services.deadline import Deadline
    from followup.services.deps import Deps

MAX_PER_TICK = 50
"""A tick tries at most this many (each bounded by the notifier's deadline); the rest wait."""


@dataclass
class DeliveryReport:
    delivered: int = 0
    failed: int = 0


def deliver_due(deps: Deps, now: datetime, deadline: Deadline | None = None) -> DeliveryReport:
    """Try the notifications due by `now`; without a notifier they stay pending. Once the
    `deadline` is near, the rest wait for the next tick: a receiving end that never
    answers costs its whole timeout each time, and the tick must still finish."""
    report = DeliveryReport()
    if deps.notifier is None:
        return report
    for n, found in enumerate(deps.notifications.pending_notifications(now)):
        if n == MAX_PER_TICK or (deadline is not None and deadline.near()):
            break
        pending, revision = found.item, found.revision
        # Claimed with the next wait already set, counted from the claim itself (a tick's
        # calls before it took their time): an overlapping tick, or a crash before the
        # outcome is written, tries it again only after that wait.
        claimed_at = deps.clock.now()
        under_way = pending.failed("under way", claimed_at)
        if not deps.notifications.save_notification(under_way, revision):
            continue
        try:
            deps.notifier.deliver(pending, claimed_at)
        except DeliveryFailed as exc:
            failed = pending.failed(str(exc), deps.clock.now())
            deps.notifications.save_notification(failed, revision + 1)
            report.failed += 1
        else:
            deps.notifications.save_notification(pending.delivered(deps.clock.now()), revision + 1)
            report.delivered += 1
    return report
