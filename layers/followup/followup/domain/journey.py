"""One rule meeting one contact: whether its sequence must stop, and when a step may go.

Enqueue, the sender and the preview ask these same questions; the answers live here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from followup.domain.contact import Contact
from followup.domain.followup import Reason
from followup.domain.gating import gate
from followup.domain.rule import IdleTrigger, Rule
from followup.domain.settings import Gating, WorkspaceSettings


@dataclass(frozen=True)
class Stop:
    """Why a rule's step must not go to a contact.

    `gated` when policy passes this one send by (a hot lead, a cap); otherwise the rule's
    exit conditions hold (opted out, a closed conversation the rule does not send into,
    replied since the silence began, an exit stage).
    """

    reason: Reason
    gated: bool


def must_stop(
    contact: Contact,
    rule: Rule,
    silence_key: str,
    gating: Gating,
    now: datetime,
    *,
    manual: bool = False,
) -> Stop | None:
    """Why the step of `rule` for the silence `silence_key` must not go now, or None."""
    if contact.opted_out:
        return Stop(Reason.OPTED_OUT, gated=False)
    if rule.closed_to(contact):
        return Stop(Reason.CONVERSATION_CLOSED, gated=False)
    if rule.exit.on_reply and contact.replied_since(datetime.fromisoformat(silence_key)):
        return Stop(Reason.REPLIED, gated=False)
    if contact.stage in rule.exit.stages:
        return Stop(Reason.EXIT_STAGE, gated=False)
    blocked = gate(contact, gating, now, manual=manual)
    return Stop(blocked, gated=True) if blocked is not None else None


def first_due(rule: Rule, idle: IdleTrigger, contact: Contact, zone: ZoneInfo) -> datetime:
    """When the first step is due: its wait, from the moment the contact's silence crossed
    the idle time of the rule's trigger."""
    trigger_at = contact.quiet_since + idle.idle.approx()
    return rule.steps[0].wait.after(trigger_at, zone)


def send_at(
    due: datetime, now: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings
) -> datetime:
    """When a step due at `due` goes: never before `now`, at the send window's next opening
    (business hours, blackout days and holidays in the contact's zone)."""
    return next_opening(max(due, now), contact, rule, settings)


def first_send(
    rule: Rule, idle: IdleTrigger, contact: Contact, settings: WorkspaceSettings, now: datetime
) -> datetime:
    """When the first step goes for the contact's current silence, if nothing stops it."""
    due = first_due(rule, idle, contact, contact.zone(settings.zone))
    return send_at(due, now, contact, rule, settings)


def next_opening(
    due: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings
) -> datetime:
    """The first moment at or after `due` when this rule may message this contact."""
    if rule.send_anytime:
        return due
    window = rule.send_window or settings.send_window
    return window.next_opening(due, contact.zone(settings.zone))


def is_open(at: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings) -> bool:
    """Whether this rule may message this contact at `at`."""
    if rule.send_anytime:
        return True
    window = rule.send_window or settings.send_window
    return window.is_open(at, contact.zone(settings.zone))
