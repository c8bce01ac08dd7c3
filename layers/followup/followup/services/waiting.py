"""Why a queued follow-up waits: for the send window to open, read in the lead's time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.followup import FollowUp, Status
from followup.domain.journey import is_open, window
from followup.domain.messaging_limit import DEFERRED, WARMING_UP

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

_JUST_BEFORE = timedelta(seconds=1)

_CAPS = {WARMING_UP: "warm_up", DEFERRED: "messaging_limit"}


def capped(followup: FollowUp) -> str | None:
    """The cap a queued follow-up was put off by, as a code (`warm_up`: its number's
    warm-up cap for the day was used up; `messaging_limit`: the portfolio's limit had no
    room), or None. Its time is when the cap has room again (the warming number's next
    day, from midnight), not an opening of the send window."""
    return _CAPS.get(followup.reason or "")


@dataclass(frozen=True)
class Opening:
    """When the send window opens for a lead, and the window in words."""

    at: datetime
    zone: ZoneInfo
    window: str

    @property
    def local(self) -> datetime:
        return self.at.astimezone(self.zone)

    @property
    def when(self) -> str:
        """ "Mon 08:00": the opening on the lead's wall clock."""
        return self.local.strftime("%a %H:%M")


def opening(at: datetime, contact: Contact, rule: Rule, settings: WorkspaceSettings) -> Opening:
    described = window(contact, rule, settings).describe()
    return Opening(at, contact.zone(settings.zone), described)


def window_wait(
    followup: FollowUp,
    contact: Contact,
    rule: Rule,
    settings: WorkspaceSettings,
    now: datetime,
) -> Opening | None:
    """The opening a queued follow-up waits for, if the send window moved it there.

    Its scheduled time was moved by the window exactly when the window was still
    closed just before it: a due time inside open hours is kept as it is.
    """
    scheduled = followup.scheduled_at
    if followup.status is not Status.QUEUED or scheduled <= now or capped(followup):
        return None
    if is_open(scheduled - _JUST_BEFORE, contact, rule, settings):
        return None
    return opening(scheduled, contact, rule, settings)


def window_waits(deps: Deps, followups: list[FollowUp]) -> dict[str, Opening]:
    """Follow-up id -> the opening it waits for, for those of `followups` that wait."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    contacts: dict[str, Contact | None] = {}
    found: dict[str, Opening] = {}
    for followup in followups:
        if followup.status is not Status.QUEUED or followup.scheduled_at <= now:
            continue
        rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
        if followup.contact_id not in contacts:
            versioned = deps.contacts.contact(followup.contact_id)
            contacts[followup.contact_id] = versioned.item if versioned else None
        contact = contacts[followup.contact_id]
        if rule is None or contact is None:
            continue
        wait = window_wait(followup, contact, rule, settings, now)
        if wait is not None:
            found[followup.id] = wait
    return found
