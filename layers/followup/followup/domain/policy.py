"""Send window: business hours per weekday, blackout days and holidays in local time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from followup.domain.errors import NoSendWindow
from followup.domain.localtime import IsoDate, to_utc, utc
from followup.domain.stored import new_input
from followup.loading import loading

# Windows open at least weekly unless holidays pile up; a year and a bit covers any calendar.
_SEARCH_DAYS = 400
LONGEST_PUT_OFF = timedelta(days=_SEARCH_DAYS + 1)
"""Farther than the send window ever puts a send off past its due time: the next opening
is looked for no further."""
_HHMM = re.compile(r"(?:[01]\d|2[0-3]):[0-5]\d|24:00")


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def index(self) -> int:  # type: ignore[override]  # shadows str.index on purpose
        """Monday is 0, as in `date.weekday()`."""
        return list(Weekday).index(self)


class TimeRange(BaseModel):
    """Wall-clock hours, start inclusive, end exclusive ("24:00" is midnight at day end)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    start: str
    end: str

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        if not _HHMM.fullmatch(value):
            raise ValueError(f"{value!r} is not a time of day as HH:MM")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.start_minute >= self.end_minute:
            raise ValueError(f"start {self.start} must be before end {self.end}")
        return self

    @property
    def start_minute(self) -> int:
        hours, minutes = self.start.split(":")
        return int(hours) * 60 + int(minutes)

    @property
    def end_minute(self) -> int:
        hours, minutes = self.end.split(":")
        return int(hours) * 60 + int(minutes)


def _office_hours() -> dict[Weekday, list[TimeRange]]:
    workdays = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
    return {day: [TimeRange(start="08:00", end="17:00")] for day in workdays}


_Listed = TypeVar("_Listed", Weekday, date)
MOST_HOLIDAYS = 1000
"""Custom holidays a save takes: years of them."""


