"""The messaging limit and a new number's warm-up, set up and counted as tests need them."""

from __future__ import annotations

from datetime import date, datetime

from followup.domain.messaging_limit import MessagingLimit, WarmUp
from followup.services.deps import Deps
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


def warming(deps: Deps, schedule: list[int]) -> date:
    """The sending number is new: its warm-up starts today with `schedule`; today."""
    settings = deps.rules.settings()
    today = deps.clock.now().astimezone(settings.zone).date()
    limit = settings.messaging_limit.model_copy(
        update={"warm_up": WarmUp(started_on=today, schedule=schedule)}
    )
    deps.rules.save_settings(settings.model_copy(update={"messaging_limit": limit}))
    deps.catalog.invalidate()
    return today
