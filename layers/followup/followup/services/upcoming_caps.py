"""The caps a contact's upcoming sends meet, read as the tick and the sender meet them.

The frequency and cold caps count, for each send, the follow-ups still to go before it
(queued for the contact, by hand or by any rule, and the journey's own sends listed before
it), as they are counted once sent: a send they would hold back is not promised, nor what
follows it. A call back the lead asked for passes them, and counts toward them.

The messaging limit and a new number's warm-up cap defer a send at send time, by what the
other contacts' sends took by then, so the list cannot say whether one will be; it marks
a send that counts against them (`may_defer`) while its warming number has no place left
that day, or while the portfolio's limit has no room now: the same rules, read as the
sender reads them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from followup.domain.gating import counted_send, gate
from followup.domain.messaging_limit import still_reached
from followup.domain.rule import Step
from followup.services import messaging_limit
from followup.services.messaging_limit import LIMIT, WARM_UP, counts_against_caps

if TYPE_CHECKING:
    from collections.abc import Callable

    from followup.domain.contact import Contact
    from followup.domain.followup import FollowUp
    from followup.domain.rule import Rule
    from followup.domain.settings import Gating
    from followup.services.deps import Deps
    from followup.services.upcoming import Upcoming


class Going(NamedTuple):
    """A send still to go: when, whether a counsellor sent it by hand, and whether it is a
    call back the lead asked for (`Rule.calls_back`), as gating tells them apart."""

    at: datetime
    manual: bool
    asked: bool


def to_go(
    followups: list[FollowUp], now: datetime, asked: Callable[[FollowUp], bool]
) -> list[Going]:
    """When each follow-up of the contact still to go (queued, held, in flight) goes, at
    the soonest (now, for one held past its time), and how gating reads it."""
    return sorted(
        Going(max(f.scheduled_at, now), f.manual, asked(f))
        for f in followups
        if not f.status.terminal and f.sent_at is None
    )


def skipped(
    contact: Contact, going: list[Going], gating: Gating, at: datetime, *, asked: bool
) -> bool:
    """Whether gating skips a send at `at`, the caps counting the sends `going` before it
    (none for a call back the lead `asked` for, which the caps let go)."""
    return gate(_counting(contact, going, gating, at), gating, at, asked=asked) is not None


def _counting(contact: Contact, going: list[Going], gating: Gating, at: datetime) -> Contact:
    """The contact as the caps see it at `at`: counting each send `going` by then that
    gating lets go, as the follow-up stream counts it once sent (`counted_send`)."""
    for send in sorted(going):
        if send.at > at:
            break
        if gate(contact, gating, send.at, manual=send.manual, asked=send.asked) is None:
            contact = counted_send(contact, send.at, gating, at) or contact
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
