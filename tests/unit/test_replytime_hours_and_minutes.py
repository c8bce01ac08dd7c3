"""A call back asked for in hours and minutes from now, as leads write it: "in an hour and a
half", "1 jam 30 menit lagi", "in 1h30", "1,5 jam lagi", "em uma hora e meia". Booked at
that time, not at the hour alone, the minutes alone, or a clock time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me in an hour and a half", "2026-11-24T10:30"),
        (NEW_YORK, "in one and a half hours please", "2026-11-24T10:30"),
        (NEW_YORK, "in 1 hour 30 minutes", "2026-11-24T10:30"),
        (NEW_YORK, "call me back in 1 hour and 15 minutes", "2026-11-24T10:15"),
        (NEW_YORK, "in 2.5 hours", "2026-11-24T11:30"),
        (NEW_YORK, "in 1h30", "2026-11-24T10:30"),
        (JAKARTA, "1 jam 30 menit lagi", "2026-11-24T10:30"),
        (JAKARTA, "telpon dalam 1 jam 30 menit ya", "2026-11-24T10:30"),
        (JAKARTA, "satu setengah jam lagi", "2026-11-24T10:30"),
        (JAKARTA, "1 jam setengah lagi kak", "2026-11-24T10:30"),
        (JAKARTA, "1,5 jam lagi", "2026-11-24T10:30"),
        (JAKARTA, "1.5 jam lagi", "2026-11-24T10:30"),
        (SAO_PAULO, "daqui a 1h30", "2026-11-24T10:30"),
        (SAO_PAULO, "me liga em uma hora e meia", "2026-11-24T10:30"),
        (MEXICO_CITY, "llámame en una hora y media", "2026-11-24T10:30"),
    ],
)
def test_hours_and_minutes_from_now_are_counted_whole(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00; when they ask to be called in hours and minutes
    # Then the call back is that long after, to the minute
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me in an hour", "2026-11-24T10:00"),
        (JAKARTA, "dalam 30 menit", "2026-11-24T09:30"),
        (JAKARTA, "2 jam lagi", "2026-11-24T11:00"),
        (NEW_YORK, "call me at 1.30", "2026-11-24T13:30"),
        (JAKARTA, "besok jam 1.30", "2026-11-25T13:30"),
        (NEW_YORK, "in 2 hours, 3 of us will be there", "2026-11-24T11:00"),
    ],
)
def test_an_hour_or_minutes_alone_and_clock_times_read_as_before(
    zone: ZoneInfo, text: str, local: str
) -> None:
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me in two hours", "2026-11-24T11:00"),
        (NEW_YORK, "call me in ten minutes", "2026-11-24T09:10"),
        (NEW_YORK, "give me twenty minutes", "2026-11-24T09:20"),
        (JAKARTA, "telpon dua jam lagi", "2026-11-24T11:00"),
        (JAKARTA, "lima belas menit lagi ya kak", "2026-11-24T09:15"),
        (SAO_PAULO, "me liga daqui a duas horas", "2026-11-24T11:00"),
        (MEXICO_CITY, "llámame en dos horas", "2026-11-24T11:00"),
        (MEXICO_CITY, "en diez minutos", "2026-11-24T09:10"),
    ],
)
def test_hours_and_minutes_counted_in_words_are_read_as_in_digits(
    zone: ZoneInfo, text: str, local: str
) -> None:
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)
