"""Durations: days and months follow the contact's calendar, minutes and hours the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from followup.domain.durations import Duration, shifted
from followup.domain.localtime import exists

LISBON = ZoneInfo("Europe/Lisbon")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
JAKARTA = ZoneInfo("Asia/Jakarta")


def wall(instant: datetime, tz: ZoneInfo) -> datetime:
    """The naive local wall time of an instant."""
    return instant.astimezone(tz).replace(tzinfo=None)


# --- calendar days across DST ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("eve", "elapsed"),
    [
        (datetime(2024, 3, 30, 9, 0), timedelta(hours=23)),  # clocks go forward that night
        (datetime(2024, 10, 26, 9, 0), timedelta(hours=25)),  # clocks go back that night
    ],
)
def test_one_day_after_9am_on_the_eve_of_dst_is_9am_next_day(
    eve: datetime, elapsed: timedelta
) -> None:
    # Given 09:00 in Lisbon on the day before a DST change (as the engine stores it: UTC)
    start = eve.replace(tzinfo=LISBON).astimezone(UTC)

    # When "1 day" is added in the contact's zone
    due = Duration.of(1, "days").after(start, LISBON)

    # Then it is 09:00 local the next day, which is 23 h or 25 h of elapsed time
    assert wall(due, LISBON) == eve + timedelta(days=1)
    assert due - start == elapsed
    assert due.tzinfo is UTC


def test_one_week_keeps_the_local_time_across_dst() -> None:
    start = datetime(2024, 3, 28, 9, 0, tzinfo=LISBON)
    due = Duration.of(1, "weeks").after(start, LISBON)
    assert wall(due, LISBON) == datetime(2024, 4, 4, 9, 0)
    assert due - start == timedelta(days=7) - timedelta(hours=1)


# --- hours are elapsed time -----------------------------------------------------------------


def test_two_hours_is_two_elapsed_hours_across_dst() -> None:
    # Given 00:30 in Lisbon just before clocks jump from 01:00 to 02:00 (stored in UTC)
    start = datetime(2024, 3, 31, 0, 30, tzinfo=LISBON).astimezone(UTC)

    # When "2 hours" is added
    due = Duration.of(2, "hours").after(start, LISBON)

    # Then two real hours pass (03:30 on the local clock, not 02:30)
    assert due - start == timedelta(hours=2)
    assert wall(due, LISBON) == datetime(2024, 3, 31, 3, 30)


def test_ninety_minutes_is_elapsed_time_when_clocks_go_back() -> None:
    start = datetime(2024, 10, 27, 0, 30, tzinfo=LISBON).astimezone(UTC)
    due = Duration.of(90, "minutes").after(start, LISBON)
    assert due - start == timedelta(minutes=90)
    # 00:30 WEST + 90 min = 01:00 WET (the clock showed 01:00 twice that night)
    assert wall(due, LISBON) == datetime(2024, 10, 27, 1, 0)


def test_two_hours_is_elapsed_time_even_for_a_start_given_in_local_time() -> None:
    start = datetime(2024, 3, 31, 0, 30, tzinfo=LISBON)
    due = Duration.of(2, "hours").after(start, LISBON)
    assert due - start == timedelta(hours=2)


# --- months follow the calendar -------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "last_of_february"), [(2024, datetime(2024, 2, 29, 23, 30)), (2025, None)]
)
def test_one_month_after_31_january_is_the_end_of_february(
    year: int, last_of_february: datetime | None
) -> None:
    # Given 31 January 23:30 in Jakarta (still the 31st's afternoon in UTC)
    start = datetime(year, 1, 31, 23, 30, tzinfo=JAKARTA).astimezone(UTC)

    # When "1 month" is added
    due = Duration.of(1, "months").after(start, JAKARTA)

    # Then it is the last day of February at the same local time (29th in a leap year)
    expected = last_of_february or datetime(year, 2, 28, 23, 30)
    assert wall(due, JAKARTA) == expected


def test_one_month_after_15_march_is_15_april() -> None:
    start = datetime(2026, 3, 15, 8, 0, tzinfo=JAKARTA)
    assert wall(Duration.of(1, "months").after(start, JAKARTA), JAKARTA) == datetime(
        2026, 4, 15, 8, 0
    )


# --- DST gaps and overlaps ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start_wall", "duration", "expected_wall"),
    [
        # São Paulo skipped 2018-11-04 00:00-00:59: clocks went from 00:00 to 01:00
        (datetime(2018, 11, 3, 0, 30), Duration.of(1, "days"), datetime(2018, 11, 4, 1, 30)),
        (datetime(2018, 11, 3, 0, 0), Duration.of(1, "days"), datetime(2018, 11, 4, 1, 0)),
        (datetime(2018, 10, 4, 0, 15), Duration.of(1, "months"), datetime(2018, 11, 4, 1, 15)),
    ],
)
def test_a_due_time_in_a_dst_gap_moves_forward_never_earlier(
    start_wall: datetime, duration: Duration, expected_wall: datetime
) -> None:
    # Given a start whose due wall time does not exist in São Paulo
    start = start_wall.replace(tzinfo=SAO_PAULO).astimezone(UTC)

    # When the duration is added
    due = duration.after(start, SAO_PAULO)

    # Then it lands just after the gap, later than the (skipped) wall time asked for
    assert wall(due, SAO_PAULO) == expected_wall
    assert due > start


def test_a_due_time_in_a_dst_overlap_takes_the_first_occurrence() -> None:
    # Given São Paulo repeated 23:00-23:59 on 2019-02-16 (clocks went back at midnight)
    start = datetime(2019, 2, 15, 23, 30, tzinfo=SAO_PAULO).astimezone(UTC)

    # When "1 day" is added
    due = Duration.of(1, "days").after(start, SAO_PAULO)

    # Then it is the first 23:30 (still summer time, UTC-2), exactly 24 h later
    assert due == datetime(2019, 2, 17, 1, 30, tzinfo=UTC)
    assert due - start == timedelta(hours=24)


@settings(deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2017, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)
    ),
    amount=st.integers(min_value=0, max_value=24),
    unit=st.sampled_from(["days", "weeks", "months"]),
    tz=st.sampled_from([LISBON, SAO_PAULO, JAKARTA, ZoneInfo("America/New_York")]),
)
def test_calendar_durations_keep_the_wall_time_or_move_just_past_a_gap(
    start: datetime, amount: int, unit: str, tz: ZoneInfo
) -> None:
    # Given any start and a calendar duration in a zone with (or without) DST
    duration = Duration.of(amount, unit)

    # When it is added
    due = duration.after(start, tz)
    step = relativedelta(months=amount) if unit == "months" else duration.approx()
    asked = wall(start, tz) + step

    # Then the local wall time is the one asked for, or (in a gap) at most 1 h later
    if exists(asked, tz):
        assert wall(due, tz) == asked
    else:
        assert asked < wall(due, tz) <= asked + timedelta(hours=1)
    assert due >= start


def test_zero_days_after_a_moment_in_the_repeated_hour_is_that_moment() -> None:
    # Given 01:30 UTC on 2024-10-27, i.e. the second 01:30 on Lisbon's clock (WET)
    start = datetime(2024, 10, 27, 1, 30, tzinfo=UTC)

    # When a "0 days" wait (a first step sent right away) is added
    due = Duration.of(0, "days").after(start, LISBON)

    # Then the step is due at the start, not an hour before it
    assert due == start


@settings(deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2017, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)
    ),
    amount=st.integers(min_value=0, max_value=10_000),
    unit=st.sampled_from(["minutes", "hours"]),
    tz=st.sampled_from([LISBON, SAO_PAULO]),
)
def test_minutes_and_hours_are_exact_elapsed_time(
    start: datetime, amount: int, unit: str, tz: ZoneInfo
) -> None:
    duration = Duration.of(amount, unit)
    assert duration.after(start, tz) - start == duration.approx()


def test_durations_read_as_users_write_them() -> None:
    assert str(Duration.of(1, "days")) == "1 day"
    assert str(Duration.of(3, "hours")) == "3 hours"
    assert Duration.of(2, "months").approx() == timedelta(days=60)


def test_shifting_past_the_calendar_holds_at_its_ends_instead_of_overflowing() -> None:
    # Given a span stored before the two-year bound (100000 months)
    start = datetime(2026, 3, 6, tzinfo=UTC)
    forever = timedelta(days=3_000_000)

    # When it is added or taken away / Then the result stays a usable instant
    assert shifted(start, forever) == datetime.max.replace(tzinfo=UTC)
    assert shifted(start, -forever) == datetime.min.replace(tzinfo=UTC)
    assert shifted(start, timedelta(hours=2)) == start + timedelta(hours=2)
    assert shifted(start, -timedelta(days=1)) == start - timedelta(days=1)
