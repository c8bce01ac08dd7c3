"""The portfolio's messaging limit and a new number's warm-up at send time: count a user
reached outside their window once per moving 24 h (for every number of the portfolio
together), and defer a send that would pass the limit's allowance or its own number's
warm-up cap for the day (`warmup#<number>#<day>`). A follow-up keeps the place it took
(`warm_up_place`), so however often its send is tried that day (a server error, a
throttle, a busy number or recipient, a paused number, a lost or redelivered queue
message) it holds one place. A place whose send then did not go out is not given back:
WhatsApp may have seen the attempt, and a lost place only leaves part of the cap unused.

The count is one item of the pacing table, `reached#<p>`, holding the users first reached
in each hour of the last day (the hours that count, and one before them). Places in it are
taken by UpdateItem: add to the current hour, drop the day's hours before those kept,
answer the item after it (ReturnValues ALL_NEW: no read); the item's own hours decide.
Past the allowance a second update takes the places back; so of senders racing for the
last places, the ones that find the total past the allowance take theirs back: the count
never passes the allowance. Hours older still (left by a quiet day) are dropped by a
second update when they show. A sender's batch takes its places in blocks, one update for
several new users, and gives back what it did not use as it ends (`limit_places`, which
weighs what that costs); a single send outside a batch takes one. The item holds at most
26 hours of counts and stays far under 1 KB (one write unit, 64-character portfolio and
top tier included); TTL deletes it a month after its last new user. Taken in blocks of up
to ten, a portfolio reaching 1,000 new users a second (one number at its fastest pace)
updates it 100 to 200 times a second (a block and its give-back for each batch of ten),
under the 1,000 writes a second DynamoDB gives one item (the top tier's allowance, 90,000
a day, is spent in 90 s at that pace). `room` and `usage` read the item once,
consistently, places held by a running batch included.

An earlier release counted in hourly items, `portfolio#<p>#<hour>`. The first new user the
item counts carries those of the last day into it, once (`Pacing.carry`: senders racing
to it each read the 25 hourly items, one of them adds them), and until then
`room` and `usage` add them: an upgrade never lets the count pass the allowance. (A user
the earlier release counts after the carry, in a send it still had in flight as the
upgrade went out, is not seen.)

Whether a user was reached in the last 24 h comes from what the sender reads anyway: the
follow-up (an earlier try of it counted them in the current hour, before a throttle or a
busy recipient put it back: a try in a later hour counts them again, as its hour's count
would stop too soon) and its contact, which records when a send to it last counted
(`reached_at`: the sender marks the sent follow-up, the follow-up stream copies the mark
onto the contact). A user reached already costs no read and no write of the table.

Until the stream applies a send (a minute or so) the contact does not know of it, and its
pending slot keeps journeys and send-now off it (`planning.claim`); fallbacks never
go by WhatsApp, and the template a 131047 sends again follows a text that did not count.
What the contact misses counts the user once more: a send counted that then failed, a
stream later than the slot waits for, a new WhatsApp address (`identity.relink`), a user
counted within the day by an earlier release (which kept a marker per user in the pacing
table). Counting a user twice only leaves part of the allowance unused: the count never
passes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.followup import Status
from followup.domain.messaging import window_open
from followup.domain.messaging_limit import (
    DEFERRED,
    LONGEST_DEFERRAL,
    WARMING_UP,
    MessagingLimit,
    WarmUp,
    counted_this_hour,
    next_day,
    raised,
    released_at,
    still_reached,
    warm_up_place,
)
from followup.services import settings as workspace
from followup.services.limit_places import count_key, counted_by_hour, hourly
from followup.services.ports import CommitRejected, FollowUpChange, Phase

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from followup.domain.contact import Contact
    from followup.domain.followup import FollowUp
    from followup.domain.rule import Step
    from followup.domain.settings import WorkspaceSettings
    from followup.domain.webhook_events import MessagingTier
    from followup.services.deps import Deps
    from followup.services.ports import Pacing


LIMIT = "messaging_limit"
"""The code of a send the portfolio's messaging limit puts off (or may), shown in previews."""
WARM_UP = "warm_up"
"""The code of a send the warm-up cap of the new number it goes from puts off to a later day
(or may: the day's places are spent, or may be by then), shown in previews."""


def counts_against_caps(step: Step | None, contact: Contact, at: datetime) -> bool:
    """Whether `step`, sent at `at`, counts against the caps: a WhatsApp message outside
    the contact's window (`cleared`)."""
    return step is not None and step.chain[0] == "whatsapp" and not window_open(contact, at)


def room(deps: Deps, now: datetime) -> tuple[int, datetime] | None:
    """How many more users the portfolio may reach outside their window now, and when a
    send past them would go: what taking a place would answer, read only (for a preview); None
    without a limit."""
    if deps.reach is None:
        return None
    limit = deps.catalog.settings().messaging_limit
    allowance = limit.allowance()
    if allowance is None:
        return None
    counts = _counts(deps.reach, limit.portfolio, now)
    return max(0, allowance - sum(counts.values())), released_at(counts, now)


def _counts(store: Pacing, portfolio: str, now: datetime) -> dict[int, int]:
    """The users the portfolio counts in each hour that counts at `now`, read only."""
    tally = store.tallied(count_key(portfolio))
    counts = counted_by_hour(tally, now)
    if not tally.carried:
        for hour, users in hourly(store, portfolio, now).items():
            counts[int(hour)] += users
    return counts


@dataclass(frozen=True)
class Deferral:
    """Not now: the send waits in the queue until `until`, `reason` shown."""

    until: datetime
    reason: str