class SendWindow(BaseModel):
    """When sends are allowed, read in the contact's (else the workspace's) time zone."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    hours: dict[Weekday, list[TimeRange]] = Field(default_factory=_office_hours)
    blackout_days: list[Weekday] = Field(default_factory=lambda: [Weekday.SAT, Weekday.SUN])
    holiday_countries: list[str] = Field(default_factory=list)
    custom_holidays: list[IsoDate] = Field(default_factory=list)

    @field_validator("blackout_days", "custom_holidays")
    @classmethod
    def _each_once(cls, listed: list[_Listed], info: ValidationInfo) -> list[_Listed]:
        """A day or date listed twice is a slip (one meant another): said, not kept. At most
        `MOST_HOLIDAYS` dates: each send's window is checked against them."""
        if new_input(info):
            if len(listed) > MOST_HOLIDAYS:
                raise ValueError(f"at most {MOST_HOLIDAYS:,} dates")
            seen: set[_Listed] = set()
            for item in listed:
                if item in seen:
                    raise ValueError(f"{item} is listed twice")
                seen.add(item)
        return listed

    @field_validator("holiday_countries")
    @classmethod
    def _known_countries(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        """Each country by its ISO alpha-2 code in capitals, as written in any case ("id" is
        ID) or as the calendars also know it ("USA", "UK" are US, GB: a lead's country,
        read from their number, is alpha-2), with its subdivision after a dash as the
        calendars name it ("BR-SP"); each once."""
        if not codes:  # the calendars (a large library) load only for a window that names one
            return codes
        supported = _supported_countries()
        known: list[str] = []
        for code in codes:
            country, dash, subdiv = code.strip().partition("-")
            country = country.upper()
            if country not in supported:
                raise ValueError(
                    f"unknown holiday country {code!r}: "
                    "use an ISO 3166-1 alpha-2 code such as 'ID', 'BR' or 'PT'"
                )
            if dash and subdiv not in supported[country]:
                raise ValueError(f"unknown subdivision {subdiv!r} of {country} in {code!r}")
            listed = _alpha_2(country) + dash + subdiv
            if new_input(info) and listed in known:
                raise ValueError(f"{listed} is listed twice")
            known.append(listed)
        return known

    @model_validator(mode="after")
    def _opens(self, info: ValidationInfo) -> SendWindow:
        if new_input(info) and not self.has_hours:
            raise ValueError(
                "the send window never opens: give hours to a day that is not blacked out"
            )
        return self

    @property
    def has_hours(self) -> bool:
        """Whether some weekday that is not blacked out has hours."""
        return any(self.hours.get(day) for day in Weekday if day not in self.blackout_days)

    def describe(self) -> str:
        """The window in words, days with the same hours grouped: "Mon–Fri 08:00–17:00"."""
        runs: list[tuple[list[Weekday], list[TimeRange]]] = []
        for day in Weekday:
            ranges = [] if day in self.blackout_days else self.hours.get(day, [])
            if not ranges:
                continue
            last = runs[-1] if runs else None
            if last and last[1] == ranges and last[0][-1].index == day.index - 1:
                last[0].append(day)
            else:
                runs.append(([day], ranges))
        parts = []
        for days, ranges in runs:
            named = _DAY_NAMES[days[0].index]
            if len(days) > 1:
                named += f"–{_DAY_NAMES[days[-1].index]}"
            parts.append(f"{named} {', '.join(f'{r.start}–{r.end}' for r in ranges)}")
        text = "; ".join(parts)
        if self.holiday_countries or self.custom_holidays:
            text += " except holidays"
        return text

    def for_country(self, country: str | None) -> SendWindow:
        """This window as a lead of `country` meets it: of the listed calendars, those of
        their country only (a subdivision's, "BR-SP", with BR), none if it is not listed;
        every listed calendar when their country is unknown. Blackout days and custom
        dates apply to every lead."""
        if country is None:
            return self
        own = [code for code in self.holiday_countries if code.partition("-")[0] == country]
        if own == self.holiday_countries:
            return self
        return self.model_copy(update={"holiday_countries": own})

    def keeping_holidays_of(self, workspace: SendWindow) -> SendWindow:
        """This window (a rule's own hours and blackout days) with the workspace's holiday
        calendars and custom dates added to its own: overriding hours never drops a holiday."""
        countries = list(dict.fromkeys([*self.holiday_countries, *workspace.holiday_countries]))
        custom = sorted({*self.custom_holidays, *workspace.custom_holidays})
        if countries == self.holiday_countries and custom == self.custom_holidays:
            return self
        return self.model_copy(update={"holiday_countries": countries, "custom_holidays": custom})

    def is_open(self, instant: datetime, tz: ZoneInfo) -> bool:
        """Whether a send at this aware instant falls inside the window, read in `tz`."""
        local = utc(instant).astimezone(tz)
        day = local.date()
        if not self._sends_on(day):
            return False
        minute = local.hour * 60 + local.minute
        ranges = self.hours.get(_WEEKDAYS[day.weekday()], [])
        return any(r.start_minute <= minute < r.end_minute for r in ranges)

    def next_opening(self, due: datetime, tz: ZoneInfo) -> datetime:
        """The earliest instant at or after `due` when the window is open, in UTC."""
        due = utc(due)
        if self.is_open(due, tz):
            return due
        if not self.has_hours:
            raise NoSendWindow("send window has no hours on any day that is not blacked out")
        # The window only opens where the wall clock reaches a range start or jumps at an
        # offset change, so the answer is the earliest open one of those candidates.
        first_day = due.astimezone(tz).date() - timedelta(days=1)
        best: datetime | None = None
        for offset in range(_SEARCH_DAYS + 1):
            day = first_day + timedelta(days=offset)
            # A wall time of `day` resolves at most a day (the largest known offset jump)
            # before its midnight, so no later day can beat `best`.
            if best is not None and _midnight(day, tz) - timedelta(days=2) > best:
                return best
            for candidate in self._candidates(day, tz):
                earlier = best is None or candidate < best
                if due <= candidate and earlier and self.is_open(candidate, tz):
                    best = candidate
        if best is not None:
            return best
        raise NoSendWindow(
            f"send window does not open within {_SEARCH_DAYS} days after "
            f"{due.isoformat()} in {tz.key} (blackouts and holidays cover every working day)"
        )

    def _sends_on(self, day: date) -> bool:
        if _WEEKDAYS[day.weekday()] in self.blackout_days or day in self.custom_holidays:
            return False
        return not any(day in _holidays(code, day.year) for code in self.holiday_countries)

    def _candidates(self, day: date, tz: ZoneInfo) -> Iterator[datetime]:
        """Range starts on `day` (both occurrences in an overlap) and offset changes."""
        for time_range in self.hours.get(_WEEKDAYS[day.weekday()], []):
            hours, minutes = divmod(time_range.start_minute, 60)
            wall = datetime.combine(day, time(hours, minutes))
            for fold in (0, 1):
                yield wall.replace(tzinfo=tz, fold=fold).astimezone(UTC)
        yield from _transitions(day, tz)


_WEEKDAYS = tuple(Weekday)
_DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, list[str]]:
    with loading():
        import holidays

        return holidays.list_supported_countries()


@lru_cache(maxsize=256)
def _alpha_2(country: str) -> str:
    """The ISO alpha-2 code of a country the calendars know ("USA", "GBR", "UK": US, GB)."""
    with loading():
        import holidays

        return str(holidays.country_holidays(country).country)


@lru_cache(maxsize=1024)
def _holidays(code: str, year: int) -> frozenset[date]:
    """Public holidays of a country ("BR") or subdivision ("BR-SP") in one year."""
    country, _, subdiv = code.partition("-")
    with loading():  # a country's calendar loads with its first year
        import holidays

        calendar = holidays.country_holidays(country, subdiv=subdiv or None, years=year)
    return frozenset(calendar.keys())


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return to_utc(datetime.combine(day, time()), tz)


def _transitions(day: date, tz: ZoneInfo) -> Iterator[datetime]:
    """The instant, to the second, where the UTC offset changes during `day`, if it does."""
    start, end = _midnight(day, tz), _midnight(day + timedelta(days=1), tz)
    after = end.astimezone(tz).utcoffset()
    if start.astimezone(tz).utcoffset() == after:
        return
    low, high = int(start.timestamp()), int(end.timestamp())
    while high - low > 1:  # invariant: offset at `low` differs from `after`, at `high` equals it
        mid = (low + high) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == after:
            high = mid
        else:
            low = mid
    yield datetime.fromtimestamp(high, UTC)
