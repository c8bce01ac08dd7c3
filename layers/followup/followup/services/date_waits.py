"""Waits until a date attribute when the date is moved earlier.

The tick reads a waiting journey's date again only when its wait ends (see
`journey.ends_now`): a date moved later is found then. A date moved earlier must be found
sooner, or the step after the wait goes on the old date, after the new one. So whoever
writes a contact whose date attribute moved earlier re-times the contact's journeys
waiting for it: their wait ends at the new moment (at once when that has passed), and the
tick goes on from there as from any wait that ended, the send window applying to the
steps after it. A date rule that fires for the new date replaces the journey as usual
(see `date_triggers`). The contact's journeys are read only for such a write.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.conditions import parse_moment
from followup.domain.enrollment import EnrollmentState
from followup.domain.journey import ends_sooner
from followup.services.ports import CommitRejected, EnrollmentChange

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.enrollment import Enrollment
    from followup.services.deps import Deps
    from followup.services.ports import Versioned

_TRIES = 5
"""How often a journey is re-timed again when a tick moved it meanwhile."""


def written(deps: Deps, before: Contact, after: Contact) -> int:
    """The contact was just written (`before` it): when a date attribute moved earlier, its
    journeys waiting until a date end their wait sooner. Returns how many were re-timed."""
    zone = after.zone(deps.catalog.settings().zone)
    if not _moved_earlier(before, after, zone):
        return 0
    now = deps.clock.now()
    waiting = deps.followups.enrollments_of(after.id)
    return sum(_retime(deps, found, after, zone, now) for found in waiting)


def _moved_earlier(before: Contact, after: Contact, zone: ZoneInfo) -> bool:
    """Whether an attribute read as a moment both before and after the write is earlier."""
    for name, text in after.attributes.items():
        old = before.attributes.get(name)
        if old is None or old == text:
            continue
        was, moved = parse_moment(old, zone), parse_moment(text, zone)
        if was is not None and moved is not None and moved < was:
            return True
    return False


def _retime(
    deps: Deps, found: Versioned[Enrollment] | None, contact: Contact, zone: ZoneInfo, now: datetime
) -> bool:
    """End the wait of one journey sooner when it waits for the moved date; True if so."""
    for _ in range(_TRIES):
        if found is None:
            return False
        enrollment = found.item
        planned = enrollment.next_due_at
        rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
        if enrollment.state is not EnrollmentState.ACTIVE or planned is None or rule is None:
            return False
        sooner = ends_sooner(rule, enrollment.step_index, planned, contact, zone, now)
        if sooner is None:
            return False
        change = EnrollmentChange(enrollment.due_sooner(sooner), found.revision, enrollment)
        try:
            deps.commit([change], now)
        except CommitRejected:
            found = deps.followups.enrollment(enrollment.id)
            continue
        return True
    return False
