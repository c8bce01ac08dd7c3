"""Rules that fire on an occurrence, not a silence: a reply's intent, a stage entered, a
custom event from another system.

Whoever records the occurrence enrolls the contact in every active rule whose trigger it
matches and whose conditions hold; an opted-out contact never. The enrollment id names
the rule, the contact and the occurrence (the message's id, the stage entry's time, the
event's id), so a redelivered webhook or event enrolls once. The first step is due after
its wait from the occurrence; the enqueue tick queues it like any due step.

Reads: the cached rule heads and versions; the heads are read fresh only when a cached
rule matches, so a rule just turned off enrolls nobody. An occurrence while its rule is
off, or older than the workspace's `trigger_lookback`, enrolls nobody and is not replayed
later; running enrollments of a rule that is off are held and resumed like any rule's
(`services.holds`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.enrollment import Enrollment, enroll_on
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.rule import Rule, Trigger
from followup.domain.triggers import EventTrigger, StageEnteredTrigger
from followup.services import reentry
from followup.services.ports import CommitRejected, NewEnrollment

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps

Fires = Callable[[Trigger], bool]
FirstDue = Callable[[Rule, ZoneInfo], datetime | None]


def plan(
    deps: Deps,
    contact: Contact,
    fires: Fires,
    occurrence: str,
    began: datetime,
    now: datetime,
    first_due: FirstDue | None = None,
) -> list[Enrollment]:
    """The enrollments one occurrence asks for, not written yet: one per active rule whose
    trigger `fires`, whose conditions hold, that sends from the contact's number and whose
    re-entry policy lets the contact in again. The first step counts from `began`, unless
    `first_due` says when instead (a call back at the time asked)."""
    settings = deps.catalog.settings()
    if contact.opted_out or now - began > settings.trigger_lookback.approx():
        return []
    cached = (deps.catalog.rule(h.rule_id, h.version) for h in deps.catalog.heads())
    if not any(rule is not None and fires(rule.trigger) for rule in cached):
        return []
    zone = contact.zone(settings.zone)
    history = reentry.History(deps, contact.id)
    planned = []
    for head in deps.rules.rule_heads():
        rule = deps.catalog.rule(head.rule_id, head.version) if head.active else None
        if rule is None or not fires(rule.trigger):
            continue
        if not rule.conditions.hold(contact, now, settings.zone):
            continue
        if deps.numbers.refusal(contact.phone_number_id, rule.numbers) is not None:
            continue  # the contact talks to a number the rule does not send from
        try:
            enrolled = enroll_on(rule, contact, occurrence, began, began, now, zone)
            due = first_due(rule, zone) if first_due and enrolled.next_due_at else None
            if due is not None:
                enrolled = enrolled.model_copy(update={"next_due_at": due})
        except RULE_DATA_ERRORS:
            continue  # the rule's own data is broken: the tick reports it on the rule
        if history.refused(rule, enrolled) is None:
            planned.append(enrolled)
    return planned


def commit(deps: Deps, planned: list[Enrollment], now: datetime) -> list[Enrollment]:
    """Write each planned enrollment unless it exists; returns the new ones."""
    written = []
    for enrollment in planned:
        try:
            deps.commit([NewEnrollment(enrollment)], now)
        except CommitRejected:
            continue  # an earlier delivery of the same occurrence enrolled it already
        written.append(enrollment)
    return written


def stage_entered(deps: Deps, contact: Contact, now: datetime) -> list[Enrollment]:
    """`contact` entered its current stage at `stage_changed_at`: enroll it in the rules
    that fire on entering that stage."""
    entered = contact.stage_changed_at or contact.created_at

    def fires(trigger: Trigger) -> bool:
        return isinstance(trigger, StageEnteredTrigger) and trigger.fires_on_stage(contact.stage)

    occurrence = f"stage_entered:{contact.stage}:{entered.astimezone(UTC).isoformat()}"
    return commit(deps, plan(deps, contact, fires, occurrence, entered, now), now)


def event_happened(
    deps: Deps,
    contact: Contact,
    name: str,
    properties: Mapping[str, str],
    event_id: str,
    at: datetime,
    now: datetime,
) -> list[Enrollment]:
    """A custom event `name` happened to `contact` at `at`: enroll it in the rules whose
    event trigger matches the name and properties, once per `event_id`."""

    def fires(trigger: Trigger) -> bool:
        return isinstance(trigger, EventTrigger) and trigger.fires_on_event(name, properties)

    occurrence = f"event:{name}:{event_id}"
    return commit(deps, plan(deps, contact, fires, occurrence, at, now), now)
