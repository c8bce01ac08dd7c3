"""A part of the day the lead promises to talk, write or call back in names that time, in
every language ("falo com você à noite", "te escribo en la noche", "talk tonight"); one
said of the class ("a aula é à noite?", "is the class in the evening?") names none, whatever
the reply says after it ("te respondo depois": a later, not the evening)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "falo com você à noite", "2026-11-24T19:00"),
        (SAO_PAULO, "agora to dirigindo, falo contigo à noite", "2026-11-24T19:00"),
        (SAO_PAULO, "eu falo com você de manhã", "2026-11-25T09:00"),
        (MEXICO_CITY, "te escribo en la noche", "2026-11-24T19:00"),
        (MEXICO_CITY, "yo te llamo en la tarde", "2026-11-24T15:00"),
        (NEW_YORK, "is the class in the evening? call me in the morning", "2026-11-25T09:00"),
        (JAKARTA, "kelasnya malam? telpon aku sore aja", "2026-11-24T15:00"),
        (SAO_PAULO, "trabalho à noite, falo com você amanhã", "2026-11-25T09:00"),
    ],
)
def test_a_part_of_the_day_the_lead_will_write_or_call_back_in_is_the_time(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 10:00
    # When they say they will talk, write or call back in a part of the day
    # Then the call back is then
    assert detected(zone, text, at(10)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "a aula é à noite? te respondo depois"),
        (SAO_PAULO, "a aula é à noite, te respondo depois"),
        (SAO_PAULO, "a aula é à noite? falamos depois"),
        (MEXICO_CITY, "la clase es en la noche? luego te escribo"),
        (NEW_YORK, "is the class in the evening? talk later"),
        (NEW_YORK, "the class is in the evening, talk later"),
    ],
)
def test_a_part_of_the_day_said_of_the_class_is_no_time_asked_for(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 10:00
    # When they speak of the class's part of the day and say they will write later
    # Then no time is booked: they are busy for now
    assert detected(zone, text, at(10)) == (Intent.BUSY, None)
