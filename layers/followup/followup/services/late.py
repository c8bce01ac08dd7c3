"""Silences the engine learns of late: enrolled when they arrive, not lost behind a tick.

A tick reads each rule's contacts by the start of their silence, between the rule's
watermarks: those whose silence crosses the idle time up to the next tick (the rule's
watermark after the tick). A message that arrives after the tick whose window held its
silence (a webhook 360dialog retried, a 5-minute rule on an hourly tick) lands behind the
watermark, where no later tick reads; so does one written while a tick runs, after it read
its window and before it moved the watermark. So whoever writes a silence checks, once,
the rules whose watermark, or the horizon of a tick running now, its crossing is not after
and enrolls it there, its first step due at the crossing (which may still be to come).
The enrollment id (rule, contact, silence) makes the write path and a tick that also saw
the silence enroll it once between them.
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


def written(deps: Deps, before: Contact | None, after: Contact) -> int:
    """A contact was just written (`before` it, None when new): a silence it starts, or
    moves, may already be behind a rule's watermark (an import, a message, a stage change
    dated earlier, or one crossing before the next tick). Returns how many enrolled."""
    if before is not None and before.quiet_since == after.quiet_since:
        return 0
    return enroll_late(deps, after, deps.clock.now())


def enroll_late(deps: Deps, contact: Contact, now: datetime) -> int:
    """Enroll `contact` in every active rule whose watermark, or the horizon of a tick
    running now, its silence's crossing of the idle time is not after (within the rule's
    lookback) and whose re-entry policy lets it in again; returns how many are new."""
    settings = deps.catalog.settings()
    # Cached heads may be a minute old: no tick so far has read past this tick's horizon.
    ahead = deps.timings.horizon(now)
    cached = (deps.catalog.rule(h.rule_id, h.version) for h in deps.catalog.heads())
    if contact.opted_out or not any(_behind(r, contact, settings, ahead, now) for r in cached if r):
        return 0
    enrolled = 0
    history = reentry.History(deps, contact.id)
    # Heads read fresh: a rule just turned off must not enroll anyone.
    for head in deps.rules.rule_heads():
        rule = deps.catalog.rule(head.rule_id, head.version)
        # A tick running now may have read its window before this write and not moved its
        # watermark yet: what crosses by its horizon is enrolled here, not left behind it.
        seen = max(head.watermark or ahead, ahead)
        if not head.active or rule is None or not _behind(rule, contact, settings, seen, now):
            continue
        idle = rule.idle
        if idle is None:
            continue
        # Conditions as they stand when the silence crosses, as the tick checks them.
        crosses = contact.quiet_since + idle.idle.approx()
        if not (idle.matches(contact) and rule.conditions.hold(contact, crosses, settings.zone)):
            continue
        if deps.numbers.refusal(contact.phone_number_id, rule.numbers) is not None:
            continue  # the contact talks to a number the rule does not send from
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


def _behind(
    rule: Rule, contact: Contact, settings: WorkspaceSettings, seen: datetime, now: datetime
) -> bool:
    """The silence crosses the rule's idle time no later than `seen` (where the rule's
    ticks have read up to), no longer before `now` than its lookback (the same bound a
    rule's first tick reads back to). A rule that does not fire on idle, or whose data
    cannot be evaluated, has not: one bad rule never fails the message that arrived."""
    if rule.idle is None:
        return False
    try:
        crossed = contact.quiet_since + rule.idle.idle.approx()
        lookback = rule.lookback(settings.trigger_lookback.approx())
        return crossed <= seen and now - crossed <= lookback
    except RULE_DATA_ERRORS:
        return False
