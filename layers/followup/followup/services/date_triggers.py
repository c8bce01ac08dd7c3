"""Rules that fire on a date attribute ("7 days before `renewal_date` at 09:00"), read in
the contact's zone.

An index keyed by due time holds one entry per active date rule and contact that has the
attribute: "rule R fires for contact C at T". Every contact write keeps it (create,
upsert, patch, import, a journey's set_attribute): a new or moved date puts the entry at
its new time, a removed one deletes it. Saving an active date rule, turning one on, or
moving the workspace to another zone indexes the contacts whose date is still to come: a
one-off walk of the funnel, stage by stage, a page of `BACKFILL_PAGE` contacts per query
and its entries written in batches (reads and writes grow with the contacts, once). The
request walks for `SAVE_TIME` seconds and leaves its place on the rule's head; each
enqueue tick walks on from there for up to `TICK_TIME`, until done. Saving the rule again
starts the walk over; a rule off is not walked (turning it on starts over, clearing the
entries of the versions saved over meanwhile too). A new zone marks each rule's walk to
start over before the zone is saved, so a request that fails midway leaves it to the
ticks. Entries are keyed by rule and contact, so a page walked twice writes the same
entries again. A contact created meanwhile is indexed by its write; one whose stage
changes while the rule is walked, by that write too (it may land in a stage already
walked). Dates that passed before (or while the rule was off) are not replayed.

The enqueue tick reads the entries due before the next tick, and only those, so a date
between two ticks goes at its own minute. Each is checked against
the rule's head and the contact read by key: a rule off or deleted, a contact gone, a date
removed or unreadable drops the entry, and so does a moment an edit moved earlier, into
the past, before the walk reached the contact (but for an entry written before a contact
without their own zone was read in their number's: it goes at its moment); a date moved
later moves it. A date that came round enrolls the contact once per rule and attribute
value (the occurrence), so the same date never enrolls twice and a changed date arms the
rule once more (ending the contact's journey in the rule for the date before, if it still
runs); the entry goes.
Conditions and the opt-out are checked then, and a date older than the workspace's
`trigger_lookback` (a rule saved after it passed) enrolls nobody; nor does a reminder
before a date that has itself come (a contact written on or after it), while a moment
just missed with the date still ahead goes at once, and one whose journey has a message
for the date's own day enrolls while that day lasts (`too_late`).

Entries are written after the contact, so a crash in between leaves a contact unindexed
until its next write. A contact written by a container whose rule cache (`Catalog`, one
minute) predates a newly saved rule is indexed on its next write.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.conditions import parse_moment
from followup.domain.enrollment import Enrollment, enroll_on
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.followup import Status
from followup.domain.journey import still_for_the_date
from followup.domain.triggers import DateTrigger
from followup.services import reentry, triggers
from followup.services.settle import end_enrollment, end_unsent

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deadline import Deadline
    from followup.services.deps import Deps
    from followup.services.ports import RuleHead

BACKFILL_PAGE = 100
SAVE_TIME = 10.0
"""Seconds a request that starts a rule's indexing walks before it answers (API Gateway
gives a request 30)."""
TICK_TIME = 60.0
"""Seconds an enqueue tick walks on with the rules' indexing, at most (its function has
300, and the deadline stops it sooner)."""


def due_for(rule: Rule, contact: Contact, zone: ZoneInfo) -> datetime | None:
    """When `rule`'s date trigger comes round for `contact` (None: never, or not a date rule)."""
    if not isinstance(rule.trigger, DateTrigger) or contact.opted_out:
        return None
    return rule.trigger.due(contact.attributes, contact.zone(zone))


def date_rules(deps: Deps) -> list[tuple[Rule, bool]]:
    """The active date rules, each with whether its indexing is under way."""
    found = (
        (deps.catalog.rule(head.rule_id, head.version), head.backfill is not None)
        for head in deps.catalog.heads()
        if head.active
    )
    return [
        (rule, walking)
        for rule, walking in found
        if rule is not None and isinstance(rule.trigger, DateTrigger)
    ]


def reindex(deps: Deps, before: Contact | None, after: Contact) -> None:
    """Keep the index true to a contact just written (`before` it, None when new). While a
    rule's indexing walks the funnel, a contact that changed stage is indexed here: it may
    have moved into a stage the walk has passed. A moment already past is indexed (to go
    at the next tick) only for a date written late: one a zone or a stage moved into the
    past, its date as it was, is not replayed, as the walk replays none."""
    rules = date_rules(deps)
    if not rules:
        return
    zone = deps.catalog.settings().zone
    now = deps.clock.now()
    for rule, walking in rules:
        due = due_for(rule, after, zone)
        was = due_for(rule, before, zone) if before is not None else None
        moved = walking and before is not None and before.stage != after.stage
        if due == was and not (moved and due is not None):
            continue
        if (
            due is not None
            and due <= now
            and before is not None
            and isinstance(rule.trigger, DateTrigger)
            and same_date(rule.trigger.attribute, before, after, zone)
        ):
            if due == was:
                continue  # its entry stands: one written late still goes, none is made
            due = None  # moved into the past by a zone: dropped, not replayed
        deps.contacts.set_date_due(rule.id, after.id, due)


