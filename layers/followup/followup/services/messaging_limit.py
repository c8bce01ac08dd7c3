"""The portfolio's messaging limit and a new number's warm-up at send time: count a user
reached outside their window once per moving 24 h (for every number of the portfolio
together), and defer a send that would pass the limit's allowance or its own number's
warm-up cap for the day (`warmup#<number>#<day>`).

The count lives in the pacing table (TTL deletes it): `portfolio#<p>#<hour>` counts the
users first reached in that hour. Whether a user was reached in the last 24 h comes from
what the sender reads anyway: the follow-up (an earlier try of it counted them, before a
throttle or a busy recipient put it back) and its contact, which records when a send to it
last counted (`reached_at`: the sender marks the sent follow-up, the follow-up stream
copies the mark onto the contact). A user reached already costs no read and no write of
the table; a new one reads the day's counters and adds one.

Until the stream applies a send (a minute or so) the contact does not know of it, and its
pending slot keeps journeys and send-now off it (`planning.claim_slot`); fallbacks never
go by WhatsApp, and the template a 131047 sends again follows a text that did not count.
What the contact misses counts the user once more: a send counted that then failed, a
stream later than the slot waits for, a new WhatsApp address (`identity.relink`), a user
counted within the day by an earlier release (which kept a marker per user in the pacing
table). Counting a user twice only leaves part of the allowance unused: the count never
passes it. Two senders racing for the last place both add, and the one that finds the
total past the allowance takes its place back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.followup import Status
from followup.domain.messaging import window_open
from followup.domain.messaging_limit import (
    BUCKET,
    DEFERRED,
    LONGEST_DEFERRAL,
    REACH_WINDOW,
    WARMING_UP,
    MessagingLimit,
    WarmUp,
    bucket_start,
    counted,
    next_day,
    raised,
    released_at,
    still_reached,
)
from followup.services import settings as workspace
from followup.services.ports import CommitRejected, FollowUpChange, Phase

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from followup.domain.contact import Contact
    from followup.domain.followup import FollowUp
    from followup.domain.settings import WorkspaceSettings
    from followup.domain.webhook_events import MessagingTier
    from followup.services.deps import Deps
    from followup.services.ports import Pacing


def admit(store: Pacing, limit: MessagingLimit, now: datetime) -> datetime | None:
    """Count one user newly reached outside their window now and return None; or, past the
    allowance, return when the next window opens (and count nothing). None, counting
    nothing, without a limit."""
    allowance = limit.allowance()
    if allowance is None:
        return None
    prefix = f"portfolio#{limit.portfolio}"
    buckets = counted(now)
    keys = {bucket: f"{prefix}#{bucket}" for bucket in buckets}
    found = store.counts(list(keys.values()))
    counts = {bucket: found[key] for bucket, key in keys.items()}
    current = buckets[-1]
    past = sum(counts.values()) - counts[current]
    if past + counts[current] >= allowance:
        return released_at(counts, now)
    expires = bucket_start(current) + BUCKET + REACH_WINDOW
    total = store.reserve(keys[current], 1, expires)
    if past + total > allowance:  # another sender took the last place first
        store.reserve(keys[current], -1, expires)
        return released_at({**counts, current: total - 1}, now)
    return None


def room(deps: Deps, now: datetime) -> tuple[int, datetime] | None:
    """How many more users the portfolio may reach outside their window now, and when a
    send past them would go: what `admit` would answer, read only (for a preview); None
    without a limit."""
    if deps.reach is None:
        return None
    limit = deps.catalog.settings().messaging_limit
    allowance = limit.allowance()
    if allowance is None:
        return None
    prefix = f"portfolio#{limit.portfolio}"
    keys = {bucket: f"{prefix}#{bucket}" for bucket in counted(now)}
    found = deps.reach.counts(list(keys.values()))
    counts = {bucket: found[key] for bucket, key in keys.items()}
    return max(0, allowance - sum(counts.values())), released_at(counts, now)


@dataclass(frozen=True)
class Deferral:
    """Not now: the send waits in the queue until `until`, `reason` shown."""

    until: datetime
    reason: str


def cleared(
    deps: Deps, contact: Contact, followup: FollowUp, number: str, now: datetime
) -> FollowUp | Deferral:
    """`followup` as it may go from `number` now (marked `reached_at` when it counts its
    user toward the portfolio's limit now); or when it must wait: for the next day of that
    number's warm-up, or for the portfolio's next window (shared by all its numbers).
    Inside the contact's window a send never counts, unless WhatsApp said the window is
    closed (`template_only`)."""
    if deps.reach is None or (window_open(contact, now) and not followup.template_only):
        return followup
    settings = deps.catalog.settings()
    limit = settings.messaging_limit
    warm_up = deps.numbers.warm_up(number, limit.warm_up)
    day = _warm_up_day(deps.reach, warm_up, number, settings.zone, now)
    if isinstance(day, datetime):
        return Deferral(day, WARMING_UP)
    reached = still_reached(contact.reached_at, now) or still_reached(followup.reached_at, now)
    if reached or limit.allowance() is None:
        return followup
    until = admit(deps.reach, limit, now)
    if until is None:
        return followup.model_copy(update={"reached_at": now})
    if day is not None:
        # not sent today after all: the place is free again
        deps.reach.reserve(day, -1, next_day(now, settings.zone) + timedelta(days=1))
    return Deferral(until, DEFERRED)


def _warm_up_day(
    store: Pacing, warm_up: WarmUp, number: str, zone: ZoneInfo, now: datetime
) -> str | datetime | None:
    """Take a place in the warming number's cap for today: its counter's key; or the next
    day, when today's cap is spent; None once the number is warm."""
    today = now.astimezone(zone).date()
    cap = warm_up.cap(today)
    if cap is None:
        return None
    key = _warm_up_key(number, today)
    tomorrow = next_day(now, zone)
    if store.counts([key])[key] >= cap:
        return tomorrow
    expires = tomorrow + timedelta(days=1)
    if store.reserve(key, 1, expires) > cap:  # another sender took the last place first
        store.reserve(key, -1, expires)
        return tomorrow
    return key


def _warm_up_key(number: str, day: date) -> str:
    return f"warmup#{number}#{day.isoformat()}"


def warm_up_left(deps: Deps, number: str, day: date) -> int | None:
    """How many more business-initiated sends `number`'s warm-up allows on `day` (in the
    workspace's zone): what `_warm_up_day` would find, read only (for a preview); None
    once the number is warm, or without a pacing store."""
    if deps.reach is None:
        return None
    warm_up = deps.numbers.warm_up(number, deps.catalog.settings().messaging_limit.warm_up)
    cap = warm_up.cap(day)
    if cap is None:
        return None
    key = _warm_up_key(number, day)
    return max(0, cap - deps.reach.counts([key])[key])


def _reached(store: Pacing, limit: MessagingLimit, now: datetime) -> int:
    """Users reached outside their window in the last 24 h (by the hour: up to an hour more)."""
    prefix = f"portfolio#{limit.portfolio}"
    return sum(store.counts([f"{prefix}#{b}" for b in counted(now)]).values())


def usage(deps: Deps, now: datetime) -> dict[str, object]:
    """The portfolio's tier, the allowance the engine keeps to, and the users reached
    outside their window in the last 24 h (counted by the hour, so up to an hour more)."""
    limit = deps.catalog.settings().messaging_limit
    return {
        "portfolio": limit.portfolio,
        "tier": limit.tier,
        "allowance": limit.allowance(),
        "reached": 0 if deps.reach is None else _reached(deps.reach, limit, now),
    }


def _raise_key(portfolio: str) -> str:
    return f"portfolio#{portfolio}#raised"


def note_raise(deps: Deps, before: MessagingLimit, after: MessagingLimit, now: datetime) -> None:
    """When `after` allows more than `before`, the next dispatch tick brings forward what
    the limit deferred (`release_deferred`)."""
    if deps.reach is not None and raised(before, after):
        deps.reach.reserve(_raise_key(after.portfolio), 1, now + LONGEST_DEFERRAL)


def release_deferred(deps: Deps, now: datetime) -> int:
    """After a raise of the limit: the follow-ups it deferred, oldest first and as many as
    the new allowance has room for, due now; the rest keep their time. How many went.

    One read a tick while nothing was raised; after a raise, the queued lane up to the
    longest deferral is read once."""
    if deps.reach is None:
        return 0
    key = _raise_key(deps.catalog.settings().messaging_limit.portfolio)
    raises = deps.reach.counts([key])[key]
    if raises <= 0:
        return 0
    limit = deps.rules.settings().messaging_limit  # read again: the cache may predate the raise
    allowance = limit.allowance()
    room = None if allowance is None else max(0, allowance - _reached(deps.reach, limit, now))
    deferred = sorted(
        (
            f
            for f in deps.followups.waiting(Phase.QUEUED, now + LONGEST_DEFERRAL)
            if f.reason == DEFERRED
        ),
        key=lambda f: (f.scheduled_at, f.created_at, f.id),
    )
    released = 0
    for followup in deferred[:room]:
        try:
            deps.commit([FollowUpChange(followup.brought_forward(now), Status.QUEUED)], now)
        except CommitRejected:
            continue  # canceled or answered meanwhile
        released += 1
    deps.reach.reserve(key, -raises, now + LONGEST_DEFERRAL)
    return released


def set_tier(deps: Deps, event: MessagingTier) -> str:
    """Take the tier WhatsApp announced into the workspace settings, written from the
    revision read (an admin's save made meanwhile is read again and kept); a raise gives
    room to the next send at once. Names the outcome for the webhook's report."""

    def tiered(settings: WorkspaceSettings) -> WorkspaceSettings | None:
        limit = settings.messaging_limit
        if limit.tier == event.tier:
            return None
        changed = limit.model_copy(update={"tier": event.tier})
        return settings.model_copy(update={"messaging_limit": changed})

    before = workspace.change(deps, tiered)
    if before is None:
        return "messaging_tier_unchanged"
    limit = before.item.messaging_limit
    note_raise(deps, limit, limit.model_copy(update={"tier": event.tier}), event.at)
    return "messaging_tier_changed"
