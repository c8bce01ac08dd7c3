"""The following week is next week: "call me the following week", "a semana seguinte", "la
semana siguiente", "minggu berikutnya" or "minggu selanjutnya" is next Monday, with an hour
said that hour of it, and a weekday or the end said with it that day of next week. The
next Sunday ("hari minggu berikutnya") stays a Sunday."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me the following week", "2026-11-30T09:00"),
        (NEW_YORK, "I'm busy this week, the following week works", "2026-11-30T09:00"),
        (NEW_YORK, "call me the following week at 3pm", "2026-11-30T15:00"),
        (NEW_YORK, "the following week on wednesday", "2026-12-02T09:00"),
        (NEW_YORK, "end of the following week", "2026-12-04T09:00"),
        (NEW_YORK, "anytime the following week except monday", "2026-12-01T09:00"),
        (SAO_PAULO, "me liga na semana seguinte", "2026-11-30T09:00"),
        (SAO_PAULO, "semana seguinte na quarta", "2026-12-02T09:00"),
        (MEXICO_CITY, "llámame la semana siguiente", "2026-11-30T09:00"),
        (MEXICO_CITY, "el miércoles de la semana siguiente", "2026-12-02T09:00"),
        (JAKARTA, "minggu berikutnya saja kak", "2026-11-30T09:00"),
        (JAKARTA, "minggu berikutnya hari rabu jam 10", "2026-12-02T10:00"),
        (JAKARTA, "minggu selanjutnya ya kak", "2026-11-30T09:00"),
    ],
)
def test_the_following_week_is_next_week(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they ask for the following week
    # Then the call back is in next week (it was none, or today at the hour said)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me next week", "2026-11-30T09:00"),
        (JAKARTA, "hari minggu berikutnya aja", "2026-11-29T09:00"),
        (NEW_YORK, "call me the week after next", "2026-12-07T09:00"),
    ],
)
def test_next_week_the_next_sunday_and_the_week_after_read_as_before(
    zone: ZoneInfo, text: str, local: str
) -> None:
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)
