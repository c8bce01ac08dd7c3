"""Walking a journey's steps: when a step is due, and where a step that sends nothing leads.

Pure: the enqueue tick applies actions through the services and stores where the
enrollment stands; this module only says when and where.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from followup.domain.conditions import Facts, parse_moment
from followup.domain.contact import Contact
from followup.domain.durations import Duration
from followup.domain.localtime import to_utc, utc
from followup.domain.rule import BranchStep, Rule, Step, WaitStep

DONE = "sequence_done"
"""Why an enrollment that walked past its last step completed."""


@dataclass(frozen=True)
class Exit:
    """The journey cannot go on for this contact, and why."""

    reason: str


def due_at(
    rule: Rule, index: int, start: datetime, contact: Contact, zone: ZoneInfo
) -> datetime | Exit:
    """When the step at `index` is due for an enrollment that reached it at `start`:
    a send after its wait, a wait when it ends, a branch or an action at once."""
    step = rule.steps[index]
    if isinstance(step, Step):
        return step.wait.after(start, zone)
    if isinstance(step, WaitStep):
        return wait_ends(step, start, contact, zone)
    return utc(start)


def wait_ends(step: WaitStep, start: datetime, contact: Contact, zone: ZoneInfo) -> datetime | Exit:
    """The moment a wait that began at `start` ends, in the contact's zone."""
    if step.for_ is not None:
        return step.for_.after(start, zone)
    if step.until_time is not None:
        return next_time_of_day(start, step.until_time, zone)
    name = step.until_attribute or ""
    text = contact.attributes.get(name)
    if text is None:
        return Exit(f"attribute_missing:{name}")
    moment = parse_moment(text, zone)
    if moment is None:
        return Exit(f"attribute_invalid:{name}")
    offset = step.offset or Duration.of(0, "days")
    target = offset.before(moment, zone) if step.before else offset.after(moment, zone)
    if target >= start:
        return target
    if step.before and moment < start:
        return Exit(f"attribute_passed:{name}")
    return utc(start)


def next_time_of_day(start: datetime, hhmm: str, zone: ZoneInfo) -> datetime:
    """The first moment at or after `start` whose wall clock in `zone` reads `hhmm` (a time
    skipped by a DST gap counts as the moment the clocks jumped past it)."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    day = start.astimezone(zone).date()
    for _ in range(3):
        found = to_utc(datetime.combine(day, time(hour, minute)), zone)
        if found >= start:
            return found
        day += timedelta(days=1)
    raise ValueError(f"no {hhmm} after {start.isoformat()} in {zone.key}")


def next_index(rule: Rule, index: int, contact: Contact, facts: Facts) -> int:
    """Where a step that sends nothing leads: a branch to its target, others onward."""
    step = rule.steps[index]
    if not isinstance(step, BranchStep):
        return index + 1
    if step.if_ is None or step.if_.holds(contact, facts):
        return step.then
    return index + 1 if step.else_ is None else step.else_
