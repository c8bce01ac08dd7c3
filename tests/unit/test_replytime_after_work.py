"""After work is the evening (19:00) and after school or class the afternoon (15:00), as
parts of the day: "besok sehabis kerja", "call me after work", "depois do trabalho",
"pulang sekolah aja", "after class tomorrow". The hour the lead leaves work is when they
are free ("saio do trabalho às 17h"), not an hour they work at ("trabalho às 17h"). So is
the lead home or done with work ("when I get home", "quando eu sair do trabalho")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me after work", "2026-11-24T19:00"),
        (NEW_YORK, "tomorrow after work", "2026-11-25T19:00"),
        (JAKARTA, "besok sehabis kerja aja kak", "2026-11-25T19:00"),
        (JAKARTA, "pulang kerja ya", "2026-11-24T19:00"),
        (SAO_PAULO, "me liga depois do trabalho", "2026-11-24T19:00"),
        (NEW_YORK, "llámame después del trabajo", "2026-11-24T19:00"),
        (NEW_YORK, "after school tomorrow", "2026-11-25T15:00"),
        (JAKARTA, "pulang sekolah aja kak", "2026-11-24T15:00"),
        (JAKARTA, "besok abis kuliah", "2026-11-25T15:00"),
        (SAO_PAULO, "amanhã depois da aula", "2026-11-25T15:00"),
    ],
)
def test_after_work_or_school_is_a_part_of_the_day(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be called after work or school
    # Then the call back is that evening, or that afternoon
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_after_work_said_no_to_leaves_the_day_asked_for() -> None:
    # Given a lead writing at 09:00 on Tuesday
    # Then "after work doesn't work, Saturday" is Saturday at 09:00, not after work
    assert detected(SAO_PAULO, "depois do trabalho não dá, sábado") == (
        Intent.CALL_BACK_AT,
        "2026-11-28T09:00",
    )


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "saio do trabalho às 17h, liga depois", "2026-11-24T17:00"),
        (SAO_PAULO, "chego do trabalho às 18h", "2026-11-24T18:00"),
        (NEW_YORK, "I finish work at 5, call me after", "2026-11-24T17:00"),
        (SAO_PAULO, "trabalho às 17h", None),
    ],
)
def test_the_hour_the_lead_leaves_work_is_when_they_are_free(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say when they leave work (not when they work)
    # Then the call back is then
    assert detected(zone, text)[1] == local


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "aku lagi kerja"),
        (NEW_YORK, "I'm at work"),
    ],
)
def test_at_work_is_still_busy(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text) == (Intent.BUSY, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "when I get home", "2026-11-24T19:00"),
        (NEW_YORK, "call me when I get home", "2026-11-24T19:00"),
        (NEW_YORK, "after I get off work", "2026-11-24T19:00"),
        (NEW_YORK, "when I finish work tomorrow", "2026-11-25T19:00"),
        (NEW_YORK, "after my shift", "2026-11-24T19:00"),
        (SAO_PAULO, "quando eu sair do trabalho", "2026-11-24T19:00"),
        (SAO_PAULO, "depois do expediente", "2026-11-24T19:00"),
        (MEXICO_CITY, "cuando llegue a casa", "2026-11-24T19:00"),
    ],
)
def test_the_lead_done_with_work_or_home_is_the_evening(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be called once they are home or done with work
    # Then the call back is at 19:00, as "after work" (it was none, or a question)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_asking_when_the_lead_gets_home_is_a_question() -> None:
    assert detected(NEW_YORK, "when do I get home") == (Intent.QUESTION, None)
