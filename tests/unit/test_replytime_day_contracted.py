"""An English day written with "'s" ("tomorrow's good", "Monday's ok at 3") is that day,
as "tomorrow is good" is, when what follows takes the day or names its time: the
apostrophe is dropped before a reply is read, and "tomorrows" named no day."""

from __future__ import annotations

import pytest

from followup.domain.intent import Intent
from tests.support.replies import NEW_YORK, at, detected


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("tomorrow's good", "2026-11-25T09:00"),
        ("Tomorrow’s good for me", "2026-11-25T09:00"),
        ("TOMORROW'S FINE", "2026-11-25T09:00"),
        ("tmrw's fine", "2026-11-25T09:00"),
        ("friday's best", "2026-11-27T09:00"),
        ("tonight's good", "2026-11-24T19:00"),
    ],
)
def test_a_day_said_with_its_apostrophe_is_booked(text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they accept a day written with "'s"
    # Then the call back is on that day (no call back was booked)
    assert detected(NEW_YORK, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("Monday's ok at 3", "2026-11-30T15:00"),
        ("friday's good at 10am", "2026-11-27T10:00"),
        ("wednesday's fine, around 2pm", "2026-11-25T14:00"),
        ("tonight's better, after 8", "2026-11-24T20:00"),
    ],
)
def test_an_hour_said_with_a_day_and_its_apostrophe_is_on_that_day(text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they name a day with "'s" and an hour
    # Then the call back is at that hour on that day (it was at that hour today, or the
    # next morning for "tonight's better, after 8")
    assert detected(NEW_YORK, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("tomorrow's bad for me", Intent.OTHER),
        ("tomorrow's no good", Intent.OTHER),
        ("tomorrow's busy for me", Intent.BUSY),
        ("what time is tomorrow's class", Intent.QUESTION),
        ("is friday's session still on?", Intent.QUESTION),
        ("I missed yesterday's class", Intent.OTHER),
        ("friday's too late", Intent.OTHER),
        ("monday's a holiday", Intent.OTHER),
        ("please cancel tomorrow's call", Intent.OTHER),
        ("see you at saturday's open day", Intent.OTHER),
    ],
)
def test_a_day_with_its_apostrophe_refused_or_asked_about_books_nothing(
    text: str, intent: Intent
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When the day they write with "'s" is refused, asked about, or gone by
    # Then no call back is booked
    assert detected(NEW_YORK, text, at(8)) == (intent, None)


@pytest.mark.parametrize("text", ["mondays are bad for me", "I work mondays"])
def test_a_weekday_said_as_a_habit_books_no_call_back(text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they speak of a weekday in the plural, with no apostrophe
    # Then no call back is booked on the next such day
    assert detected(NEW_YORK, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("today's a holiday, call me tomorrow at 10", "2026-11-25T10:00"),
        ("tomorrow's bad, friday at 2?", "2026-11-27T14:00"),
        ("move tomorrow's call to friday", "2026-11-27T09:00"),
    ],
)
def test_a_day_with_its_apostrophe_not_taken_leaves_the_day_asked_for(
    text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When a day written with "'s" is not the one they take, and another is
    # Then the call back is on the other day
    assert detected(NEW_YORK, text, at(8)) == (Intent.CALL_BACK_AT, local)