def same_date(attribute: str, before: Contact, after: Contact, zone: ZoneInfo) -> bool:
    """Whether `after` holds the date `before` held in `attribute`, however written
    ("2026-12-10" and "2026-12-10T00:00:00" are one), read in the contact's zone as it
    was (the workspace's `zone` for one without its own)."""
    said, says = before.attributes.get(attribute), after.attributes.get(attribute)
    if said is None or says is None:
        return said == says
    read_in = before.zone(zone)
    return said == says or parse_moment(said, read_in) == parse_moment(says, read_in)


@dataclass(frozen=True)
class _Place:
    """Where a rule's indexing goes on: the `stage` (None: the funnel's first) and the page
    `after` which, and the earlier versions whose entries contacts not walked yet may
    still hold (`replaced`)."""

    stage: str | None
    after: str | None
    replaced: tuple[int, ...]

    def dump(self) -> str:
        return json.dumps({"stage": self.stage, "after": self.after, "replaced": self.replaced})

    @classmethod
    def load(cls, text: str | None) -> _Place:
        held = json.loads(text) if text else {}
        return cls(held.get("stage"), held.get("after"), tuple(held.get("replaced", ())))


def for_seconds(duration: float) -> Callable[[], bool]:
    """Whether time is left, `duration` seconds from now."""
    deadline = time.monotonic() + duration
    return lambda: time.monotonic() < deadline


def backfill(
    deps: Deps,
    rule: Rule,
    replaced: Rule | None = None,
    before: RuleHead | None = None,
    time_left: Callable[[], bool] | None = None,
) -> bool:
    """Start over the indexing of the contacts whose date for the active date rule `rule`
    is still to come (the version its head names), for as long as `time_left()` (by
    default `SAVE_TIME` from now; a page at least); the enqueue ticks walk on. True when
    done (or nothing to do), False when the ticks go on.

    Dates already past are not replayed: saving or turning on a rule never sends its
    missed reminders all at once. A contact whose moment `replaced` (the version this one
    replaces) still had to come, and this one has passed, loses its entry: the old moment
    must not fire the new version late. `before` is the rule's head before a save: the
    versions its unfinished walk had yet to clear are cleared too.

    A rule saved off is not walked, but its head keeps the versions to clear (the one
    replaced, and those a walk had yet to clear), so switching it on clears them: an
    edit made while it was off fires no old moment late either."""
    head = deps.rules.rule_head(rule.id)
    if head is None or head.version != rule.version:
        return True  # saved again meanwhile: that save indexes
    if not isinstance(rule.trigger, DateTrigger):
        return True
    start = _start(head, replaced, before)
    if not rule.active:
        if head.backfill is None and _Place.load(start).replaced:
            deps.rules.move_backfill(rule.id, rule.version, None, start)
        return True
    if not deps.rules.move_backfill(rule.id, rule.version, head.backfill, start):
        return False
    return _walk(deps, rule, start, time_left or for_seconds(SAVE_TIME))


def _start(head: RuleHead, replaced: Rule | None = None, before: RuleHead | None = None) -> str:
    """The place a walk starts over from: the funnel's first page, with the versions the
    head (or, just after a save, the head `before` it) had yet to clear, and `replaced`."""
    earlier = _Place.load(head.backfill or (before.backfill if before else None)).replaced
    versions = (*earlier, replaced.version) if replaced is not None else earlier
    return _Place(None, None, tuple(sorted(set(versions)))).dump()


def start_over_all(deps: Deps) -> None:
    """Mark every active date rule's indexing to start over from the funnel's first page,
    walking nothing (a write each): done before a new workspace zone is saved, the ticks
    walk each rule with the new zone even when the request that saves it stops midway."""
    for head in deps.rules.rule_heads():
        rule = deps.catalog.rule(head.rule_id, head.version) if head.active else None
        if rule is not None and isinstance(rule.trigger, DateTrigger):
            deps.rules.move_backfill(rule.id, rule.version, head.backfill, _start(head))


def restart_all(deps: Deps) -> None:
    """Start over the indexing of every active date rule, `SAVE_TIME` in all (a page each
    at least): the workspace moved to another zone, and the dates of contacts without
    their own come round at other moments."""
    time_left = for_seconds(SAVE_TIME)
    for head in deps.rules.rule_heads():
        rule = deps.catalog.rule(head.rule_id, head.version) if head.active else None
        if rule is not None and isinstance(rule.trigger, DateTrigger):
            on = rule.model_copy(update={"active": True})  # as its head says: switched on
            backfill(deps, on, time_left=time_left)


