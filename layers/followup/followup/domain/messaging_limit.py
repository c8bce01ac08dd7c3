"""The business portfolio's messaging limit: unique users reached outside the service
window over a moving 24 h, shared by every number of the portfolio.

The count is kept in hourly buckets. A bucket counts while any of its hour lies in the
last 24 h, so the moving window is over-counted by less than an hour, never under-counted:
a send is refused rather than pushed over the limit; it is kept an hour longer, and then
dropped. A user reached once is recorded with
the time (on the follow-up sent, then on its contact); until 24 h later the user costs
nothing again.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictFloat, StrictInt

from followup.domain.localtime import IsoDate, to_utc

REACH_WINDOW = timedelta(hours=24)
BUCKET = timedelta(hours=1)
DEFERRED = "deferred: messaging limit"
"""The reason a follow-up waits in the queue for the next window."""
WARMING_UP = "deferred: warm-up cap"
"""The reason a follow-up waits for the next day of a new number's warm-up."""

Tier = Literal[250, 2000, 10000, 100000]
TIERS: tuple[Tier, ...] = (250, 2000, 10000, 100000)


_NAMED: dict[str, Tier | None] = {
    "TIER_250": 250,
    "TIER_2K": 2000,
    "TIER_10K": 10000,
    "TIER_100K": 100000,
    "TIER_UNLIMITED": None,
}


UNLIMITED_COUNT = "-1"
"""The count `business_capability_update` names for unlimited messaging (Meta's -1)."""


def tier_named(value: object) -> Tier | None:
    """The tier WhatsApp names (`TIER_2K`, `TIER_UNLIMITED`, a count such as 2000, or -1
    for unlimited); raises ValueError for anything else."""
    if isinstance(value, str) and value.upper() in _NAMED:
        return _NAMED[value.upper()]
    if isinstance(value, int | str) and str(value) == UNLIMITED_COUNT:
        return None
    count = int(value) if isinstance(value, int | str) and str(value).isdecimal() else None
    for tier in TIERS:
        if count == tier:
            return tier
    raise ValueError(f"not a messaging limit tier: {str(value)[:40]!r}")


class WarmUp(BaseModel):
    """A new number's daily cap on business-initiated sends, rising day by day from
    `started_on` (the number's first day) until the schedule runs out."""

    model_config = ConfigDict(defer_build=True)

    started_on: IsoDate | None = Field(
        default=None, description="the new number's first day of sending; null: no warm-up"
    )
    schedule: list[Annotated[StrictInt, Field(ge=1)]] = Field(
        default_factory=lambda: [50, 100, 250, 500, 1000],
        min_length=1,
        max_length=60,
        description="sends allowed on each day from started_on; none past the last day",
    )

    def cap(self, day: date) -> int | None:
        """Sends allowed on `day`; None once the warm-up is over (or never began)."""
        if self.started_on is None:
            return None
        index = max(0, (day - self.started_on).days)
        return self.schedule[index] if index < len(self.schedule) else None


class MessagingLimit(BaseModel):
    """The portfolio's tier and the share of it the engine leaves unused."""

    model_config = ConfigDict(defer_build=True)

    portfolio: str = Field(
        default="default",
        min_length=1,
        max_length=64,
        description="the business portfolio; its numbers share one count",
    )
    tier: Tier | None = Field(
        default=250,
        description="unique users reached outside the window per moving 24 h; null: unlimited",
    )
    tier_set_at: AwareDatetime | None = Field(
        default=None,
        description="when WhatsApp last announced the tier, as its webhook dates it: an "
        "announcement dated before it (a delivery retried late) changes nothing",
    )
    headroom: StrictFloat = Field(
        default=0.1, ge=0.1, le=0.9, description="share of the tier left unused (at least 10 %)"
    )
    warm_up: WarmUp = Field(default_factory=lambda: WarmUp())

    def allowance(self) -> int | None:
        """Users the engine may reach in 24 h; None without a limit."""
        if self.tier is None:
            return None
        return math.floor(self.tier * (1 - self.headroom) + 1e-9)


def raised(before: MessagingLimit, after: MessagingLimit) -> bool:
    """Whether `after` lets the engine reach more users than `before` did."""
    was, now = before.allowance(), after.allowance()
    return was is not None and (now is None or now > was)


LONGEST_DEFERRAL = REACH_WINDOW + 2 * BUCKET
"""No send is deferred for longer (`released_at`): the range a raised tier looks through."""


def bucket_of(at: datetime) -> int:
    """The hourly bucket `at` falls in."""
    return math.floor(at.timestamp() / BUCKET.total_seconds())


def bucket_start(bucket: int) -> datetime:
    return datetime.fromtimestamp(bucket * BUCKET.total_seconds(), tz=UTC)


def counted(now: datetime) -> list[int]:
    """The buckets that count at `now`: every one with part of its hour in the last 24 h,
    oldest first, the current one last."""
    return list(range(bucket_of(now - REACH_WINDOW), bucket_of(now) + 1))


KEPT = timedelta(days=30)
"""How long a portfolio's count outlives its last new user (then TTL deletes it)."""


def kept_from(now: datetime) -> int:
    """The oldest hour a count keeps at `now`: the first that counts, and one before it for
    a sender whose clock runs a little behind."""
    return bucket_of(now - REACH_WINDOW) - 1


def forgotten(now: datetime) -> list[int]:
    """The hours a count drops as it counts a user at `now`: the day before those it keeps
    (older ones, left by a quieter day, are found as it answers)."""
    first = kept_from(now)
    return list(range(first - round(REACH_WINDOW / BUCKET), first))


def still_reached(marked_at: datetime | None, now: datetime) -> bool:
    """Whether a user reached at `marked_at` is still within the moving 24 h."""
    return marked_at is not None and now - marked_at < REACH_WINDOW


def counted_this_hour(marked_at: datetime | None, now: datetime) -> bool:
    """Whether a place taken at `marked_at` (by an earlier try of the same follow-up) also
    counts a send at `now`: only in the hour it was taken. Its hour stops counting 24 h
    after that hour ends, so a send in a later hour would drop out before WhatsApp stops
    counting it; such a send takes a place of its own hour (the user counted twice)."""
    return marked_at is not None and bucket_of(marked_at) == bucket_of(now)


def released_at(counts: dict[int, int], now: datetime) -> datetime:
    """When a send deferred now may go: once the oldest counted hour with users in it
    stops counting (an hour on when none has any), at the minute of the hour it was
    deferred in, so that sends deferred earlier go first."""
    used = [bucket for bucket, count in counts.items() if count > 0]
    current = bucket_of(now)
    freed = bucket_start(min(used)) + BUCKET + REACH_WINDOW if used else bucket_start(current + 1)
    return freed + (now - bucket_start(current))


def next_day(now: datetime, zone: ZoneInfo) -> datetime:
    """Midnight after `now` in `zone`, in UTC: when a day's cap starts again (where a DST
    gap skips midnight, the moment the clocks jump past it)."""
    today = now.astimezone(zone).date()
    return to_utc(datetime.combine(today + timedelta(days=1), time(0)), zone)


def warm_up_place(number: str, day: date) -> str:
    """Names a place in `number`'s warm-up cap on `day`, as a follow-up holding one keeps
    it (`FollowUp.warm_up_place`)."""
    return f"{number}#{day.isoformat()}"
