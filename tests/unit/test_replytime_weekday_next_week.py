"""A weekday said with next week ("minggu depan hari rabu", "wednesday next week",
"semana que vem na quarta", "el miércoles de la semana que viene") is that weekday of
next week, not its Monday, and so is its Wednesday for the middle of it ("the middle of
next week", "tengah minggu depan") and its Friday for the end of it ("end of next week",
"fim da semana que vem"); next week alone is still its Monday. The end of this week ("end
of the week", "fim da semana", not "fim de semana", the weekend) is its Friday."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected

NEXT_WEDNESDAY_9AM = "2026-12-02T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "minggu depan hari rabu", NEXT_WEDNESDAY_9AM),
        (JAKARTA, "rabu minggu depan aja kak", NEXT_WEDNESDAY_9AM),
        (NEW_YORK, "wednesday next week", NEXT_WEDNESDAY_9AM),
        (NEW_YORK, "next week on wednesday at 3", "2026-12-02T15:00"),
        (SAO_PAULO, "semana que vem na quarta", NEXT_WEDNESDAY_9AM),
        (SAO_PAULO, "quarta da semana que vem à tarde", "2026-12-02T15:00"),
        (NEW_YORK, "el miércoles de la semana que viene", NEXT_WEDNESDAY_9AM),
        (NEW_YORK, "next week friday", "2026-12-04T09:00"),
        (NEW_YORK, "next week", "2026-11-30T09:00"),
        (SAO_PAULO, "semana que vem, pode ser na quarta", NEXT_WEDNESDAY_9AM),
        (NEW_YORK, "next week maybe wednesday", NEXT_WEDNESDAY_9AM),
        (NEW_YORK, "la otra semana el miércoles", NEXT_WEDNESDAY_9AM),
        (NEW_YORK, "next week is fine, wednesday I have class", "2026-11-30T09:00"),
    ],
)
def test_a_weekday_said_with_next_week_is_that_day_of_next_week(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name a weekday of next week
    # Then the call back is on that day of next week
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me in the middle of next week", NEXT_WEDNESDAY_9AM),
        (NEW_YORK, "mid next week at 3", "2026-12-02T15:00"),
        (JAKARTA, "tengah minggu depan aja", NEXT_WEDNESDAY_9AM),
        (JAKARTA, "pertengahan minggu depan", NEXT_WEDNESDAY_9AM),
        (SAO_PAULO, "meio da semana que vem", NEXT_WEDNESDAY_9AM),
    ],
)
def test_the_middle_of_next_week_is_its_wednesday(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for the middle of next week
    # Then the call back is next week's Wednesday, not its Monday
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "end of next week", "2026-12-04T09:00"),
        (SAO_PAULO, "fim da semana que vem", "2026-12-04T09:00"),
        (NEW_YORK, "by the end of the week", "2026-11-27T09:00"),
        (SAO_PAULO, "fim da semana", "2026-11-27T09:00"),
        (SAO_PAULO, "fim de semana", "2026-11-28T09:00"),
    ],
)
def test_the_end_of_a_week_is_its_friday(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for the end of this week or of next week
    # Then the call back is that week's Friday (the weekend is Saturday)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "expected"),
    [
        (NEW_YORK, "not this week, next", (Intent.CALL_BACK_AT, "2026-11-30T09:00")),
        (NEW_YORK, "not this week, maybe next", (Intent.CALL_BACK_AT, "2026-11-30T09:00")),
        (NEW_YORK, "this week is full. next?", (Intent.CALL_BACK_AT, "2026-11-30T09:00")),
        (SAO_PAULO, "essa semana não, a próxima", (Intent.CALL_BACK_AT, "2026-11-30T09:00")),
        (MEXICO_CITY, "esta semana no, la próxima", (Intent.CALL_BACK_AT, "2026-11-30T09:00")),
        (NEW_YORK, "busy this week, next month maybe", (Intent.CALL_BACK_AT, "2026-12-01T09:00")),
        (NEW_YORK, "not this week, next time", (Intent.BUSY, None)),
    ],
)
def test_next_week_said_after_this_one_without_its_week_is_next_week(
    zone: ZoneInfo, text: str, expected: tuple[Intent, str | None]
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they refuse this week and offer the next, leaving out its "week"
    # Then the call back is next Monday (it was nothing); "next month" and "next time"
    # are no week
    assert detected(zone, text) == expected
