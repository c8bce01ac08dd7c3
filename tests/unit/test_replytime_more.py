"""Call-back times a lead writes with minutes and am/pm, and dates whose hour already passed."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from followup.domain.intents import classify

JAKARTA = ZoneInfo("Asia/Jakarta")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")
TUESDAY_9AM = datetime(2026, 11, 24, 9, 0)
"""Tuesday 24 November 2026, 09:00 on the lead's wall clock."""


def asked_for(zone: ZoneInfo, text: str) -> str | None:
    """The lead's wall-clock time a reply sent on Tuesday the 24th at 09:00 asks for."""
    detected = classify(text, TUESDAY_9AM.replace(tzinfo=zone), zone)
    assert detected.intent == Intent.CALL_BACK_AT, text
    return detected.local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me tomorrow at 8:30pm", "2026-11-25T20:30"),
        (NEW_YORK, "call me tomorrow at 7.45 pm", "2026-11-25T19:45"),
        (NEW_YORK, "call me tomorrow at 12:30am", "2026-11-25T00:30"),
        (NEW_YORK, "call me tomorrow at 12:15pm", "2026-11-25T12:15"),
        (NEW_YORK, "call me tomorrow at 10.30am", "2026-11-25T10:30"),
        (JAKARTA, "besok jam 7.30 pm ya", "2026-11-25T19:30"),
    ],
)
def test_a_time_with_minutes_keeps_its_am_or_pm(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they ask for a time with minutes and am/pm
    # Then the call back is at that time, not twelve hours off
    assert asked_for(zone, text) == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "besok jam 8.30 malam", "2026-11-25T20:30"),
        (JAKARTA, "besok jam 10.30", "2026-11-25T10:30"),
        (JAKARTA, "besok jam 2", "2026-11-25T14:00"),
        (SAO_PAULO, "amanhã às 14h30", "2026-11-25T14:30"),
        (SAO_PAULO, "amanhã às 9 horas", "2026-11-25T09:00"),
        (NEW_YORK, "call me tomorrow at 2pm", "2026-11-25T14:00"),
        (NEW_YORK, "call me tomorrow at 12am", "2026-11-25T00:00"),
    ],
)
def test_times_written_the_local_ways_still_mean_what_they_meant(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing on Tuesday morning in their own language's forms
    # Then the time asked for is unchanged by how am/pm after minutes is read
    assert asked_for(zone, text) == local


def test_a_portuguese_word_starting_with_am_is_not_read_as_am() -> None:
    # Given a lead writing "call me at 2 tomorrow" in Portuguese: "amanhã" begins with "am"
    # Then the call back is tomorrow at 14:00, not at 2 at night
    assert asked_for(SAO_PAULO, "me liga às 2 amanhã") == "2026-11-25T14:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me on the 24th at 8", "2026-12-24T08:00"),
        (NEW_YORK, "call me on the 24th", "2026-12-24T09:00"),
        (JAKARTA, "tanggal 24 jam 8 pagi", "2026-12-24T08:00"),
        (SAO_PAULO, "pode ligar dia 24 de novembro às 8h", "2027-11-24T08:00"),
        (NEW_YORK, "call me on November 24th at 8am", "2027-11-24T08:00"),
    ],
)
def test_a_named_date_whose_hour_passed_today_is_the_next_such_date(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given it is 09:00 on the 24th and the lead names the 24th at an hour already gone
    # Then the call back is on the next 24th (of that month, when named), never the 25th
    assert asked_for(zone, text) == local


def test_a_named_date_later_today_stays_today() -> None:
    # Given it is 09:00 on the 24th
    # Then "the 24th at 10" is in an hour, today
    assert asked_for(NEW_YORK, "call me on the 24th at 10") == "2026-11-24T10:00"


def test_a_weekday_named_on_that_weekday_after_its_hour_is_next_week() -> None:
    # Given it is 09:00 on a Tuesday and the lead names Tuesday at 8
    # Then the call back is next Tuesday at 8, as for a named date
    assert asked_for(NEW_YORK, "call me on tuesday at 8") == "2026-12-01T08:00"


def test_an_hour_already_past_with_no_day_named_is_tomorrow() -> None:
    # Given it is 09:00 and the lead names only an hour gone by
    # Then the call back is tomorrow at that hour
    assert asked_for(JAKARTA, "jam 8 aja") == "2026-11-25T08:00"


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I called you yesterday at 10 but nobody answered"),
        (JAKARTA, "kemarin jam 3 saya sudah telpon"),
        (SAO_PAULO, "ontem às 15h liguei pra vocês"),
        (NEW_YORK, "I was there last Monday at 4pm"),
    ],
)
def test_a_time_in_the_past_is_no_call_back(zone: ZoneInfo, text: str) -> None:
    detected = classify(text, TUESDAY_9AM.replace(tzinfo=zone), zone)
    assert detected.intent != Intent.CALL_BACK_AT, detected


def test_a_day_to_come_named_beside_one_gone_by_is_the_call_back() -> None:
    assert asked_for(JAKARTA, "kemarin sibuk, besok jam 10 ya") == "2026-11-25T10:00"
