"""The caps a preview's sends share, applied read only and in send order as the sender
meets them: a new number's warm-up cap for the day (`warm_up`) and the portfolio's
messaging limit (`messaging_limit`). Each counts only a WhatsApp message outside the
contact's window (`messaging_limit.cleared`); the messaging limit, only a user not
reached in the last 24 h."""

from __future__ import annotations

import heapq
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from followup.domain.journey import send_at
from followup.domain.messaging_limit import next_day, still_reached
from followup.services import messaging_limit
from followup.services.messaging_limit import LIMIT, WARM_UP

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.services.deps import Deps
    from followup.services.preview import Planned


class _WarmUpDays:
    """The places left in each warming number's daily cap: a day's counter as it stands
    (read once), less what the preview's earlier sends took."""

    def __init__(self, deps: Deps) -> None:
        self._deps = deps
        self._left: dict[tuple[str, date], int | None] = {}

    def take(self, number: str, day: date) -> bool:
        """Take a place on `day`; False when its cap is spent (a warm number has no cap)."""
        if (number, day) not in self._left:
            self._left[number, day] = messaging_limit.warm_up_left(self._deps, number, day)
        left = self._left[number, day]
        if left is None:
            return True
        self._left[number, day] = left - 1
        return left > 0

    def give_back(self, number: str, day: date) -> None:
        left = self._left.get((number, day))
        if left is not None:
            self._left[number, day] = left + 1


def within_caps(
    deps: Deps, rule: Rule, planned: list[Planned], counted: dict[str, Contact], now: datetime
) -> list[Planned]:
    """`planned`, in send order, with the sends of `counted` contacts past the caps put
    off as the sender defers them: past the warm-up cap to the number's next day (then the
    send window's opening), past the messaging limit's room (sends due now) to when it
    frees up. Of sends due at the same moment, which take the last places is the queue's
    order: the count is exact, not the names."""
    settings = deps.catalog.settings()
    zone = settings.zone
    days = _WarmUpDays(deps)
    room = messaging_limit.room(deps, now)
    queue = [(plan.send_at, n, plan) for n, plan in enumerate(planned)]
    heapq.heapify(queue)
    kept: list[Planned] = []
    reached = 0
    while queue:
        at, n, plan = heapq.heappop(queue)
        contact = counted.get(plan.contact_id)
        if contact is None:
            kept.append(plan)
            continue
        number = deps.numbers.sender(contact.phone_number_id, rule.numbers)
        day = at.astimezone(zone).date()
        if not days.take(number, day):
            later = send_at(next_day(at, zone), now, contact, rule, settings)
            heapq.heappush(queue, (later, n, replace(plan, send_at=later, waits_for=WARM_UP)))
            continue
        if room is not None and at <= now and not still_reached(contact.reached_at, at):
            reached += 1
            left, freed = room
            if reached > left:
                days.give_back(number, day)
                # It goes once a place frees, at the send window's opening from then.
                later = send_at(max(at, freed), now, contact, rule, settings)
                plan = replace(plan, send_at=later, waits_for=LIMIT)
        kept.append(plan)
    return sorted(kept, key=lambda p: p.send_at)
