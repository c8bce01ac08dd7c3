"""One user reached outside their window, counted as a sender's batch of one counts it."""

from __future__ import annotations

from datetime import datetime

from followup.domain.messaging_limit import MessagingLimit
from followup.services.limit_places import take
from followup.services.ports import Pacing


def admit(store: Pacing, limit: MessagingLimit, now: datetime) -> datetime | None:
    """Count one user newly reached now and return None; or, past the allowance, return
    when the next window opens (and count nothing). None, counting nothing, without a
    limit."""
    allowance = limit.allowance()
    if allowance is None:
        return None
    taken = take(store, limit.portfolio, allowance, now, 1)
    return None if taken.got else taken.opens
