"""An hour from 7 to 9 said of today ("today", "hari ini", "nanti", "hoje", "later at")
with no am or pm and no part of the day, once that hour has passed this morning, is this
evening's: "today at 7" said at 09:00 was booked at 07:00 the next day; so is one said
with no day up to four hours before it ("at 7" said at 18:00). Said before it comes,
with "am", "pagi" or a 24-hour clock ("07:00"), with another day ("tomorrow at 7"), or
with no day in the morning ("jam 8 aja" said at 09:00: the next 08:00), it is the
morning's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "today at 7", "2026-11-24T19:00"),
        (NEW_YORK, "call me today at 8", "2026-11-24T20:00"),
        (NEW_YORK, "today at 7:30", "2026-11-24T19:30"),
        (JAKARTA, "nanti jam 7", "2026-11-24T19:00"),
        (JAKARTA, "nanti kak jam 7", "2026-11-24T19:00"),
        (JAKARTA, "hari ini jam 9 aja", "2026-11-24T21:00"),
        (SAO_PAULO, "hoje às 7", "2026-11-24T19:00"),
        (NEW_YORK, "later at 7", "2026-11-24T19:00"),
        (NEW_YORK, "I'll be free later on at 8", "2026-11-24T20:00"),
        (SAO_PAULO, "mais tarde às 7", "2026-11-24T19:00"),
    ],
)
def test_an_evening_hour_past_this_morning_is_this_evening(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name 7, 8 or 9 of today with no am or pm
    # Then the call back is this evening, not tomorrow morning
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "hour", "local"),
    [
        (NEW_YORK, "call me today at 7", 6, "2026-11-24T07:00"),
        (NEW_YORK, "today at 7", 22, "2026-11-25T07:00"),
        (JAKARTA, "jam 8 aja", 9, "2026-11-25T08:00"),
        (NEW_YORK, "tomorrow at 7", 9, "2026-11-25T07:00"),
        (NEW_YORK, "at 7am", 9, "2026-11-25T07:00"),
        (NEW_YORK, "later at 7am", 9, "2026-11-25T07:00"),
        (NEW_YORK, "at 07:00", 9, "2026-11-25T07:00"),
        (JAKARTA, "jam 7 pagi", 9, "2026-11-25T07:00"),
        (NEW_YORK, "at 10", 9, "2026-11-24T10:00"),
    ],
)
def test_a_morning_hour_said_as_one_or_still_to_come_stays_the_morning(
    zone: ZoneInfo, text: str, hour: int, local: str
) -> None:
    # Given a lead writing on Tuesday at `hour`
    # When the hour is still to come this morning, said as a morning's, of another day or
    # of no day
    # Then the call back is at that hour in the morning
    assert detected(zone, text, at(hour)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "hour", "local"),
    [
        (NEW_YORK, "at 7", 18, "2026-11-24T19:00"),
        (NEW_YORK, "call me at 8", 19, "2026-11-24T20:00"),
        (JAKARTA, "jam 8 aja", 19, "2026-11-24T20:00"),
        (SAO_PAULO, "às 9", 20, "2026-11-24T21:00"),
        (NEW_YORK, "at 8", 16, "2026-11-24T20:00"),
        (NEW_YORK, "at 8", 13, "2026-11-25T08:00"),
        (NEW_YORK, "call me at 9", 15, "2026-11-25T09:00"),
        (NEW_YORK, "at 7", 21, "2026-11-25T07:00"),
        (JAKARTA, "jam 8 pagi", 19, "2026-11-25T08:00"),
    ],
)
def test_an_evening_hour_said_with_no_day_hours_before_it_is_this_evening(
    zone: ZoneInfo, text: str, hour: int, local: str
) -> None:
    # Given a lead writing on Tuesday afternoon or evening
    # When they name 7, 8 or 9 with no day, no am or pm and no part of the day
    # Then the call back is this evening when it is at most four hours away (it was
    # tomorrow morning), else, or once past it, the next morning; "pagi" keeps the morning
    assert detected(zone, text, at(hour)) == (Intent.CALL_BACK_AT, local)