def cleared(
    deps: Deps, contact: Contact, followup: FollowUp, number: str, now: datetime
) -> FollowUp | Deferral:
    """`followup` as it may go from `number` now (marked with the place it holds in the
    number's warm-up cap for today, and `reached_at` when it counts its user toward the
    portfolio's limit now); or when it must wait: for the next day of that number's
    warm-up, or for the portfolio's next window (shared by all its numbers). An earlier
    try's count is reused only within its hour (`counted_this_hour`). Inside the
    contact's window a send never counts, unless WhatsApp said the window is closed
    (`template_only`). A warm-up place taken now and not kept (deferred by the limit, or
    a store error asking it) is given back: the try again takes one place, not two."""
    if deps.reach is None or (window_open(contact, now) and not followup.template_only):
        return followup
    settings = deps.catalog.settings()
    limit = settings.messaging_limit
    warm_up = deps.numbers.warm_up(number, limit.warm_up)
    place = _warm_up_place(deps.reach, warm_up, followup, number, settings.zone, now)
    if isinstance(place, datetime):
        return Deferral(place, WARMING_UP)
    held = followup.warm_up_place
    if place is not None:
        followup = followup.model_copy(update={"warm_up_place": place})
    reached = still_reached(contact.reached_at, now) or counted_this_hour(followup.reached_at, now)
    if reached or limit.allowance() is None:
        return followup
    taken_now = place if place is not None and place != held else None
    try:
        until = _limit_place(deps, deps.reach, limit, now)
    except Exception:
        # nothing recorded holds the place taken now: free again, so the try again takes
        # one place, not a second
        _free_warm_up_place(deps.reach, taken_now, settings.zone, now)
        raise
    if until is None:
        return followup.model_copy(update={"reached_at": now})
    # not sent today after all: the place taken now is free again
    _free_warm_up_place(deps.reach, taken_now, settings.zone, now)
    return Deferral(until, DEFERRED)


def _limit_place(
    deps: Deps, store: Pacing, limit: MessagingLimit, now: datetime
) -> datetime | None:
    """A place in the portfolio's limit for one user (None), or when a send past it would
    go. Before deferring, the limit is read again past the catalog's cache: a raise made
    within the cache's life (60 s) gives its room at once, to the follow-ups it released
    too (`release_deferred`), instead of deferring them again for a day. Only a deferral
    pays the read."""
    until = deps.places.take(store, limit, now)
    if until is None:
        return None
    fresh = deps.rules.settings().messaging_limit
    if (fresh.portfolio, fresh.allowance()) == (limit.portfolio, limit.allowance()):
        return until
    return deps.places.take(store, fresh, now)


def _free_warm_up_place(store: Pacing, place: str | None, zone: ZoneInfo, now: datetime) -> None:
    """`place`, taken by this try and then not used, back to the day's warm-up cap."""
    if place is not None:
        store.reserve(_warm_up_key(place), -1, next_day(now, zone) + timedelta(days=1))


def _warm_up_place(
    store: Pacing, warm_up: WarmUp, followup: FollowUp, number: str, zone: ZoneInfo, now: datetime
) -> str | datetime | None:
    """The place `followup` holds in the warming number's cap for today: the one an earlier
    try took today (a retry takes no other), else one taken now; or the next day, when
    today's cap is spent; None once the number is warm."""
    today = now.astimezone(zone).date()
    cap = warm_up.cap(today)
    if cap is None:
        return None
    place = warm_up_place(number, today)
    if followup.warm_up_place == place:
        return place
    key = _warm_up_key(place)
    tomorrow = next_day(now, zone)
    if store.counts([key])[key] >= cap:
        return tomorrow
    expires = tomorrow + timedelta(days=1)
    if store.reserve(key, 1, expires) > cap:  # another sender took the last place first
        store.reserve(key, -1, expires)
        return tomorrow
    return place


def _warm_up_key(place: str) -> str:
    return f"warmup#{place}"


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
    key = _warm_up_key(warm_up_place(number, day))
    return max(0, cap - deps.reach.counts([key])[key])


def _reached(store: Pacing, limit: MessagingLimit, now: datetime) -> int:
    """Users reached outside their window in the last 24 h (by the hour: up to an hour more)."""
    return sum(_counts(store, limit.portfolio, now).values())


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
            forward = FollowUpChange(
                followup.brought_forward(now), Status.QUEUED, moves=followup.moves
            )
            deps.commit([forward], now)
        except CommitRejected:
            continue  # canceled or answered meanwhile
        released += 1
    deps.reach.reserve(key, -raises, now + LONGEST_DEFERRAL)
    return released


def set_tier(deps: Deps, event: MessagingTier) -> str:
    """Take the tier WhatsApp announced into the workspace settings, written from the
    revision read (an admin's save made meanwhile is read again and kept), with the time
    Meta dated it; one dated before the tier held changes nothing (Meta delivers a
    failed webhook again for days: a raise announced this morning, retried after this
    afternoon's cut, stays undone). A raise gives room to the next send at once. Names
    the outcome for the webhook's report."""

    def tiered(settings: WorkspaceSettings) -> WorkspaceSettings | None:
        limit = settings.messaging_limit
        if limit.tier_set_at is not None and event.at < limit.tier_set_at:
            return None
        changed = limit.model_copy(update={"tier": event.tier, "tier_set_at": event.at})
        return settings.model_copy(update={"messaging_limit": changed})

    before = workspace.change(deps, tiered)
    if before is None:
        return "messaging_tier_late"
    limit = before.item.messaging_limit
    if limit.tier == event.tier:
        return "messaging_tier_unchanged"
    note_raise(deps, limit, limit.model_copy(update={"tier": event.tier}), event.at)
    return "messaging_tier_changed"
