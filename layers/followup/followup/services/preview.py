"""What a rule would do if switched on now: who it enrolls, when each message would go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from followup.domain.gating import gate
from followup.domain.journey import Exit, due_at
from followup.domain.rule import Rule
from followup.services.deps import Deps
from followup.services.planning import next_opening

HOUR, DAY = timedelta(hours=1), timedelta(days=1)


@dataclass(frozen=True)
class Planned:
    """`send_at`: when the first step goes (a journey's first wait ends, or it starts)."""

    contact_id: str
    name: str
    send_at: datetime


@dataclass(frozen=True)
class Preview:
    now_count: int
    planned: list[Planned]
    next_hour: int
    next_day: int


def preview(deps: Deps, rule: Rule, sample: int = 100) -> Preview:
    """Contacts the rule would enroll at once, and how many more join in the next hour/day."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    idle = rule.trigger.idle.approx()
    lookback = rule.lookback(settings.trigger_lookback.approx())
    planned: list[Planned] = []
    later: list[datetime] = []
    for stage in rule.trigger.stages or settings.stages:
        for contact_v in deps.contacts.quiet_contacts(
            stage, now - idle - lookback, now + DAY - idle
        ):
            contact = contact_v.item
            if not (
                rule.trigger.matches(contact) and rule.conditions.hold(contact, now, settings.zone)
            ):
                continue
            if gate(contact, settings.gating, now) is not None:
                continue
            trigger_at = contact.quiet_since + idle
            if trigger_at > now:
                later.append(trigger_at)
                continue
            due = due_at(rule, 0, trigger_at, contact, contact.zone(settings.zone))
            if isinstance(due, Exit):
                continue  # the journey would end at once (e.g. no such date attribute)
            send_at = next_opening(max(due, now), contact, rule, settings)
            planned.append(Planned(contact.id, contact.name, send_at))
    planned.sort(key=lambda p: p.send_at)
    return Preview(
        now_count=len(planned),
        planned=planned[:sample],
        next_hour=sum(1 for at in later if at <= now + HOUR),
        next_day=len(later),
    )
