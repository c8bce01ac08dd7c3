"""Send window: when a due follow-up may go out, read in the contact's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from followup.domain.errors import NoSendWindow
from followup.domain.policy import SendWindow, TimeRange, Weekday
from followup.domain.stored import STORED

JAKARTA = ZoneInfo("Asia/Jakarta")
MAKASSAR = ZoneInfo("Asia/Makassar")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
LISBON = ZoneInfo("Europe/Lisbon")


def every_day(start: str, end: str) -> SendWindow:
    return SendWindow(
        hours={day: [TimeRange(start=start, end=end)] for day in Weekday}, blackout_days=[]
    )


def local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz)


# --- office hours in one zone ------------------------------------------------------------


def test_due_inside_office_hours_goes_out_as_due() -> None:
    # Given the default window and a step due Friday 16:30 in Jakarta
    due = datetime(2026, 3, 6, 16, 30, tzinfo=JAKARTA)

    # When the next opening is computed
    opening = SendWindow().next_opening(due, JAKARTA)

    # Then it is the due instant itself, in UTC
    assert opening == due
    assert opening.tzinfo is UTC


def test_due_at_closing_time_on_friday_waits_for_monday_morning() -> None:
    # Given a step due Friday 17:00 in Jakarta (the range end is exclusive)
    due = datetime(2026, 3, 6, 17, 0, tzinfo=JAKARTA)

    # When the next opening is computed
    opening = SendWindow().next_opening(due, JAKARTA)

    # Then the weekend is skipped and it goes out Monday 08:00 Jakarta time
    assert local(opening, JAKARTA) == datetime(2026, 3, 9, 8, 0, tzinfo=JAKARTA)


def test_last_minute_before_closing_is_open_and_closing_minute_is_not() -> None:
    window = SendWindow()
    assert window.is_open(datetime(2026, 3, 6, 16, 59, 59, tzinfo=JAKARTA), JAKARTA)
    assert not window.is_open(datetime(2026, 3, 6, 17, 0, tzinfo=JAKARTA), JAKARTA)
    assert not window.is_open(datetime(2026, 3, 6, 7, 59, tzinfo=JAKARTA), JAKARTA)


def test_range_ending_at_24_00_covers_the_last_minute_of_the_day() -> None:
    window = every_day("22:00", "24:00")
    assert window.is_open(datetime(2026, 3, 6, 23, 59, 30, tzinfo=JAKARTA), JAKARTA)
    assert not window.is_open(datetime(2026, 3, 7, 0, 0, tzinfo=JAKARTA), JAKARTA)


def test_national_holiday_is_skipped() -> None:
    # Given Indonesian holidays and a step due the Friday before Independence Day (Mon 17 Aug)
    window = SendWindow(holiday_countries=["ID"])
    due = datetime(2026, 8, 14, 17, 0, tzinfo=JAKARTA)

    # When the next opening is computed
    opening = window.next_opening(due, JAKARTA)

    # Then Monday the 17th is skipped too
    assert local(opening, JAKARTA) == datetime(2026, 8, 18, 8, 0, tzinfo=JAKARTA)
    assert SendWindow().next_opening(due, JAKARTA) == datetime(2026, 8, 17, 8, 0, tzinfo=JAKARTA)


def test_custom_holiday_is_skipped() -> None:
    # Given the workspace's own day off on Monday 9 March
    window = SendWindow(custom_holidays=[date(2026, 3, 9)])

    # When a step is due Friday after closing
    opening = window.next_opening(datetime(2026, 3, 6, 18, 0, tzinfo=JAKARTA), JAKARTA)

    # Then it goes out Tuesday morning
    assert local(opening, JAKARTA) == datetime(2026, 3, 10, 8, 0, tzinfo=JAKARTA)


def test_each_contact_is_read_in_their_own_zone() -> None:
    # Given one instant: Monday 09:00 in Sao Paulo, Monday 20:00 in Makassar
    due = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    window = SendWindow()

    # When the next opening is computed for a contact in each zone
    in_sao_paulo = window.next_opening(due, SAO_PAULO)
    in_makassar = window.next_opening(due, MAKASSAR)

    # Then Sao Paulo sends now and Makassar waits for its own Tuesday morning
    assert in_sao_paulo == due
    assert local(in_makassar, MAKASSAR) == datetime(2026, 3, 3, 8, 0, tzinfo=MAKASSAR)


# --- daylight saving time ------------------------------------------------------------------


def test_window_starting_inside_spring_forward_gap_opens_when_the_gap_ends() -> None:
    # Given a 01:30 start in Lisbon, where 2024-03-31 jumps from 01:00 WET to 02:00 WEST
    window = every_day("01:30", "03:00")

    # When a step is due shortly after midnight that night
    opening = window.next_opening(datetime(2024, 3, 31, 0, 10, tzinfo=LISBON), LISBON)

    # Then it opens at the first instant after the gap: 02:00 WEST (01:00 UTC)
    assert opening == datetime(2024, 3, 31, 1, 0, tzinfo=UTC)
    assert local(opening, LISBON).strftime("%H:%M %Z") == "02:00 WEST"


def test_window_wholly_inside_spring_forward_gap_does_not_exist_that_night() -> None:
    # Given a Sunday-only window 01:00-02:00 in Lisbon, the hour skipped on 2024-03-31
    window = SendWindow(
        hours={Weekday.SUN: [TimeRange(start="01:00", end="02:00")]}, blackout_days=[]
    )

    # When a step is due before it that night
    opening = window.next_opening(datetime(2024, 3, 31, 0, 10, tzinfo=LISBON), LISBON)

    # Then it waits for the next Sunday
    assert local(opening, LISBON) == datetime(2024, 4, 7, 1, 0, tzinfo=LISBON)


def test_repeated_hour_after_fall_back_is_open_on_its_second_pass() -> None:
    # Given a 01:00-01:30 window in Lisbon, where 2024-10-27 goes from 02:00 WEST to 01:00 WET
    window = every_day("01:00", "01:30")
    # (compared in UTC: PEP 495 makes an ambiguous wall time unequal to every other zone's)
    due = datetime(2024, 10, 27, 1, 45, tzinfo=LISBON, fold=0).astimezone(UTC)  # first pass
    assert due == datetime(2024, 10, 27, 0, 45, tzinfo=UTC)

    # When the next opening is computed
    opening = window.next_opening(due, LISBON)

    # Then it is 01:00 on the second pass (WET), fifteen minutes later
    assert opening == datetime(2024, 10, 27, 1, 0, tzinfo=UTC)
    assert local(opening, LISBON).strftime("%H:%M %Z") == "01:00 WET"


def test_window_starting_at_a_skipped_midnight_opens_at_one() -> None:
    # Given a window from 00:00, and Sao Paulo's 2018-11-04 jump from midnight to 01:00
    window = every_day("00:00", "06:00")

    # When a step is due the evening before
    opening = window.next_opening(datetime(2018, 11, 3, 23, 0, tzinfo=SAO_PAULO), SAO_PAULO)

    # Then it opens at 01:00 local (-02), the first instant of the new day
    assert opening == datetime(2018, 11, 4, 3, 0, tzinfo=UTC)
    assert local(opening, SAO_PAULO).hour == 1


def test_repeated_evening_hour_in_sao_paulo_is_open_on_its_second_pass() -> None:
    # Given Saturday 23:00-23:30, and Sao Paulo's 2018-02-18 midnight back to Saturday 23:00
    window = SendWindow(
        hours={Weekday.SAT: [TimeRange(start="23:00", end="23:30")]}, blackout_days=[]
    )
    first_pass = datetime(2018, 2, 17, 23, 10, tzinfo=SAO_PAULO, fold=0).astimezone(UTC)
    after_first_pass = datetime(2018, 2, 17, 23, 45, tzinfo=SAO_PAULO, fold=0).astimezone(UTC)

    # When steps are due during and after the first pass
    # Then the first goes out as due and the second at 23:00 on the second pass (-03)
    assert window.next_opening(first_pass, SAO_PAULO) == first_pass
    opening = window.next_opening(after_first_pass, SAO_PAULO)
    assert opening == datetime(2018, 2, 18, 2, 0, tzinfo=UTC)
    assert local(opening, SAO_PAULO).utcoffset() == timedelta(hours=-3)


# --- configuration errors ------------------------------------------------------------------


def test_window_that_never_opens_raises() -> None:
    # Given a stored window with hours only on days that are blacked out (refused as new input)
    window = SendWindow.model_validate(
        {"hours": {"sat": [{"start": "08:00", "end": "17:00"}]}, "blackout_days": ["sat", "sun"]},
        context=STORED,
    )

    # When / Then the next opening is refused with a typed error
    with pytest.raises(NoSendWindow, match="no hours"):
        window.next_opening(datetime(2026, 3, 6, tzinfo=UTC), JAKARTA)


@pytest.mark.parametrize(
    ("listed", "field"),
    [
        ({"blackout_days": ["sat", "sun", "sat"]}, "blackout_days"),
        ({"custom_holidays": ["2026-12-25", "2026-12-25"]}, "custom_holidays"),
        ({"holiday_countries": ["BR-SP", "br-SP"]}, "holiday_countries"),
    ],
)
def test_a_day_date_or_country_listed_twice_is_refused_unless_stored(
    listed: dict[str, list[str]], field: str
) -> None:
    with pytest.raises(ValidationError, match="listed twice") as refused:
        SendWindow.model_validate(listed)
    assert [e["loc"] for e in refused.value.errors()] == [(field,)]
    stored = SendWindow.model_validate(listed, context=STORED)
    assert len(getattr(stored, field)) == len(listed[field])


def test_window_closed_by_holidays_for_over_a_year_raises() -> None:
    # Given a Monday-only window and every Monday of the next two years declared a holiday
    mondays = [date(2026, 3, 2) + timedelta(weeks=n) for n in range(110)]
    window = SendWindow(
        hours={Weekday.MON: [TimeRange(start="08:00", end="17:00")]},
        blackout_days=[],
        custom_holidays=mondays,
    )

    # When / Then
    with pytest.raises(NoSendWindow, match="does not open within"):
        window.next_opening(datetime(2026, 3, 1, tzinfo=UTC), JAKARTA)


def test_unknown_holiday_country_is_rejected_by_name() -> None:
    with pytest.raises(ValidationError, match="'XX'"):
        SendWindow(holiday_countries=["XX"])
    with pytest.raises(ValidationError, match="subdivision 'ZZ'"):
        SendWindow(holiday_countries=["BR-ZZ"])


def test_a_country_written_in_small_letters_is_that_country() -> None:
    # Given a window naming its countries as typed, in small letters and with spaces
    window = SendWindow(holiday_countries=["id", " br-SP "])
    # Then they are the countries' codes, and Indonesia's Christmas closes the window
    assert window.holiday_countries == ["ID", "BR-SP"]
    assert not window.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=JAKARTA), JAKARTA)


def test_subdivision_holidays_apply_only_in_that_subdivision() -> None:
    # Given 9 July 2024, a state holiday in Sao Paulo (BR-SP) but not nationally
    due = datetime(2024, 7, 9, 10, 0, tzinfo=SAO_PAULO)

    # Then it is closed for a BR-SP window and open for a BR one
    assert not SendWindow(holiday_countries=["BR-SP"]).is_open(due, SAO_PAULO)
    assert SendWindow(holiday_countries=["BR"]).is_open(due, SAO_PAULO)


def test_naive_due_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        SendWindow().next_opening(datetime(2026, 3, 6, 9, 0), JAKARTA)


# --- properties ------------------------------------------------------------------------------

ZONES = [
    "Europe/Lisbon",
    "America/Sao_Paulo",
    "Asia/Jakarta",
    "Asia/Makassar",
    "America/New_York",
    "Australia/Lord_Howe",
    "UTC",
]
# Offset changes per zone, so DST nights get drawn far more often than 2 days in 365.
TRANSITIONS = {
    "Europe/Lisbon": [datetime(2024, 3, 31, 1, tzinfo=UTC), datetime(2024, 10, 27, 1, tzinfo=UTC)],
    "America/Sao_Paulo": [
        datetime(2018, 2, 18, 2, tzinfo=UTC),
        datetime(2018, 11, 4, 3, tzinfo=UTC),
    ],
    "America/New_York": [
        datetime(2024, 3, 10, 7, tzinfo=UTC),
        datetime(2024, 11, 3, 6, tzinfo=UTC),
    ],
    "Australia/Lord_Howe": [
        datetime(2024, 4, 6, 15, tzinfo=UTC),
        datetime(2024, 10, 5, 15, 30, tzinfo=UTC),
    ],
}
# Wall times around the usual DST hours, so ranges start and end inside gaps and overlaps.
NIGHT_MINUTES = [0, 30, 60, 90, 120, 150, 180, 23 * 60, 23 * 60 + 30]


def hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def day_ranges(draw: st.DrawFn) -> list[TimeRange]:
    minute = st.one_of(st.sampled_from(NIGHT_MINUTES), st.integers(0, 24 * 60))
    count = draw(st.sampled_from([2, 4]))
    points = sorted(draw(st.lists(minute, min_size=count, max_size=count, unique=True)))
    pairs = zip(points[::2], points[1::2], strict=True)
    return [TimeRange(start=hhmm(start), end=hhmm(end)) for start, end in pairs]


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[SendWindow, ZoneInfo, datetime]:
    zone = draw(st.sampled_from(ZONES))
    uniform = st.datetimes(datetime(2015, 1, 1), datetime(2030, 12, 31), timezones=st.just(UTC))
    near_transition = st.builds(
        lambda instant, shift: instant + shift,
        st.sampled_from(TRANSITIONS.get(zone, [datetime(2024, 6, 1, tzinfo=UTC)])),
        st.timedeltas(-timedelta(days=3), timedelta(days=3)),
    )
    due = draw(st.one_of(uniform, near_transition))
    days = st.sampled_from(list(Weekday))
    open_days = draw(st.lists(days, min_size=1, max_size=7, unique=True))
    blackout = [day for day in draw(st.lists(days, unique=True)) if day != open_days[0]]
    offsets = draw(st.lists(st.integers(-1, 10), max_size=4, unique=True))
    window = SendWindow(
        hours={day: draw(day_ranges()) for day in open_days},
        blackout_days=blackout,
        holiday_countries=draw(st.sampled_from([[], ["ID"], ["BR-SP"], ["PT"]])),
        custom_holidays=[due.date() + timedelta(days=n) for n in offsets],
    )
    return window, ZoneInfo(zone), due


@settings(deadline=None, max_examples=200)
@given(scenarios())
def test_next_opening_is_the_earliest_open_instant_at_or_after_due(
    scenario: tuple[SendWindow, ZoneInfo, datetime],
) -> None:
    # Given any window that opens on at least one weekday, any zone and any due instant
    window, tz, due = scenario

    # When the next opening is computed
    opening = window.next_opening(due, tz)

    # Then it is an open UTC instant, not before due
    assert opening.utcoffset() == timedelta(0)
    assert opening >= due
    assert window.is_open(opening, tz)
    # And asked again at it, it stays: a step left due at its opening goes then
    assert window.next_opening(opening, tz) == opening
    # And nothing earlier is open. These zones change offset on whole minutes, so openness is
    # constant within each UTC minute: checking due and every whole minute up to the opening
    # covers every instant in between.
    if opening == due:
        return
    assert opening == opening.replace(second=0, microsecond=0)
    assert not window.is_open(due, tz)
    minute = due.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while minute < opening:
        assert not window.is_open(minute, tz), f"open earlier at {minute.astimezone(tz)}"
        minute += timedelta(minutes=1)


def test_a_window_is_described_in_words_with_like_days_grouped() -> None:
    assert SendWindow().describe() == "Mon–Fri 08:00–17:00"
    split = SendWindow(
        hours={
            Weekday.MON: [
                TimeRange(start="09:00", end="12:00"),
                TimeRange(start="13:00", end="17:00"),
            ],
            Weekday.TUE: [
                TimeRange(start="09:00", end="12:00"),
                TimeRange(start="13:00", end="17:00"),
            ],
            Weekday.THU: [
                TimeRange(start="09:00", end="12:00"),
                TimeRange(start="13:00", end="17:00"),
            ],
            Weekday.SAT: [TimeRange(start="10:00", end="14:00")],
        },
        blackout_days=[Weekday.SUN],
        holiday_countries=["ID"],
    )
    assert split.describe() == (
        "Mon–Tue 09:00–12:00, 13:00–17:00; Thu 09:00–12:00, 13:00–17:00; Sat 10:00–14:00"
        " except holidays"
    )


@pytest.mark.parametrize("written", ["08:00\n", "8:00", "08:00 ", "24:01", "25:00", "08:60"])
def test_a_time_of_day_is_hh_mm_and_nothing_more(written: str) -> None:
    with pytest.raises(ValidationError, match="is not a time of day as HH:MM"):
        TimeRange(start=written, end="17:00")
    assert TimeRange(start="00:00", end="24:00").end == "24:00"
