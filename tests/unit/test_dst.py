"""Daylight-saving transitions and unusual zones: send windows, waits, date triggers and
the warm-up day, each read in the contact's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.durations import Duration
from followup.domain.journey import Exit, next_time_of_day, wait_ends
from followup.domain.messaging_limit import next_day
from followup.domain.policy import SendWindow, TimeRange, Weekday
from followup.domain.rule import WaitStep
from followup.domain.triggers import DateTrigger
from tests.support.builders import contact_at

NEW_YORK = ZoneInfo("America/New_York")  # 2026: 8 Mar 02:00 -> 03:00, 1 Nov 02:00 -> 01:00
LISBON = ZoneInfo("Europe/Lisbon")  # 2026: 29 Mar 01:00 -> 02:00, 25 Oct 02:00 -> 01:00
SANTIAGO = ZoneInfo("America/Santiago")  # 2026: 6 Sep 00:00 -> 01:00 (midnight skipped)
KOLKATA = ZoneInfo("Asia/Kolkata")
KATHMANDU = ZoneInfo("Asia/Kathmandu")
ADELAIDE = ZoneInfo("Australia/Adelaide")  # 2026: 5 Apr 03:00 -> 02:00, 4 Oct 02:00 -> 03:00
AUCKLAND = ZoneInfo("Pacific/Auckland")
KIRITIMATI = ZoneInfo("Pacific/Kiritimati")
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def every_day(start: str, end: str) -> SendWindow:
    return SendWindow(
        hours={day: [TimeRange(start=start, end=end)] for day in Weekday}, blackout_days=[]
    )


def at(text: str, zone: ZoneInfo, fold: int = 0) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone, fold=fold)


def wall(instant: datetime | Exit | None, zone: ZoneInfo) -> str:
    assert isinstance(instant, datetime)
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M %z")


# --- send windows -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "due", "window", "opens"),
    [
        # The window opens at 02:00, which the clocks skip: it opens as they jump
        (NEW_YORK, "2026-03-07 23:00", ("02:00", "04:00"), "2026-03-08 03:00 -0400"),
        (LISBON, "2026-03-29 00:30", ("01:00", "03:00"), "2026-03-29 02:00 +0100"),
        (ADELAIDE, "2026-10-04 01:59", ("02:00", "04:00"), "2026-10-04 03:00 +1030"),
        # An opening after the gap is the usual wall time in the new offset
        (NEW_YORK, "2026-03-08 00:00", ("08:00", "17:00"), "2026-03-08 08:00 -0400"),
        (LISBON, "2026-10-24 18:00", ("08:00", "17:00"), "2026-10-25 08:00 +0000"),
    ],
)
def test_a_window_opening_on_a_transition_day(
    zone: ZoneInfo, due: str, window: tuple[str, str], opens: str
) -> None:
    assert wall(every_day(*window).next_opening(at(due, zone), zone), zone) == opens


def test_an_hour_that_happens_twice_opens_the_window_once_for_one_send() -> None:
    window = every_day("01:00", "01:30")
    # Due the evening before: the first 01:00, the day is not skipped
    first = window.next_opening(at("2026-10-31 23:00", NEW_YORK), NEW_YORK)
    assert first == datetime(2026, 11, 1, 5, 0, tzinfo=UTC)
    # Due just after the first 01:30: the second 01:00 that same night, then the next day
    again = window.next_opening(at("2026-11-01 01:40", NEW_YORK), NEW_YORK)
    assert again == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    later = window.next_opening(at("2026-11-01 01:40", NEW_YORK, fold=1), NEW_YORK)
    assert wall(later, NEW_YORK) == "2026-11-02 01:00 -0500"


@pytest.mark.parametrize(
    ("day", "reopens"),
    [("2026-03-08", "2026-03-09 08:00 -0400"), ("2026-11-01", "2026-11-02 08:00 -0500")],
    ids=["spring", "fall"],
)
def test_a_window_ends_at_17_local_on_a_transition_day(day: str, reopens: str) -> None:
    window = every_day("08:00", "17:00")
    assert window.is_open(at(f"{day} 16:59", NEW_YORK), NEW_YORK)
    assert not window.is_open(at(f"{day} 17:00", NEW_YORK), NEW_YORK)
    assert wall(window.next_opening(at(f"{day} 17:00", NEW_YORK), NEW_YORK), NEW_YORK) == reopens


@pytest.mark.parametrize(
    ("zone", "due", "opens"),
    [
        (
            KOLKATA,
            datetime(2026, 11, 30, 0, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 2, 30, tzinfo=UTC),
        ),
        (
            KATHMANDU,
            datetime(2026, 11, 30, 0, 0, tzinfo=UTC),
            datetime(2026, 11, 30, 2, 15, tzinfo=UTC),
        ),
        # +10:30 in the southern summer
        (
            ADELAIDE,
            datetime(2026, 11, 29, 12, 0, tzinfo=UTC),
            datetime(2026, 11, 29, 21, 30, tzinfo=UTC),
        ),
    ],
)
def test_zones_with_half_and_three_quarter_hour_offsets(
    zone: ZoneInfo, due: datetime, opens: datetime
) -> None:
    window = every_day("08:00", "17:00")
    assert window.next_opening(due, zone) == opens
    assert window.is_open(opens, zone)
    assert not window.is_open(opens - timedelta(minutes=1), zone)


def test_adelaide_fall_back_keeps_the_window_in_wall_time() -> None:
    window = every_day("02:00", "02:30")
    # 5 Apr 2026 02:00-03:00 happens twice: the first 02:00 ACDT, never a day skipped
    opened = window.next_opening(at("2026-04-04 20:00", ADELAIDE), ADELAIDE)
    assert wall(opened, ADELAIDE) == "2026-04-05 02:00 +1030"


@pytest.mark.parametrize(
    ("zone", "holiday", "midnight", "reopens"),
    [
        # 25 Dec begins at 11:00 UTC on the 24th in Auckland (+13 in summer)
        (
            AUCKLAND,
            date(2026, 12, 25),
            datetime(2026, 12, 24, 11, 0, tzinfo=UTC),
            "2026-12-26 08:00 +1300",
        ),
        # 1 Dec begins at 10:00 UTC on 30 Nov on Kiritimati (+14)
        (
            KIRITIMATI,
            date(2026, 12, 1),
            datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
            "2026-12-02 08:00 +1400",
        ),
    ],
)
def test_a_holiday_starts_at_local_midnight_far_from_utc(
    zone: ZoneInfo, holiday: date, midnight: datetime, reopens: str
) -> None:
    window = every_day("08:00", "24:00").model_copy(update={"custom_holidays": [holiday]})
    assert window.is_open(midnight - timedelta(minutes=1), zone)
    assert not window.is_open(midnight, zone)
    assert wall(window.next_opening(midnight, zone), zone) == reopens


# --- waits --------------------------------------------------------------------------------------


def wait(**fields: Any) -> WaitStep:
    return WaitStep.model_validate({"kind": "wait", **fields})


def test_wait_one_day_is_the_same_wall_time_next_day_and_24_hours_is_elapsed() -> None:
    start = at("2026-10-31 09:00", NEW_YORK)
    day = wait_ends(
        wait(**{"for": {"amount": 1, "unit": "days"}}), start, contact_at(NOW), NEW_YORK
    )
    assert wall(day, NEW_YORK) == "2026-11-01 09:00 -0500"
    hours = wait(**{"for": {"amount": 24, "unit": "hours"}})
    assert wall(wait_ends(hours, start, contact_at(NOW), NEW_YORK), NEW_YORK) == (
        "2026-11-01 08:00 -0500"
    )


def test_wait_until_a_skipped_time_goes_after_the_jump_once() -> None:
    start = at("2026-03-07 12:00", NEW_YORK)
    assert wall(next_time_of_day(start, "02:30", NEW_YORK), NEW_YORK) == "2026-03-08 03:30 -0400"


def test_wait_until_a_repeated_time_never_fires_twice_the_same_night() -> None:
    first = next_time_of_day(at("2026-10-31 12:00", NEW_YORK), "01:30", NEW_YORK)
    assert first == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    # Reached again just after the first 01:30: the next 01:30 is the next night's
    after = next_time_of_day(first + timedelta(minutes=15), "01:30", NEW_YORK)
    assert wall(after, NEW_YORK) == "2026-11-02 01:30 -0500"


# --- date triggers ------------------------------------------------------------------------------


def a_date_trigger(**fields: Any) -> DateTrigger:
    return DateTrigger.model_validate({"kind": "date", "attribute": "deadline", **fields})


@pytest.mark.parametrize(
    ("zone", "deadline", "fires"),
    [
        (NEW_YORK, "2026-03-08", "2026-03-08 00:00 -0500"),
        (NEW_YORK, "2026-11-01", "2026-11-01 00:00 -0400"),
        (LISBON, "2026-03-29", "2026-03-29 00:00 +0000"),
        # Midnight is skipped in Santiago: the day begins at 01:00
        (SANTIAGO, "2026-09-06", "2026-09-06 01:00 -0300"),
        (KIRITIMATI, "2026-12-01", "2026-12-01 00:00 +1400"),
    ],
)
def test_a_date_comes_round_at_the_start_of_its_local_day(
    zone: ZoneInfo, deadline: str, fires: str
) -> None:
    assert wall(a_date_trigger().due({"deadline": deadline}, zone), zone) == fires


def test_a_day_before_a_date_whose_midnight_is_skipped_is_that_days_midnight() -> None:
    before = a_date_trigger(offset={"amount": 1, "unit": "days"}, before=True)
    assert wall(before.due({"deadline": "2026-09-06"}, SANTIAGO), SANTIAGO) == (
        "2026-09-05 00:00 -0400"
    )
    dated = wait(until_attribute="deadline", offset={"amount": 1, "unit": "days"}, before=True)
    contact = contact_at(NOW, attributes={"deadline": "2026-09-06"})
    assert wall(
        wait_ends(dated, at("2026-09-01 12:00", SANTIAGO), contact, SANTIAGO), SANTIAGO
    ) == ("2026-09-05 00:00 -0400")


def test_a_date_trigger_at_a_skipped_local_time_fires_after_the_jump() -> None:
    trigger = a_date_trigger(at="02:30")
    assert wall(trigger.due({"deadline": "2026-03-08"}, NEW_YORK), NEW_YORK) == (
        "2026-03-08 03:30 -0400"
    )


# --- the warm-up day ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "now", "midnight"),
    [
        (NEW_YORK, "2026-03-07 12:00", datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),
        (NEW_YORK, "2026-03-08 12:00", datetime(2026, 3, 9, 4, 0, tzinfo=UTC)),
        (SANTIAGO, "2026-09-05 12:00", datetime(2026, 9, 6, 4, 0, tzinfo=UTC)),
        (KATHMANDU, "2026-11-30 23:59", datetime(2026, 11, 30, 18, 15, tzinfo=UTC)),
    ],
)
def test_the_warm_up_day_starts_again_at_local_midnight(
    zone: ZoneInfo, now: str, midnight: datetime
) -> None:
    assert next_day(at(now, zone), zone) == midnight


def test_days_count_the_local_calendar_across_both_transitions() -> None:
    two_days = Duration.of(2, "days")
    assert wall(two_days.after(at("2026-03-07 09:00", NEW_YORK), NEW_YORK), NEW_YORK) == (
        "2026-03-09 09:00 -0400"
    )
    assert wall(two_days.before(at("2026-11-02 09:00", NEW_YORK), NEW_YORK), NEW_YORK) == (
        "2026-10-31 09:00 -0400"
    )


def test_a_day_before_a_skipped_local_time_is_that_wall_time_the_day_before() -> None:
    before = a_date_trigger(offset={"amount": 1, "unit": "days"}, before=True)
    assert wall(before.due({"deadline": "2026-03-08T02:30"}, NEW_YORK), NEW_YORK) == (
        "2026-03-07 02:30 -0500"
    )
    # Elapsed units count from the moment itself, just after the jump
    hours = a_date_trigger(offset={"amount": 24, "unit": "hours"}, before=True)
    assert wall(hours.due({"deadline": "2026-03-08T02:30"}, NEW_YORK), NEW_YORK) == (
        "2026-03-07 02:30 -0500"
    )
