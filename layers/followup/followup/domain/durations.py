"""Durations as users write them ("3 days", "1 month") and calendar-aware arithmetic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, model_validator

from followup.domain.localtime import to_utc, utc
from followup.domain.stored import new_input


class Unit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"


_FIXED = {
    Unit.MINUTES: timedelta(minutes=1),
    Unit.HOURS: timedelta(hours=1),
    Unit.DAYS: timedelta(days=1),
    Unit.WEEKS: timedelta(weeks=1),
}

LONGEST = timedelta(days=731)
"""Two years: nothing waits, looks back or caps longer (and dates stay far from overflow)."""


_FIRST = datetime.min.replace(tzinfo=UTC)
_LAST = datetime.max.replace(tzinfo=UTC)


def shifted(at: datetime, by: timedelta) -> datetime:
    """`at + by`, held at the first or last instant a datetime holds instead of overflowing.

    Only durations stored before the two-year bound reach that far; they mean "ever".
    """
    if by >= timedelta(0):
        return at + by if by <= _LAST - at else _LAST
    return at + by if -by <= at - _FIRST else _FIRST


class Duration(BaseModel):
    """An amount of a unit. Days, weeks and months follow the local calendar."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    amount: StrictInt = Field(ge=0, le=100_000)
    unit: Unit

    @model_validator(mode="after")
    def _bounded(self, info: ValidationInfo) -> Duration:
        if new_input(info) and self.approx() > LONGEST:
            raise ValueError(f"{self} is longer than two years: use at most 24 months")
        return self

    @classmethod
    def of(cls, amount: int, unit: str) -> Duration:
        return cls(amount=amount, unit=Unit(unit))

    @property
    def is_calendar(self) -> bool:
        return self.unit in (Unit.DAYS, Unit.WEEKS, Unit.MONTHS)

    def approx(self) -> timedelta:
        """A fixed length: exact for minutes to weeks, 30 days per month."""
        if self.unit is Unit.MONTHS:
            return timedelta(days=30 * self.amount)
        return _FIXED[self.unit] * self.amount

    def after(self, start: datetime, tz: ZoneInfo) -> datetime:
        """The UTC instant this duration after `start`, calendar units in `tz` wall time.

        "2 days" after 09:00 is 09:00 two days later even across a DST change; a month
        after 31 January is the last day of February. Minutes and hours are elapsed time.
        """
        if not self.is_calendar or self.amount == 0:
            # Elapsed time: add in UTC, since adding to a local time moves the wall clock.
            return utc(start) + self.approx()
        return to_utc(self.moved(start.astimezone(tz).replace(tzinfo=None)), tz)

    def before(self, start: datetime, tz: ZoneInfo) -> datetime:
        """The UTC instant this duration before `start`, with the same calendar rules."""
        if not self.is_calendar or self.amount == 0:
            return utc(start) - self.approx()
        return to_utc(self.moved(start.astimezone(tz).replace(tzinfo=None), before=True), tz)

    def moved(self, wall: datetime, *, before: bool = False) -> datetime:
        """A naive wall time moved by this duration on the calendar, forward or back."""
        step = relativedelta(months=self.amount) if self.unit is Unit.MONTHS else self.approx()
        return wall - step if before else wall + step

    def __str__(self) -> str:
        unit = self.unit.value[:-1] if self.amount == 1 else self.unit.value
        return f"{self.amount} {unit}"
