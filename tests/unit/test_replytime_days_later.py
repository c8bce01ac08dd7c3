"""Days counted from today are a day to call back on: "in 2 days", "2 hari lagi", "daqui a
2 dias", "give me 3 days", "kasih waktu 2 hari", "in 2 weeks", "in a week", "daqui a uma
semana", and a few ("in a few days", "daqui uns dias": three); at 09:00, or at the hour
or part of the day said with them; a couple or a few hours are two or three. Days gone
by ("2 days ago"), days until something starts ("the course starts in 2 weeks"), days
not counted ("daqui a dias") and hours counted from now ("in 2 hours") are read as
before. Minutes or hours the lead asks for ("give me 10 minutes", "kasih waktu setengah
jam") count from now, as days do."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "in 2 days", "2026-11-26T09:00"),
        (NEW_YORK, "call me in 3 days at 4pm", "2026-11-27T16:00"),
        (NEW_YORK, "give me 2 days to think", "2026-11-26T09:00"),
        (NEW_YORK, "I need a couple of days", "2026-11-26T09:00"),
        (NEW_YORK, "try again in 2 weeks", "2026-12-08T09:00"),
        (NEW_YORK, "2 days from now in the afternoon", "2026-11-26T15:00"),
        (JAKARTA, "2 hari lagi ya kak", "2026-11-26T09:00"),
        (JAKARTA, "kasih waktu 3 hari ya", "2026-11-27T09:00"),
        (JAKARTA, "dalam dua hari sore aja", "2026-11-26T15:00"),
        (JAKARTA, "seminggu lagi aja kak", "2026-12-01T09:00"),
        (JAKARTA, "sekitar 3 hari lagi", "2026-11-27T09:00"),
        (SAO_PAULO, "me chama daqui a 2 dias", "2026-11-26T09:00"),
        (SAO_PAULO, "me dá uns 3 dias", "2026-11-27T09:00"),
        (SAO_PAULO, "em duas semanas", "2026-12-08T09:00"),
        (NEW_YORK, "llámame en 2 días", "2026-11-26T09:00"),
        (NEW_YORK, "dame tres días", "2026-11-27T09:00"),
        (NEW_YORK, "in a week", "2026-12-01T09:00"),
        (NEW_YORK, "a week from now", "2026-12-01T09:00"),
        (NEW_YORK, "give me a day or two", "2026-11-25T09:00"),
        (JAKARTA, "satu minggu lagi", "2026-12-01T09:00"),
        (SAO_PAULO, "daqui a uma semana", "2026-12-01T09:00"),
        (NEW_YORK, "dentro de una semana", "2026-12-01T09:00"),
        (NEW_YORK, "in a few days", "2026-11-27T09:00"),
        (JAKARTA, "beberapa hari lagi", "2026-11-27T09:00"),
        (SAO_PAULO, "daqui uns dias", "2026-11-27T09:00"),
        (NEW_YORK, "en unos días", "2026-11-27T09:00"),
    ],
)
def test_days_counted_from_today_are_the_day_to_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for some days first
    # Then the call back is that many days later, at 09:00 or the hour they said
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "in 2 hours", "2026-11-24T11:00"),
        (NEW_YORK, "I called 2 days ago", None),
        (JAKARTA, "2 hari yang lalu sudah saya transfer", None),
        (NEW_YORK, "the course starts in 2 weeks?", None),
        (JAKARTA, "kelasnya mulai 2 minggu lagi kak?", None),
        (SAO_PAULO, "as aulas começam em 2 semanas?", None),
        (SAO_PAULO, "daqui a dias eu vejo", None),
    ],
)
def test_hours_from_now_days_gone_by_and_days_until_an_event_are_read_as_before(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # Then hours count from now, and days gone by or until something starts book no call
    # back
    assert detected(zone, text)[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "in a couple of hours", "2026-11-24T11:00"),
        (NEW_YORK, "in a few hours", "2026-11-24T12:00"),
        (JAKARTA, "beberapa jam lagi", "2026-11-24T12:00"),
        (SAO_PAULO, "daqui umas horas", "2026-11-24T12:00"),
    ],
)
def test_a_couple_or_a_few_hours_count_two_or_three_from_now(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be called in a couple or a few hours
    # Then the call back is two or three hours from now (it was none)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "give me 10 mins", "2026-11-24T09:10"),
        (NEW_YORK, "give me an hour", "2026-11-24T10:00"),
        (NEW_YORK, "give me half an hour", "2026-11-24T09:30"),
        (NEW_YORK, "give me 2 hours, I'm in a meeting", "2026-11-24T11:00"),
        (NEW_YORK, "gimme a couple of hours", "2026-11-24T11:00"),
        (JAKARTA, "kasih waktu 10 menit ya", "2026-11-24T09:10"),
        (JAKARTA, "kasih waktu setengah jam ya kak", "2026-11-24T09:30"),
        (SAO_PAULO, "me dá 10 minutos", "2026-11-24T09:10"),
        (MEXICO_CITY, "dame media hora", "2026-11-24T09:30"),
    ],
)
def test_minutes_or_hours_the_lead_asks_for_count_from_now(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for minutes or hours before a call ("give me 10 minutes")
    # Then the call back is that long from now (it was none), as "give me 3 days" is days
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize("text", ["the class takes 2 hours", "terima kasih kak", "give me a sec"])
def test_hours_not_asked_for_before_a_call_count_nothing(text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When hours are said of something else, or no time is counted
    # Then no call back is booked
    assert detected(NEW_YORK, text)[0] is not Intent.CALL_BACK_AT


@pytest.mark.parametrize(
    ("text", "local"), [("15 mnt lg", "2026-11-24T09:15"), ("10 mnt lagi ya", "2026-11-24T09:10")]
)
def test_minutes_written_short_in_indonesian_count_from_now(text: str, local: str) -> None:
    # Given a lead in Jakarta writing at 09:00 on Tuesday
    # When they write minutes as "mnt"
    # Then the call back is that many minutes from now (it was none)
    assert detected(JAKARTA, text) == (Intent.CALL_BACK_AT, local)
