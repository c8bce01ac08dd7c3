"""The re-entry policy where contacts enroll: a contact's past enrollments, read once and
only when a rule asks (one that fires on an event and lets contacts in again always
reads nothing; a date rule reads them to end the journey a moved date replaces)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState, reentry_refused, served
from followup.domain.rule import ReentryPolicy, Rule

if TYPE_CHECKING:
    from followup.services.deps import Deps


class History:
    """One contact's enrollments, read (one query) the first time a rule needs them, unless
    the caller read them already (`read`)."""

    def __init__(self, deps: Deps, contact_id: str, read: list[Enrollment] | None = None) -> None:
        self._deps = deps
        self._contact_id = contact_id
        self._past = read

    def refused(self, rule: Rule, candidate: Enrollment) -> str | None:
        """Why `rule`'s re-entry policy keeps `candidate` out (`in_journey`,
        `reentry_never`, `reentry_cooldown`), or None."""
        if rule.reentry.policy is ReentryPolicy.ALWAYS and rule.idle is None:
            return None
        return reentry_refused(candidate, rule, self._read())

    def served(self, candidate: Enrollment) -> str | None:
        """Why the contact's stored enrollment for `candidate`'s own silence keeps the tick
        from starting its journey (`silence_played`, `in_journey`), or None: see
        `enrollment.served`."""
        return served(candidate, self._read())

    def holds(self, candidate: Enrollment) -> bool:
        """Whether `candidate` is enrolled already (the list may lag a write by a moment:
        that write's own condition finds it then)."""
        return any(enrollment.id == candidate.id for enrollment in self._read())

    def running(self, rule_id: str, but: str) -> list[Enrollment]:
        """The contact's running enrollments in the rule (any version) but the one `but`."""
        return [
            e
            for e in self._read()
            if e.rule_id == rule_id and e.id != but and e.state is EnrollmentState.ACTIVE
        ]

    def _read(self) -> list[Enrollment]:
        if self._past is None:
            found = self._deps.followups.enrollments_of(self._contact_id)
            self._past = [enrollment.item for enrollment in found]
        return self._past
