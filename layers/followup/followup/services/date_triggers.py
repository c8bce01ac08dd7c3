"""Rules that fire on a date attribute ("7 days before `renewal_date` at 09:00"), read in
the contact's zone.

An index keyed by due time holds one entry per active date rule and contact that has the
attribute: "rule R fires for contact C at T". Every contact write keeps it (create,
upsert, patch, import, a journey's set_attribute): a new or moved date puts the entry at
its new time, a removed one deletes it. Saving an active date rule, or turning one on,
indexes the contacts whose date is still to come: a one-off walk of the funnel, stage by
stage, a page of `BACKFILL_PAGE` contacts per query and its entries written in batches
(reads and writes grow with the contacts, once, never in a tick). Dates that passed
before (or while the rule was off) are not replayed.

The enqueue tick reads the entries due before the next tick, and only those, so a date
between two ticks goes at its own minute. Each is checked against
the rule's head and the contact read by key: a rule off or deleted, a contact gone, a date
removed or unreadable drops the entry; a date moved later moves it. A date that came
round enrolls the contact once per rule and attribute value (the occurrence), so the same
date never enrolls twice and a changed date arms the rule once more; the entry goes.
Conditions and the opt-out are checked then, and a date older than the workspace's
`trigger_lookback` (a rule saved after it passed) enrolls nobody.

Entries are written after the contact, so a crash in between leaves a contact unindexed
until its next write. A contact written by a container whose rule cache (`Catalog`, one
minute) predates a newly saved rule is indexed on its next write.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.enrollment import enroll_on
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.triggers import DateTrigger
from followup.services import reentry, triggers

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.services.deps import Deps
    from followup.services.ports import RuleHead

BACKFILL_PAGE = 100


def due_for(rule: Rule, contact: Contact, zone: ZoneInfo) -> datetime | None:
    """When `rule`'s date trigger comes round for `contact` (None: never, or not a date rule)."""
    if not isinstance(rule.trigger, DateTrigger) or contact.opted_out:
        return None
    return rule.trigger.due(contact.attributes, contact.zone(zone))


def _date_rules(deps: Deps) -> list[Rule]:
    found = (
        deps.catalog.rule(head.rule_id, head.version)
        for head in deps.catalog.heads()
        if head.active
    )
    return [rule for rule in found if rule is not None and isinstance(rule.trigger, DateTrigger)]


def reindex(deps: Deps, before: Contact | None, after: Contact) -> None:
    """Keep the index true to a contact just written (`before` it, None when new)."""
    rules = _date_rules(deps)
    if not rules:
        return
    zone = deps.catalog.settings().zone
    for rule in rules:
        due = due_for(rule, after, zone)
        if due != (due_for(rule, before, zone) if before is not None else None):
            deps.contacts.set_date_due(rule.id, after.id, due)


def backfill(deps: Deps, rule: Rule, replaced: Rule | None = None) -> int:
    """Index the contacts of the funnel whose date for the active date rule `rule` is still
    to come; returns how many. Dates already past are not replayed: saving or turning on a
    rule never sends its missed reminders all at once. A contact whose moment `replaced`
    (the version this one replaces) still had to come, and this one has passed, loses its
    entry: the old moment must not fire the new version late."""
    if not rule.active or not isinstance(rule.trigger, DateTrigger):
        return 0
    settings = deps.catalog.settings()
    now = deps.clock.now()
    indexed = 0
    for stage in settings.stages:
        cursor: str | None = None
        while True:
            page = deps.contacts.contacts_in(stage, BACKFILL_PAGE, cursor)
            dues: dict[str, datetime | None] = {}
            for contact in page.items:
                due = due_for(rule, contact, settings.zone)
                if due is not None and due > now:
                    dues[contact.id] = due
                    indexed += 1
                    continue
                was = due_for(replaced, contact, settings.zone) if replaced else None
                if was is not None and was > now:
                    dues[contact.id] = None
            if dues:
                deps.contacts.set_dates_due(rule.id, dues)
            if page.cursor is None:
                break
            cursor = page.cursor
    return indexed


def fire_due(deps: Deps, heads: list[RuleHead], now: datetime) -> int:
    """Enroll contacts whose date comes round before the next tick (the horizon), each
    with its first step due at the date itself; returns how many enrolled."""
    current = {head.rule_id: head for head in heads if head.active}
    settings = deps.catalog.settings()
    horizon = deps.timings.horizon(now)
    enrolled = 0
    for entry in deps.contacts.due_dates(horizon):
        head = current.get(entry.rule_id)
        rule = deps.catalog.rule(head.rule_id, head.version) if head else None
        contact_v = deps.contacts.contact(entry.contact_id) if rule else None
        due = due_for(rule, contact_v.item, settings.zone) if rule and contact_v else None
        if rule is not None and contact_v is not None and due is not None:
            if due > horizon:
                deps.contacts.set_date_due(entry.rule_id, entry.contact_id, due)
                continue
            enrolled += _enroll(deps, rule, contact_v.item, due, now)
        # Only the entry as read: a date moved meanwhile has put its next time there.
        deps.contacts.clear_date_due(entry.rule_id, entry.contact_id, entry.due_at)
    return enrolled


def _enroll(deps: Deps, rule: Rule, contact: Contact, due: datetime, now: datetime) -> int:
    """Enroll `contact` for the date that came round at `due`, once per rule and value."""
    settings = deps.catalog.settings()
    trigger = rule.trigger
    if not isinstance(trigger, DateTrigger) or now - due > settings.trigger_lookback.approx():
        return 0
    if not rule.conditions.hold(contact, due, settings.zone):  # as they stand on the date
        return 0
    if deps.numbers.refusal(contact.phone_number_id, rule.numbers) is not None:
        return 0  # the contact talks to a number the rule does not send from
    value = contact.attributes[trigger.attribute].strip()
    zone = contact.zone(settings.zone)
    try:
        planned = enroll_on(rule, contact, f"date:{trigger.attribute}:{value}", due, due, now, zone)
    except RULE_DATA_ERRORS:
        return 0  # the rule's own data is broken, as `triggers.plan` skips it
    if reentry.History(deps, contact.id).refused(rule, planned) is not None:
        return 0  # a moved date is a new occurrence: the rule's re-entry policy decides
    return len(triggers.commit(deps, [planned], now))
