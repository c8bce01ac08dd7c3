"""An hour said roughly or as a span is an hour to call back at: a span of hours
("between 2 and 4", "3-4pm", "antara jam 2-4 sore", "entre 2 e 4 da tarde", "jam 10
sampai 12", "jam 10-12"; with a dash and no word before it, "tomorrow 2-4", "amanhã
14-16h") is its first hour, with the am or pm the span ends with when it comes first in
the day ("between 11 and 1pm" is 11:00), or a quarter of an hour from now when the span
has begun today, or its end when the lead is kept in it ("I'm at work from 9 to 5");
"10ish" and "3-ish" are that hour. A span of days of a month ("de 10 a 12 de dezembro",
"10-12 dec") is its first day. A count of days, people or money ("between 2 and 3 days",
"antara 2-3 juta") names no hour, and a dashed date stays a date."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected

TOMORROW_2PM = "2026-11-25T14:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "between 2 and 4 tomorrow", TOMORROW_2PM),
        (NEW_YORK, "tomorrow between 2-4pm", TOMORROW_2PM),
        (NEW_YORK, "call me tomorrow 2 to 4pm", TOMORROW_2PM),
        (NEW_YORK, "3PM-4PM tomorrow", "2026-11-25T15:00"),
        (NEW_YORK, "I'm free from 10 to 12", "2026-11-24T10:00"),
        (NEW_YORK, "between 11 and 1pm", "2026-11-24T11:00"),
        (NEW_YORK, "between 3:30 and 5", "2026-11-24T15:30"),
        (JAKARTA, "besok antara jam 2-4 sore", TOMORROW_2PM),
        (JAKARTA, "besok dari jam 1 sampai jam 3", "2026-11-25T13:00"),
        (SAO_PAULO, "amanhã entre 2 e 4 da tarde", TOMORROW_2PM),
        (SAO_PAULO, "entre 14h30 e 16h", "2026-11-24T14:30"),
        (NEW_YORK, "call me at 10ish", "2026-11-24T10:00"),
        (NEW_YORK, "tomorrow 3-ish", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow morning around 10ish", "2026-11-25T10:00"),
    ],
)
def test_an_hour_said_roughly_or_as_a_span_is_the_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they give a span of hours, or an hour roughly
    # Then the call back is at the span's first hour, or at that hour
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "between 10 and 12pm tomorrow", "2026-11-25T10:00"),
        (NEW_YORK, "between 10 and noon tomorrow", "2026-11-25T10:00"),
        (NEW_YORK, "between 11 and noon", "2026-11-24T11:00"),
        (NEW_YORK, "from 10 to noon", "2026-11-24T10:00"),
        (SAO_PAULO, "amanhã entre 10 e meio dia", "2026-11-25T10:00"),
        (NEW_YORK, "between 12 and 2pm", "2026-11-24T12:00"),
    ],
)
def test_a_span_of_hours_ending_at_noon_begins_in_the_morning(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they give a span of hours that ends at noon, as 12pm or as the word
    # Then the call back is at its first hour in the morning (it was 22:00, or none)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm free tomorrow 2-4", TOMORROW_2PM),
        (NEW_YORK, "3-4 works tomorrow", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow 10-12", "2026-11-25T10:00"),
        (NEW_YORK, "tomorrow 11-1", "2026-11-25T11:00"),
        (SAO_PAULO, "amanhã 14-16h", TOMORROW_2PM),
        (SAO_PAULO, "amanhã 9-11h", "2026-11-25T09:00"),
    ],
)
def test_a_span_written_with_a_dash_alone_is_a_span_of_hours(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they give a span of hours with a dash and no word before it
    # Then the call back is at its first hour, not the morning nor its last hour
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm busy at 3, 5pm", "2026-11-24T17:00"),
        (NEW_YORK, "don't call me at 3pm or 4pm, 5pm ok", "2026-11-24T17:00"),
        (NEW_YORK, "on 24-11-2026 at 3", "2026-11-24T15:00"),
        (NEW_YORK, "between 2 and 3 days", None),
        (JAKARTA, "antara 2-3 juta kak", None),
        (JAKARTA, "dari 10 sampai 12 orang", None),
        (NEW_YORK, "we'll be 2-3 people", None),
        (NEW_YORK, "it takes 1-2 weeks", None),
        (JAKARTA, "2-3 hari lagi", "2026-11-27T09:00"),
    ],
)
def test_what_is_no_span_of_hours_is_read_as_before(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When two hours are said apart, or a span counts days, money, people or dates
    # Then no span of hours is read
    assert detected(zone, text)[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "de 10 a 12 de dezembro", "2026-12-10T09:00"),
        (SAO_PAULO, "entre 10 e 12 de dezembro", "2026-12-10T09:00"),
        (SAO_PAULO, "10-12 dezembro", "2026-12-10T09:00"),
        (NEW_YORK, "10-12 dec at 3pm", "2026-12-10T15:00"),
        (NEW_YORK, "from the 10th to the 12th of december", "2026-12-10T09:00"),
        (JAKARTA, "tanggal 10 sampai 12 desember", "2026-12-10T09:00"),
    ],
)
def test_a_span_of_days_of_a_month_is_its_first_day(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name a span of days of one month
    # Then the call back is on its first day (it was its last)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm free between 9 and 11", "2026-11-24T10:15"),
        (NEW_YORK, "call me between 10 and 12", "2026-11-24T10:15"),
        (NEW_YORK, "between 9:30 and 11", "2026-11-24T10:15"),
        (JAKARTA, "hari ini antara jam 9 sampai 11", "2026-11-24T10:15"),
        (JAKARTA, "bisa telpon jam 10 sampai 12", "2026-11-24T10:15"),
        (SAO_PAULO, "entre 9 e 11", "2026-11-24T10:15"),
        (NEW_YORK, "between 8 and 10", "2026-11-25T08:00"),
        (NEW_YORK, "between 9 and 11 tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "friday between 9 and 11", "2026-11-27T09:00"),
    ],
)
def test_a_span_of_hours_already_begun_today_is_soon(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 10:00 on Tuesday
    # When they name a span of hours that has begun and not ended
    # Then the call back is a quarter of an hour later, not its first hour tomorrow; a
    # span over, or on another day, is its first hour as before
    assert detected(zone, text, at(10)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm at work from 9 to 5, call me after", "2026-11-24T17:00"),
        (NEW_YORK, "from 9 to 5 I'm at work", "2026-11-24T17:00"),
        (NEW_YORK, "I'm in class from 10 to 12", "2026-11-24T12:00"),
        (NEW_YORK, "I'm busy between 10 and 12 tomorrow", "2026-11-25T12:00"),
        (NEW_YORK, "I can't between 2 and 4", "2026-11-24T16:00"),
        (JAKARTA, "aku kerja dari jam 8 sampai jam 5", "2026-11-24T17:00"),
        (JAKARTA, "aku ada kelas jam 10-12, telpon abis itu", "2026-11-24T12:00"),
        (JAKARTA, "jam 8 sampai 5 aku kerja", "2026-11-24T17:00"),
        (JAKARTA, "besok jam 3 sampai jam 5 aku kerja", "2026-11-25T17:00"),
        (SAO_PAULO, "tô no trabalho das 9 às 18, me liga depois", "2026-11-24T18:00"),
        (MEXICO_CITY, "estoy en el trabajo de 9 a 6", "2026-11-24T18:00"),
    ],
)
def test_a_span_the_lead_is_kept_in_is_its_end(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name the hours they are at work, in class or busy
    # Then the call back is as those hours end (it was at once, inside them, or at their
    # first hour)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm free from 2 to 4", "2026-11-24T14:00"),
        (NEW_YORK, "I'm not busy from 2 to 4", "2026-11-24T14:00"),
        (NEW_YORK, "no class from 2 to 4, call me then", "2026-11-24T14:00"),
        (NEW_YORK, "call me between 2 and 4, I'm in class until 1", "2026-11-24T14:00"),
        (NEW_YORK, "I'm in class from 10 to 12, call me at 3", "2026-11-24T15:00"),
        (SAO_PAULO, "sem aula das 2 às 4, me liga", "2026-11-24T14:00"),
        (NEW_YORK, "I'm busy, between 2 and 4 works", "2026-11-24T14:00"),
        (NEW_YORK, "busy now, from 2 to 4 is fine", "2026-11-24T14:00"),
        (JAKARTA, "lagi sibuk, antara jam 2-4 aja", "2026-11-24T14:00"),
    ],
)
def test_a_span_the_lead_is_free_in_or_that_another_hour_follows_is_read_as_before(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When the span is one they are free in, or they name another hour to call
    # Then the call back is the span's first hour, or the hour named
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)
