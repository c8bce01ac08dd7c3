"""Wall-clock to UTC conversion that is explicit about DST gaps and overlaps."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ValidationInfo

from followup.domain.stored import new_input

_Dated = TypeVar("_Dated", bound=date)


_zone_names = cache(available_timezones)
"""The zone database's names, read once (about 10 ms)."""
_NOT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
"""Files of the zone database that name no place: the host's own zone, a placeholder."""


def known_zone(name: str, info: ValidationInfo) -> str:
    """`name` if it is an IANA time zone this runtime knows, else a ValueError saying so.
    New input must be a zone's own name, as browsers know it too (not `localtime`, nor a
    `posix/` or `right/` copy); one stored before that check still loads."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    if new_input(info) and (
        name in _NOT_ZONES or name.startswith(("posix/", "right/")) or name not in _zone_names()
    ):
        raise ValueError(f"{name!r} is no IANA time zone name, such as Asia/Jakarta")
    return name


ZoneName = Annotated[str, AfterValidator(known_zone)]
"""An IANA time zone name such as `Asia/Jakarta`, checked when a model is validated."""


def _iso_date(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a date as YYYY-MM-DD, got {value!r}")


def _iso_datetime(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected an ISO 8601 time with its offset, got {value!r}")


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
"""A calendar date given as YYYY-MM-DD text (lax pydantic would read 0 as 1970-01-01)."""

IsoTime = Annotated[AwareDatetime, BeforeValidator(_iso_datetime)]
"""An instant given as ISO 8601 text with its offset, not as a number."""

FIRST_YEAR, LAST_YEAR = 2000, 2999
"""The years a date or time someone gives may fall in: outside them there is nothing to
find or plan, and arithmetic near year 1 or 9999 (a window of "the 7 days before", a
conversion to UTC) would overflow."""


def in_years(value: _Dated) -> _Dated:
    """`value`, refused outside `FIRST_YEAR` to `LAST_YEAR` (the year as written: a UTC
    offset, under a day, cannot move it out of range)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31")
    return value


Moment = Annotated[IsoTime, AfterValidator(in_years)]
"""An instant someone gives (an event's time, a task's due time) as ISO 8601 text with its
offset, within the years above: a number could be seconds or milliseconds since 1970."""


def utc(dt: datetime) -> datetime:
    """The same instant in UTC; refuses naive datetimes."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: times must be timezone-aware")
    return dt.astimezone(UTC)


def exists(local: datetime, tz: ZoneInfo) -> bool:
    """False for a wall time skipped by a DST gap (e.g. 00:30 on a spring-forward night)."""
    aware = local.replace(tzinfo=tz)
    round_trip = aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return round_trip == local.replace(tzinfo=None)


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Resolve a naive wall time in `tz` to a UTC instant.

    In an overlap (clocks go back) the first occurrence wins; in a gap (clocks go
    forward) the time moves forward by the gap's length, so 00:30 in a one-hour gap
    at midnight becomes 01:30 in the new offset: never earlier than asked.
    """
    # PEP 495: fold=0 picks the first occurrence in an overlap and, in a gap, applies
    # the offset from before the transition, which lands after the gap.
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)
