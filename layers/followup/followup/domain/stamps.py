"""WhatsApp's times against ours: it stamps what it reports (messages, statuses,
preferences) to the whole second, rounded down; our own times carry microseconds."""

from __future__ import annotations

from datetime import datetime, timedelta

STAMPED_TO = timedelta(seconds=1)
"""What WhatsApp stamps at a whole second happened within the second that follows it."""

JUST_AFTER = timedelta(microseconds=1)


def may_follow(stamped: datetime, ours: datetime) -> bool:
    """Something WhatsApp stamped at `stamped` may have come after `ours`, one of our own
    times: `ours` is not a whole second or more after the stamp. Within that second the
    order is unknown, and a reply there (an away message) answers what we did."""
    return stamped > stamps_after(ours)


def stamps_after(ours: datetime) -> datetime:
    """What a stamp must be later than to be of something that may have come after `ours`:
    the moment a second before it (see `may_follow`)."""
    return ours - STAMPED_TO


def heard_after(stamped: datetime, ours: list[datetime | None]) -> datetime:
    """Where something stamped `stamped`, heard after each of `ours`, falls among them:
    just after the latest of them inside its second, else at its stamp (a time of ours at
    the stamp itself is one the message set, as when it created the contact)."""
    within = [t + JUST_AFTER for t in ours if t is not None and stamped < t < stamped + STAMPED_TO]
    return max([stamped, *within])