def walk_on(deps: Deps, heads: Sequence[RuleHead], deadline: Deadline | None = None) -> None:
    """Walk on with the indexing of each active rule under way, for up to `TICK_TIME` (a
    page each at least) and never past `deadline`."""
    within = for_seconds(TICK_TIME)

    def time_left() -> bool:
        return within() and not (deadline is not None and deadline.near())

    for head in heads:
        if not head.active or head.backfill is None:
            continue
        if deadline is not None and deadline.near():
            return
        rule = deps.catalog.rule(head.rule_id, head.version)
        if rule is None or not isinstance(rule.trigger, DateTrigger):
            deps.rules.move_backfill(head.rule_id, head.version, head.backfill, None)
            continue
        _walk(deps, rule, head.backfill, time_left)


def _walk(deps: Deps, rule: Rule, held: str, time_left: Callable[[], bool]) -> bool:
    """Index the funnel from the place `held`, a page at a time while `time_left()` (one
    page at least), leaving the place on the rule's head after each. True when done; False
    when out of time, or when a save or another walk moved the place first."""
    settings = deps.catalog.settings()
    stages = settings.stages
    place = _Place.load(held)
    found = (deps.catalog.rule(rule.id, version) for version in place.replaced)
    replaced = [old for old in found if old is not None]
    known = place.stage is not None and place.stage in stages
    stage = stages.index(place.stage) if place.stage is not None and known else 0
    after = place.after if known else None  # a stage gone from the funnel: start over
    walked = False
    while stage < len(stages):
        if walked and not time_left():
            return False
        page = deps.contacts.contacts_in(stages[stage], BACKFILL_PAGE, after)
        walked = True
        _index(deps, rule, replaced, page.items, settings.zone)
        after = page.cursor
        if after is None:
            stage += 1
        moved = _Place(stages[stage], after, place.replaced) if stage < len(stages) else None
        to = moved.dump() if moved is not None else None
        if not deps.rules.move_backfill(rule.id, rule.version, held, to):
            return False
        if to is None:
            return True
        held = to
    return deps.rules.move_backfill(rule.id, rule.version, held, None)


def _index(
    deps: Deps, rule: Rule, replaced: list[Rule], contacts: list[Contact], zone: ZoneInfo
) -> None:
    """Write the entries of a page of contacts: the due ones still to come, and the removal
    of those a replaced version's moment still to come put there."""
    now = deps.clock.now()
    dues: dict[str, datetime | None] = {}
    for contact in contacts:
        due = due_for(rule, contact, zone)
        if due is not None and due > now:
            dues[contact.id] = due
        elif any(_still_to_come(due_for(old, contact, zone), now) for old in replaced):
            dues[contact.id] = None
    if dues:
        deps.contacts.set_dates_due(rule.id, dues)


def _still_to_come(due: datetime | None, now: datetime) -> bool:
    return due is not None and due > now


def fire_due(deps: Deps, heads: list[RuleHead], now: datetime, reasons: Counter[str]) -> int:
    """Enroll contacts whose date comes round before the next tick (the horizon), each
    with its first step due at the date itself; returns how many enrolled, and counts in
    `reasons` those a reminder before their date reaches too late. An entry whose
    moment an edit (of the rule, or of the workspace's zone) moved earlier, to one already
    past, before the indexing reached it enrolls nobody: the old moment never fires the
    new one late. One written before contacts without their own zone were read in their
    number's enrolls at its moment (`_as_indexed`)."""
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
            if due < entry.due_at and due < now:  # moved earlier, into the past
                due = _as_indexed(rule, contact_v.item, entry.due_at, settings.zone)
            if due is not None:
                enrolled += _enroll(deps, rule, contact_v.item, due, now, reasons)
        # Only the entry as read: a date moved meanwhile has put its next time there.
        deps.contacts.clear_date_due(entry.rule_id, entry.contact_id, entry.due_at)
    return enrolled


def _as_indexed(rule: Rule, contact: Contact, indexed: datetime, zone: ZoneInfo) -> datetime | None:
    """`indexed`, the moment an entry was written for, when the contact's date read in the
    workspace's `zone` still gives it, though read in the zone their number places them in
    it comes earlier (and has gone by): the entry was written before a contact without
    their own zone was read in their number's, for the date and rule as they are now. The
    reminder goes at the entry's moment, as it would have then, not lost to a zone no one
    changed. None otherwise: an edit moved the moment earlier, and the old one never fires
    the new one late."""
    if contact.timezone is not None or not isinstance(rule.trigger, DateTrigger):
        return None
    return indexed if rule.trigger.due(contact.attributes, zone) == indexed else None


