"""A weekday named on that same weekday is today when the hour asked is still to come, as
a date named is ("tuesday at 5pm" said on Tuesday morning is this afternoon, not a week
later); a week later once that hour is past, or when the lead says the next one
("next tuesday", "selasa depan", "terça que vem", "el próximo martes")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tuesday at 5pm works", "2026-11-24T17:00"),
        (NEW_YORK, "this tuesday at 5pm", "2026-11-24T17:00"),
        (NEW_YORK, "call me tues afternoon", "2026-11-24T15:00"),
        (JAKARTA, "selasa jam 5 sore aja", "2026-11-24T17:00"),
        (SAO_PAULO, "terça às 17h pode ser", "2026-11-24T17:00"),
        (NEW_YORK, "llámame el martes a las 5 de la tarde", "2026-11-24T17:00"),
    ],
)
def test_a_weekday_named_that_day_is_today_while_its_hour_is_to_come(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name Tuesday and an hour still to come
    # Then the call back is today at that hour
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tuesday at 8am works", "2026-12-01T08:00"),
        (NEW_YORK, "call me tuesday", "2026-12-01T09:00"),
        (NEW_YORK, "next tuesday at 5pm", "2026-12-01T17:00"),
        (JAKARTA, "selasa depan jam 5 sore", "2026-12-01T17:00"),
        (SAO_PAULO, "terça que vem às 17h", "2026-12-01T17:00"),
        (SAO_PAULO, "na próxima terça às 17h", "2026-12-01T17:00"),
        (NEW_YORK, "el próximo martes a las 5 de la tarde", "2026-12-01T17:00"),
    ],
)
def test_a_weekday_named_that_day_is_next_week_once_its_hour_is_past_or_next_is_said(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name Tuesday at an hour gone by today, or the next Tuesday
    # Then the call back is a week later
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_another_weekday_is_still_the_coming_one() -> None:
    # Given a lead writing at 09:00 on Tuesday
    # Then Friday is this week's, and "next friday" too, as before
    assert detected(NEW_YORK, "friday at 5pm") == (Intent.CALL_BACK_AT, "2026-11-27T17:00")
    assert detected(NEW_YORK, "next friday at 5pm") == (Intent.CALL_BACK_AT, "2026-11-27T17:00")
