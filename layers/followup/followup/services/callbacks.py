"""Follow-ups a reply asks for: a call back at the time named, or a nudge after "busy".

The rule the settings name gives the content and the cadence: the contact is enrolled in
it for the silence this message starts (one id per rule, contact and message time, so a
redelivered webhook enrolls once) with its first step due at the send opening on or after
the time asked for (call back), or after the first step's wait (busy). The enqueue tick
queues it like any due step; a later reply ends it when the rule exits on reply.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from followup.domain.contact import Contact
from followup.domain.enrollment import Enrollment
from followup.domain.ids import enrollment_id
from followup.domain.intents import Intent
from followup.domain.journey import Exit, due_at
from followup.domain.replies import Reading
from followup.services.deps import Deps
from followup.services.planning import next_opening
from followup.services.ports import CommitRejected, NewEnrollment


def plan_follow_up(
    deps: Deps, reading: Reading, contact: Contact, at: datetime, now: datetime
) -> tuple[Reading, Enrollment | None]:
    """The enrollment `reading` asks for (None when its rule is missing or off), with the
    record's effect saying when it goes."""
    name = reading.follow_up_rule
    if name is None:
        return reading, None
    settings = deps.catalog.settings()
    head = next((h for h in deps.catalog.heads() if h.rule_id == name), None)
    rule = deps.catalog.rule(name, head.version) if head is not None and head.active else None
    if rule is None:
        return _with_effect(reading, f"rule {name} is missing or off: nothing scheduled"), None
    if contact.opted_out:
        return _with_effect(reading, "opted out: nothing scheduled"), None
    zone = contact.zone(settings.zone)
    asked = reading.record.at
    if reading.record.intent is Intent.CALL_BACK_AT and asked is not None:
        due = max(asked, now)
    else:
        first = due_at(rule, 0, at, contact, zone)
        if isinstance(first, Exit):
            return _with_effect(reading, f"rule {name} cannot start: {first.reason}"), None
        due = first
    goes = next_opening(due, contact, rule, settings)
    silence = at.astimezone(UTC).isoformat()
    enrollment = Enrollment(
        id=enrollment_id(rule.id, contact.id, silence),
        rule_id=rule.id,
        rule_version=rule.version,
        contact_id=contact.id,
        silence_key=silence,
        enrolled_at=now,
        next_due_at=goes,
    )
    local = goes.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    return _with_effect(reading, f"follow-up {rule.id} at {local} {zone.key}"), enrollment


def schedule(deps: Deps, enrollment: Enrollment, now: datetime) -> bool:
    """Enroll once; False when an earlier delivery of the same message already did."""
    try:
        deps.commit([NewEnrollment(enrollment)], now)
    except CommitRejected:
        return False
    return True


def _with_effect(reading: Reading, effect: str) -> Reading:
    return replace(reading, record=reading.record.model_copy(update={"effect": effect}))
