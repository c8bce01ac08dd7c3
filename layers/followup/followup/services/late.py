"""Silences the engine learns of late: enrolled when they arrive, not lost behind a tick.

A tick reads each rule's contacts by the start of their silence, between the rule's
watermarks. A message that arrives after the tick whose window held its silence (a
webhook 360dialog retried, a 5-minute rule on an hourly tick) lands behind the
watermark, where no later tick reads. So whoever writes a silence checks, once, the
rules whose idle time it has already passed and enrolls it there. The enrollment id
(rule, contact, silence) makes the write path and a tick that also saw the silence
enroll it once between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import enroll
from followup.domain.errors import RULE_DATA_ERRORS
from followup.services import reentry
from followup.services.ports import CommitRejected, NewEnrollment

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps


def enroll_late(deps: Deps, contact: Contact, now: datetime) -> int:
    """Enroll `contact` in every active rule whose idle time its silence has already
    passed (within the rule's lookback) and whose re-entry policy lets it in again;
    returns how many enrollments are new."""
    settings = deps.catalog.settings()
    cached = (deps.catalog.rule(h.rule_id, h.version) for h in deps.catalog.heads())
    if contact.opted_out or not any(_passed(r, contact, settings, now) for r in cached if r):
        return 0
    enrolled = 0
    history = reentry.History(deps, contact.id)
    # Heads read fresh: a rule just turned off must not enroll anyone.
    for head in deps.rules.rule_heads():
        rule = deps.catalog.rule(head.rule_id, head.version)
        if not head.active or rule is None or not _passed(rule, contact, settings, now):
            continue
        idle = rule.idle
        if idle is None or not (
            idle.matches(contact) and rule.conditions.hold(contact, now, settings.zone)
        ):
            continue
        try:
            enrollment = enroll(rule, idle, contact, contact.zone(settings.zone), now)
        except RULE_DATA_ERRORS:
            continue  # the rule's own data is broken: the tick reports it on the rule
        if history.refused(rule, enrollment) is not None:
            continue
        try:
            deps.commit([NewEnrollment(enrollment)], now)
        except CommitRejected:
            continue  # a tick, or an earlier delivery, enrolled this silence already
        enrolled += 1
    return enrolled


def _passed(rule: Rule, contact: Contact, settings: WorkspaceSettings, now: datetime) -> bool:
    """The silence crossed the rule's idle time before `now`, no longer ago than its
    lookback (the same bound a rule's first tick reads back to). A rule that does not fire
    on idle, or whose data cannot be evaluated, has not: one bad rule never fails the
    message that arrived."""
    if rule.idle is None:
        return False
    try:
        crossed = contact.quiet_since + rule.idle.idle.approx()
        return crossed <= now and now - crossed <= rule.lookback(settings.trigger_lookback.approx())
    except RULE_DATA_ERRORS:
        return False
