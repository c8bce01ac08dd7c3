"""The enqueue tick: enroll contacts whose silence just crossed a rule's idle time, and
queue the steps of enrollments that became due. Reads grow with due work, not contacts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from followup.domain.enrollment import Enrollment, EnrollmentState, enroll
from followup.domain.rule import Rule
from followup.domain.settings import WorkspaceSettings
from followup.services import holds
from followup.services.deps import Deps
from followup.services.planning import Outcome, advance, ended
from followup.services.ports import (
    CommitRejected,
    EnrollmentChange,
    NewEnrollment,
    RuleHead,
    Versioned,
)


@dataclass
class EnqueueReport:
    enrolled: int = 0
    held: int = 0
    resumed: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)

    def count(self, outcome: Outcome, reason: str | None) -> None:
        self.outcomes[outcome.value] += 1
        if reason:
            self.reasons[f"{outcome.value}:{reason}"] += 1

    def as_dict(self) -> dict[str, object]:
        return {
            "enrolled": self.enrolled,
            "held": self.held,
            "resumed": self.resumed,
            **self.outcomes,
            "reasons": dict(self.reasons),
        }


def run_tick(deps: Deps, now: datetime) -> EnqueueReport:
    """One enqueue tick at `now`."""
    report = EnqueueReport()
    settings = deps.catalog.settings()
    # Heads are read fresh: their watermarks must not come from a cache.
    heads = deps.store.rule_heads()
    for head in heads:
        rule = deps.catalog.rule(head.rule_id, head.version)
        if head.active and rule is not None:
            # Catches holds that raced with turning the rule on; normally reads nothing.
            report.resumed += holds.resume(deps, head.rule_id, now)
            _enroll_newly_quiet(deps, rule, head, settings, now, report)
    off = {head.rule_id for head in heads if not head.active}
    for enrollment_v in deps.store.due_enrollments(now):
        if enrollment_v.item.rule_id in off:
            report.held += holds.hold(deps, enrollment_v, now)
        else:
            _advance(deps, enrollment_v, now, report)
    return report


def _enroll_newly_quiet(
    deps: Deps,
    rule: Rule,
    head: RuleHead,
    settings: WorkspaceSettings,
    now: datetime,
    report: EnqueueReport,
) -> None:
    """Contacts whose silence crossed the idle time since this rule's last tick."""
    idle = rule.trigger.idle.approx()
    until = now - idle
    if head.watermark is not None:
        after = head.watermark - idle
    else:
        after = until - rule.lookback(settings.trigger_lookback.approx())
    if rule.trigger.max_idle is not None:
        after = max(after, now - rule.trigger.max_idle.approx())
    if after >= until:
        return
    for stage in rule.trigger.stages or settings.stages:
        for contact_v in deps.store.quiet_contacts(stage, after, until):
            contact = contact_v.item
            if not (rule.trigger.matches(contact) and rule.conditions.hold(contact, now)):
                continue
            enrollment = enroll(rule, contact, contact.zone(settings.zone), now)
            try:
                deps.store.commit([NewEnrollment(enrollment)], now)
            except CommitRejected:
                continue  # enrolled for this silence already (an overlapping tick)
            report.enrolled += 1
            if enrollment.next_due_at is not None and enrollment.next_due_at <= now:
                _advance(deps, Versioned(enrollment, 1), now, report)
    deps.store.advance_watermark(rule.id, head.watermark, now)


def _advance(
    deps: Deps, enrollment_v: Versioned[Enrollment], now: datetime, report: EnqueueReport
) -> None:
    enrollment = enrollment_v.item
    contact_v = deps.store.contact(enrollment.contact_id)
    if contact_v is None:
        gone = ended(enrollment, "contact_deleted", EnrollmentState.EXITED)
        deps.store.commit([EnrollmentChange(gone, enrollment_v.revision)], now)
        return
    rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
    report.count(*advance(deps, enrollment_v, contact_v, rule, now))
