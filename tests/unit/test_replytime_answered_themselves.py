"""A lead who asks a day and answers it with a no in the same message ("tomorrow? no,
friday", "can you call tomorrow? no wait, friday", "besok bisa? eh ga deh, jumat aja")
says no to that day, whatever they asked it with: the day named after the no is the
call back, and none when none is. A no that says something else ("tomorrow? no
problem") or one that says no to the next day named ("besok? jangan jumat") leaves the
day asked."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected

TOMORROW_9AM = "2026-11-25T09:00"
FRIDAY_9AM = "2026-11-27T09:00"
MONDAY_9AM = "2026-11-30T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow? no, friday", FRIDAY_9AM),
        (NEW_YORK, "tomorrow? nah friday", FRIDAY_9AM),
        (NEW_YORK, "tomorrow? no wait, friday", FRIDAY_9AM),
        (NEW_YORK, "friday? no no, monday", MONDAY_9AM),
        (JAKARTA, "besok? ga deh, jumat aja", FRIDAY_9AM),
        (SAO_PAULO, "amanhã? não, sexta", FRIDAY_9AM),
        (NEW_YORK, "can you call tomorrow? no wait, friday", FRIDAY_9AM),
        (NEW_YORK, "how about tomorrow? no, friday", FRIDAY_9AM),
        (NEW_YORK, "maybe tomorrow? nah, friday", FRIDAY_9AM),
        (NEW_YORK, "tomorrow? oh no, friday", FRIDAY_9AM),
        (NEW_YORK, "can you call tomorrow at 3? no, friday", FRIDAY_9AM),
        (NEW_YORK, "can you call tomorrow at 3? no, 5 is fine", "2026-11-25T17:00"),
        (JAKARTA, "besok bisa? eh ga deh, jumat aja", FRIDAY_9AM),
        (SAO_PAULO, "amanhã pode? não, sexta", FRIDAY_9AM),
    ],
)
def test_the_day_named_after_the_no_is_the_call_back(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask themselves a day, say no to it and name another
    # Then the call back is on the other day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "tomorrow? no"),
        (NEW_YORK, "tomorrow? no, I can't"),
        (NEW_YORK, "can you call tomorrow? no"),
        (JAKARTA, "besok bisa? ga deh"),
    ],
)
def test_a_day_answered_no_alone_is_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask themselves a day and only say no to it
    # Then no call back is booked on it
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "tomorrow? no problem"),
        (NEW_YORK, "tomorrow? yes"),
        (NEW_YORK, "how about tomorrow? no problem"),
        (NEW_YORK, "tomorrow? eh"),
        (NEW_YORK, "tomorrow? not friday"),
        (JAKARTA, "besok? jangan jumat"),
    ],
)
def test_a_no_that_answers_something_else_keeps_the_day(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When what follows the day asked is not a no to it
    # Then the call back is on that day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, TOMORROW_9AM)
