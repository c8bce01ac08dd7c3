"""Sequences of a rule that is off: held at their due step, re-armed when it is on again.

A held enrollment leaves the due index for a sparse index keyed by rule, so ticks never
read it while it waits, and turning the rule on finds its held enrollments by one query.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.services.ports import CommitRejected, EnrollmentChange, Versioned

if TYPE_CHECKING:
    from followup.domain.enrollment import Enrollment
    from followup.services.deps import Deps


def hold(deps: Deps, enrollment_v: Versioned[Enrollment], now: datetime) -> bool:
    """Park a due enrollment of a rule that is off; False if it changed meanwhile."""
    held = enrollment_v.item.hold(now)
    try:
        deps.commit([EnrollmentChange(held, enrollment_v.revision, enrollment_v.item)], now)
    except CommitRejected:
        return False
    return True


def resume(deps: Deps, rule_id: str, now: datetime) -> int:
    """Make the rule's held enrollments due at `now` (one a migration timed later, then);
    the tick then queues each step at its next send opening. Returns how many resumed."""
    resumed = 0
    for enrollment_v in deps.followups.held_enrollments(rule_id):
        change = EnrollmentChange(
            enrollment_v.item.resume(now), enrollment_v.revision, enrollment_v.item
        )
        try:
            deps.commit([change], now)
        except CommitRejected:
            continue  # a reply or a stage change ended it meanwhile
        resumed += 1
    return resumed
