"""What a rule would do if switched on now: who it enrolls, when each message would go."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.journey import Exit, first_send, must_stop

if TYPE_CHECKING:
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

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
    """Contacts the rule would enroll at once, and how many more join in the next hour/day.

    Only an idle trigger enrolls contacts by itself; the others wait for their occurrence
    (a reply, a stage entered, an event), so their preview is empty."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    planned: list[Planned] = []
    later: list[datetime] = []
    trigger = rule.idle
    if trigger is None:
        return Preview(now_count=0, planned=[], next_hour=0, next_day=0)
    idle = trigger.idle.approx()
    lookback = rule.lookback(settings.trigger_lookback.approx())
    for stage in trigger.stages or settings.stages:
        for contact_v in deps.contacts.quiet_contacts(
            stage, now - idle - lookback, now + DAY - idle
        ):
            contact = contact_v.item
            if not (trigger.matches(contact) and rule.conditions.hold(contact, now, settings.zone)):
                continue
            if must_stop(contact, rule, contact.silence_key, settings.gating, now) is not None:
                continue
            trigger_at = contact.quiet_since + idle
            if trigger_at > now:
                later.append(trigger_at)
                continue
            goes = first_send(rule, trigger, contact, settings, now)
            if isinstance(goes, Exit):
                continue  # the journey would end at once (e.g. no such date attribute)
            planned.append(Planned(contact.id, contact.name, goes))
    planned.sort(key=lambda p: p.send_at)
    return Preview(
        now_count=len(planned),
        planned=planned[:sample],
        next_hour=sum(1 for at in later if at <= now + HOUR),
        next_day=len(later),
    )
