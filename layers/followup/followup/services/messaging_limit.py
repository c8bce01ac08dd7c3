"""The portfolio's messaging limit at send time: count a user reached outside their
window once per moving 24 h, and defer a send that would pass the limit's allowance.

Counters and markers live in the pacing table (TTL deletes them): `portfolio#<p>#<hour>`
counts the users first reached in that hour, `portfolio#<p>#to#<user>` holds when the user
was last counted. A user already counted costs two reads and no write; a new one two
writes. Two senders racing for the last place both add, and the one that finds the total
past the allowance takes its place back, so the count never passes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.messaging import window_open
from followup.domain.messaging_limit import (
    BUCKET,
    REACH_WINDOW,
    MessagingLimit,
    bucket_start,
    counted,
    released_at,
    still_reached,
)

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.webhook_events import MessagingTier
    from followup.services.deps import Deps
    from followup.services.ports import Pacing


def admit(store: Pacing, limit: MessagingLimit, user: str, now: datetime) -> datetime | None:
    """Count `user` as reached outside their window now and return None; or, past the
    allowance, return when the next window opens (and count nothing)."""
    allowance = limit.allowance()
    if allowance is None:
        return None
    prefix = f"portfolio#{limit.portfolio}"
    marker = f"{prefix}#to#{user}"
    if still_reached(store.marker(marker), now):
        return None
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
    if store.space(marker, now - REACH_WINDOW, now) is not None:
        store.reserve(keys[current], -1, expires)  # another sender counted this user
    return None


def defer_until(deps: Deps, contact: Contact, address: str, now: datetime) -> datetime | None:
    """When a WhatsApp send to `address` must wait for the portfolio's next window; None
    when it may go now (inside the contact's window it never counts)."""
    if deps.reach is None or window_open(contact, now):
        return None
    return admit(deps.reach, deps.catalog.settings().messaging_limit, address, now)


def usage(deps: Deps, now: datetime) -> dict[str, object]:
    """The portfolio's tier, the allowance the engine keeps to, and the users reached
    outside their window in the last 24 h (counted by the hour, so up to an hour more)."""
    limit = deps.catalog.settings().messaging_limit
    reached = 0
    if deps.reach is not None:
        prefix = f"portfolio#{limit.portfolio}"
        reached = sum(deps.reach.counts([f"{prefix}#{b}" for b in counted(now)]).values())
    return {
        "portfolio": limit.portfolio,
        "tier": limit.tier,
        "allowance": limit.allowance(),
        "reached": reached,
    }


def set_tier(deps: Deps, event: MessagingTier) -> str:
    """Take the tier WhatsApp announced into the workspace settings; a raise gives room to
    the next send at once. Names the outcome for the webhook's report."""
    settings = deps.rules.settings()
    limit = settings.messaging_limit
    if limit.tier == event.tier:
        return "messaging_tier_unchanged"
    changed = limit.model_copy(update={"tier": event.tier})
    deps.rules.save_settings(settings.model_copy(update={"messaging_limit": changed}))
    deps.catalog.invalidate()
    return "messaging_tier_changed"
