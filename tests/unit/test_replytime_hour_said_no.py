"""An hour the lead says no to with a bare "not" or "no" ("not tomorrow at 3", "besok
jangan jam 3", "besok jam 3 jangan"), or asks themselves and answers with a no
("tomorrow at 3? no, friday"), is never booked: the time asked for after it is (an hour
alone on the day of the one refused, another day on its own; a part of the day that begins
with the hour refused, past it), and none when none is. A
"no" that opens the clause may answer something else ("no tomorrow at 3" for "no,
tomorrow at 3"), and an answer that is no no ("tomorrow at 3? no problem") keeps the
hour."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected

TOMORROW_9AM = "2026-11-25T09:00"
TOMORROW_3PM = "2026-11-25T15:00"
TOMORROW_5PM = "2026-11-25T17:00"
FRIDAY_9AM = "2026-11-27T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow at 3? no, friday", FRIDAY_9AM),
        (NEW_YORK, "tomorrow at 3? no, 5 works", TOMORROW_5PM),
        (NEW_YORK, "tomorrow at 3? no, the morning is better", TOMORROW_9AM),
        (NEW_YORK, "friday at 10am? nah monday", "2026-11-30T09:00"),
        (JAKARTA, "besok jam 3? ga, jumat aja", FRIDAY_9AM),
        (JAKARTA, "besok jam 3? ga, jam 5 aja", TOMORROW_5PM),
        (SAO_PAULO, "amanhã às 3? não, sexta", FRIDAY_9AM),
        (SAO_PAULO, "amanhã às 3? não, às 5", TOMORROW_5PM),
        (NEW_YORK, "not tomorrow at 3, friday", FRIDAY_9AM),
        (NEW_YORK, "not tomorrow at 3, 5 is fine", TOMORROW_5PM),
        (NEW_YORK, "not tomorrow at 3, friday at 5", "2026-11-27T17:00"),
        (JAKARTA, "besok jangan jam 3, jam 5 aja", TOMORROW_5PM),
        (NEW_YORK, "call me at 5, not at 3", "2026-11-24T17:00"),
        # the afternoon begins at 3: past the hour refused
        (JAKARTA, "besok jam 3? ga, sore aja", "2026-11-25T16:00"),
        (JAKARTA, "besok jam 3? ga, besok sore aja", "2026-11-25T16:00"),
        (NEW_YORK, "tomorrow at 3? no, in the afternoon", "2026-11-25T16:00"),
        (NEW_YORK, "not tomorrow at 3, the afternoon is fine", "2026-11-25T16:00"),
        (JAKARTA, "besok jam 9? ga, pagi aja", "2026-11-25T10:00"),
    ],
)
def test_the_time_asked_for_after_an_hour_said_no_to_is_the_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say no to an hour, then name another time
    # Then the call back is at that time, never at the hour refused
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "not tomorrow at 3"),
        (NEW_YORK, "tomorrow at 3 no"),
        (NEW_YORK, "tomorrow at 3? no"),
        (JAKARTA, "besok jam 3 jangan"),
        (JAKARTA, "jangan besok jam 3 ya kak"),
        (NEW_YORK, "tomorrow at 12? no, at lunch"),  # lunch is over past 12
    ],
)
def test_an_hour_said_no_to_alone_is_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they only say no to an hour
    # Then no call back is booked
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "no tomorrow at 3"),
        (NEW_YORK, "tomorrow at 3? no problem"),
        (NEW_YORK, "tomorrow at 3? yes"),
        (JAKARTA, "besok jam 3 ga?"),
    ],
)
def test_a_no_that_answers_something_else_keeps_the_hour(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When the no opens the clause, asks, or is no no to the hour
    # Then the call back is at that hour
    assert detected(zone, text) == (Intent.CALL_BACK_AT, TOMORROW_3PM)