def _enroll(
    deps: Deps, rule: Rule, contact: Contact, due: datetime, now: datetime, reasons: Counter[str]
) -> int:
    """Enroll `contact` for the date that came round at `due`, once per rule and value.
    A reminder before the date, its moment missed (the contact written late), goes within
    the lookback while the date is still ahead; once the date itself has come, it would
    tell of a date gone: only the journey's steps for the date itself or after it go, on
    a day not over yet (the sender passes the others by, `journey.date_passed`), and a
    journey with none is counted `not_enrolled:attribute_passed:<name>`."""
    settings = deps.catalog.settings()
    trigger = rule.trigger
    if not isinstance(trigger, DateTrigger):
        return 0
    zone = contact.zone(settings.zone)
    late = too_late(rule, trigger, contact, due, now, settings)
    if late is not None:
        if late != LOOKBACK:
            reasons[f"not_enrolled:{late}"] += 1
        return 0
    if not lets_in(deps, rule, contact, due):
        return 0
    try:
        planned = date_enrollment(rule, trigger, contact, due, now, zone)
    except RULE_DATA_ERRORS:
        return 0  # the rule's own data is broken, as `triggers.plan` skips it
    history = reentry.History(deps, contact.id)
    if history.refused(rule, planned) is not None:
        return 0  # a moved date is a new occurrence: the rule's re-entry policy decides
    written = triggers.commit(deps, [planned], now)
    # Also when an earlier try enrolled it: that try may have stopped before this.
    replaced = history.running(rule.id, but=planned.id)
    _end_replaced(deps, replaced, f"attribute_changed:{trigger.attribute}", now)
    return len(written)


LOOKBACK = "lookback"
"""Why a date enrolls nobody: it came round longer ago than the workspace's
`trigger_lookback` (a rule saved after it passed), which the tick does not count."""


def too_late(
    rule: Rule,
    trigger: DateTrigger,
    contact: Contact,
    due: datetime,
    now: datetime,
    settings: WorkspaceSettings,
) -> str | None:
    """Why the date that came round at `due` enrolls `contact` no more at `now`: longer
    ago than the lookback (`LOOKBACK`), or a reminder before a date that has itself come
    (`attribute_passed:<name>`). A journey that still has a message for the date
    (`journey.still_for_the_date`) enrolls, whatever the lookback: its steps for the
    date go, the sender passing the others by. None: it enrolls."""
    zone = contact.zone(settings.zone)
    passed = trigger.passed(contact.attributes, zone, now)
    if passed and still_for_the_date(rule, contact, zone, now):
        return None
    if now - due > settings.trigger_lookback.approx():
        return LOOKBACK
    return f"attribute_passed:{trigger.attribute}" if passed else None


def lets_in(deps: Deps, rule: Rule, contact: Contact, due: datetime) -> bool:
    """Whether `rule` takes `contact` for the date that comes round at `due`, as far as the
    contact tells: its conditions hold as the contact stands on the date, and the contact
    talks to a number the rule sends from."""
    if not rule.conditions.hold(contact, due, deps.catalog.settings().zone):
        return False
    return deps.numbers.refusal(contact.phone_number_id, rule.numbers) is None


def date_enrollment(
    rule: Rule, trigger: DateTrigger, contact: Contact, due: datetime, now: datetime, zone: ZoneInfo
) -> Enrollment:
    """`contact` in `rule` for the date that comes round at `due`: one occurrence per date,
    its first step counted from `due`. A date is one however it is written: a local
    midnight as its day (a CRM writing "2026-12-08" back as "2026-12-08T00:00:00" names
    the same renewal); a moment with another time as written."""
    value = contact.attributes[trigger.attribute].strip()
    moment = parse_moment(value, zone)
    local = moment.astimezone(zone) if moment is not None else None
    if local is not None and local.time() == datetime.min.time():
        value = local.date().isoformat()
    return enroll_on(rule, contact, f"date:{trigger.attribute}:{value}", due, due, now, zone)


def _end_replaced(deps: Deps, replaced: list[Enrollment], reason: str, now: datetime) -> None:
    """A date rule's journey serves one date: those of the contact in the rule for a date
    it no longer has end as the new date's starts, their queued follow-ups canceled, so
    nothing meant for the old date goes, nor twice for the new one."""
    if not replaced:
        return
    ids = {enrollment.id for enrollment in replaced}
    for followup in deps.followups.followups_of(replaced[0].contact_id):
        if followup.enrollment_id in ids and followup.status.unsent:
            end_unsent(deps, followup, Status.CANCELED, reason, now)
    for enrollment in replaced:
        end_enrollment(deps, enrollment.id, reason, now)
