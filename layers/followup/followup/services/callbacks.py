"""Follow-ups a reply asks for: a call back at the time named, or a nudge after "busy".

The rules with an intent trigger for the reply's intent give the content and the cadence:
the contact is enrolled in each (see `services.triggers`; one id per rule, contact and
message id, so a redelivered webhook enrolls once and two messages stamped the same second
twice) with its journey starting at the send opening on or after the time asked for (call
back, whatever its first step), or its first send after that step's wait (busy). The
enqueue tick queues it like any due step; a later reply ends it when the rule exits on
reply, a later call back in the same second too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.ids import enrollment_id
from followup.domain.intents import Intent
from followup.domain.journey import next_opening
from followup.domain.rule import Step
from followup.domain.triggers import IntentTrigger
from followup.services import triggers

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.enrollment import Enrollment
    from followup.domain.replies import Reading
    from followup.domain.rule import Rule, Trigger
    from followup.services.deps import Deps


def occurrence(message_id: str) -> str:
    """What the follow-ups of the message `message_id` (WhatsApp's `wamid`) are keyed on:
    the message itself, not its time, which WhatsApp gives to the whole second only."""
    return f"message:{message_id}"


def asked_by(enrollment: Enrollment, message_id: str) -> bool:
    """Whether `enrollment` is one the message `message_id` asked for."""
    own = enrollment_id(enrollment.rule_id, enrollment.contact_id, occurrence(message_id))
    return enrollment.id == own


def plan_follow_up(
    deps: Deps,
    reading: Reading,
    contact: Contact,
    message_id: str,
    at: datetime,
    now: datetime,
) -> tuple[Reading, list[Enrollment]]:
    """The enrollments `reading` of the message `message_id` asks for (none when no active
    rule follows its intent up), with the record's effect saying when each goes."""
    intent = reading.follow_up
    if intent is None:
        return reading, []
    if contact.opted_out:
        return _with_effect(reading, "opted out: nothing scheduled", "opted_out"), []
    settings = deps.catalog.settings()
    asked = reading.record.at

    def fires(trigger: Trigger) -> bool:
        return isinstance(trigger, IntentTrigger) and trigger.fires_on_intent(intent)

    def first_due(rule: Rule, zone: ZoneInfo) -> datetime | None:
        """A call back's journey starts at the time asked, whatever its first step (a tag
        or a task before the message waits for it too); a first send goes at the opening
        after its wait. None: the journey's own timing stands."""
        if intent is Intent.CALL_BACK_AT and asked is not None:
            return next_opening(max(asked, now), contact, rule, settings)
        if not isinstance(rule.steps[0], Step):
            return None
        return next_opening(rule.send_step(0).wait.after(at, zone), contact, rule, settings)

    planned = triggers.plan(deps, contact, fires, occurrence(message_id), at, now, first_due)
    if not planned:
        return _with_effect(reading, f"no active rule follows up {intent.value}", "no_rule"), []
    zone = contact.zone(settings.zone)
    effects = [
        f"follow-up {e.rule_id} at {_local(e.next_due_at or now, zone)} {zone.key}" for e in planned
    ]
    return _with_effect(reading, "; ".join(effects), "follow_up_scheduled"), planned


def schedule(deps: Deps, planned: list[Enrollment], now: datetime) -> int:
    """Enroll once each; returns how many are new (none for a redelivered message)."""
    return len(triggers.commit(deps, planned, now))


def _local(at: datetime, zone: ZoneInfo) -> str:
    return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _with_effect(reading: Reading, effect: str, code: str) -> Reading:
    update = {"effect": effect, "effect_code": code}
    return replace(reading, record=reading.record.model_copy(update=update))
