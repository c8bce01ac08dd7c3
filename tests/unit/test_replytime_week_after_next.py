"""The week after next is its Monday, as next week is next Monday: "call me the week after
next", "after next week", "minggu depannya lagi", "a semana depois da que vem", "la semana
después de la próxima"; a weekday, its middle or its end said with it is that day of it,
and "anytime the week after next except Monday" its first day but Monday. A fortnight is
fourteen days and fifteen days in words ("daqui a quinze dias", "en quince días") are
fifteen, as days counted from today are. Next week, the end of this week and days until
something starts read as before."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me the week after next", "2026-12-07T09:00"),
        (NEW_YORK, "call me the week after next at 3pm", "2026-12-07T15:00"),
        (NEW_YORK, "not next week, the week after next", "2026-12-07T09:00"),
        (NEW_YORK, "I'm away, try after next week", "2026-12-07T09:00"),
        (JAKARTA, "minggu depannya lagi aja kak", "2026-12-07T09:00"),
        (SAO_PAULO, "me liga na semana depois da que vem", "2026-12-07T09:00"),
        (MEXICO_CITY, "llámame la semana después de la próxima", "2026-12-07T09:00"),
    ],
)
def test_the_week_after_next_is_its_monday(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they ask for the week after next
    # Then the call back is on Monday 7 December (it was today at 3pm, next week or none)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tuesday the week after next", "2026-12-08T09:00"),
        (NEW_YORK, "week after next, tuesday", "2026-12-08T09:00"),
        (JAKARTA, "rabu minggu depannya lagi", "2026-12-09T09:00"),
        (NEW_YORK, "middle of the week after next", "2026-12-09T09:00"),
        (NEW_YORK, "end of the week after next", "2026-12-11T09:00"),
        (NEW_YORK, "anytime the week after next except monday", "2026-12-08T09:00"),
    ],
)
def test_a_day_of_the_week_after_next_is_that_day_of_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they name a day of the week after next, its middle or its end
    # Then the call back is that day of the week of 7 December (this or next week's before)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_the_week_after_next_said_on_a_sunday_starts_eight_days_later() -> None:
    # Given a lead writing on Sunday 29 November, when next week starts tomorrow
    # When they ask for the week after next
    # Then the call back is on Monday 7 December, not on the 30th
    sunday = at(9).replace(day=29)
    assert detected(NEW_YORK, "the week after next", sunday) == (
        Intent.CALL_BACK_AT,
        "2026-12-07T09:00",
    )


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "in a fortnight", "2026-12-08T09:00"),
        (NEW_YORK, "call me in a fortnight at 3pm", "2026-12-08T15:00"),
        (NEW_YORK, "give me a fortnight", "2026-12-08T09:00"),
        (SAO_PAULO, "daqui a quinze dias", "2026-12-09T09:00"),
        (MEXICO_CITY, "dentro de quince días", "2026-12-09T09:00"),
        (MEXICO_CITY, "en quince días por la tarde", "2026-12-09T15:00"),
        (NEW_YORK, "in fifteen days", "2026-12-09T09:00"),
        (JAKARTA, "lima belas hari lagi", "2026-12-09T09:00"),
    ],
)
def test_a_fortnight_and_fifteen_days_in_words_count_from_today(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they ask for a fortnight, or fifteen days written in words
    # Then the call back is 14 or 15 days later, as "in 2 weeks" and "in 15 days" are
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "next week", "2026-11-30T09:00"),
        (NEW_YORK, "call me at the end of the week", "2026-11-27T09:00"),
        (NEW_YORK, "anytime next week except monday", "2026-12-01T09:00"),
        (JAKARTA, "minggu depan kecuali senin", "2026-12-01T09:00"),
        (NEW_YORK, "the course starts in a fortnight?", None),
        (SAO_PAULO, "paguei quinze dias atrás", None),
        (NEW_YORK, "I called last week", None),
    ],
)
def test_next_week_the_end_of_this_one_and_a_fortnight_until_an_event_read_as_before(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # Then next week is still next Monday, the end of this week its Friday, and a
    # fortnight until something starts or gone by books no call back
    assert detected(zone, text)[1] == local
