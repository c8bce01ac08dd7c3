"""Wall-clock to UTC conversion that is explicit about DST gaps and overlaps."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


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
