"""The caps a contact's upcoming sends meet, read as the tick and the sender meet them.

The frequency and cold caps count, for each send, the follow-ups still to go before it
(queued for the contact, by hand or by any rule, and the journey's own sends listed before
it), as they are counted once sent: a send they would hold back is not promised, nor what
follows it.

The messaging limit and a new number's warm-up cap defer a send at send time, by what the
other contacts' sends took by then, so the list cannot say whether one will be; it marks
a send that counts against them (`may_defer`) while its warming number has no place left
that day, or while the portfolio's limit has no room now: the same rules, read as the
sender reads them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.gating import counted_send, gate
from followup.domain.messaging_limit import still_reached
from followup.domain.rule import Step
from followup.services import messaging_limit
from followup.services.messaging_limit import LIMIT, WARM_UP, counts_against_caps

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.followup import FollowUp
    from followup.domain.rule import Rule
    from followup.domain.settings import Gating
    from followup.services.deps import Deps
    from followup.services.upcoming import Upcoming


def to_go(followups: list[FollowUp], now: datetime) -> list[tuple[datetime, bool]]:
    """When each follow-up of the contact still to go (queued, held, in flight) goes, at
    the soonest (now, for one held past its time), and whether it was sent by hand."""
    return sorted(
        (max(f.scheduled_at, now), f.manual)
        for f in followups
        if not f.status.terminal and f.sent_at is None
    )


def skipped(
    contact: Contact, going: list[tuple[datetime, bool]], gating: Gating, at: datetime
) -> bool:
    """Whether gating skips a send at `at`, the caps counting the sends `going` before it."""
    return gate(_counting(contact, going, gating, at), gating, at) is not None


def _counting(
    contact: Contact, going: list[tuple[datetime, bool]], gating: Gating, at: datetime
) -> Contact:
    """The contact as the caps see it at `at`: counting each send `going` by then that
    gating lets go, as the follow-up stream counts it once sent (`counted_send`)."""
    for when, manual in sorted(going):
        if when > at:
            break
        if gate(contact, gating, when, manual=manual) is None:
            contact = counted_send(contact, when, gating, at) or contact
    return contact


def limit_full(deps: Deps, now: datetime) -> bool:
    """Whether the portfolio's messaging limit has no room now (False without a limit)."""
    room = messaging_limit.room(deps, now)
    return room is not None and room[0] == 0


def may_defer(deps: Deps, rule: Rule, shown: Upcoming, contact: Contact, *, full: bool) -> Upcoming:
    """`shown`, marked when its send counts against the caps (`counts_against_caps`: a
    step's channel for no reply by SMS or email never does) and the number it goes from,
    warming up, has no place left on its day now (`warm_up`), or the portfolio's limit is
    `full` now and the send would reach the contact anew (`messaging_limit`). Places
    another send gives back, or a later day's, may still let it go: the mark says "may"."""
    step = rule.steps[shown.step]
    at = shown.at
    if at is None or shown.by_hand or not isinstance(step, Step) or shown.does != "whatsapp":
        return shown
    if not counts_against_caps(step, contact, at):
        return shown
    number = deps.numbers.sender(contact.phone_number_id, rule.numbers)
    day = at.astimezone(deps.catalog.settings().zone).date()
    if messaging_limit.warm_up_left(deps, number, day) == 0:
        return replace(shown, may_defer=WARM_UP)
    if full and not still_reached(contact.reached_at, at):
        return replace(shown, may_defer=LIMIT)
    return shown
