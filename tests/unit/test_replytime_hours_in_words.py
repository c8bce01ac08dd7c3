"""An hour written in words is that hour: after what says it is one ("at three", "às
duas", "a las dos y media", "a la una", "jam dua siang", "lá pelas três") or before what
does ("three o'clock", "duas da tarde"), and a bare number before a part of the day as
Portuguese and Spanish say it ("2 da tarde", "7 de la noche"). A number of things in
words stays a count ("at two locations", "as duas turmas", "as duas e eu")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "at three", "2026-11-24T15:00"),
        (NEW_YORK, "around eleven", "2026-11-24T11:00"),
        (NEW_YORK, "three o'clock", "2026-11-24T15:00"),
        (NEW_YORK, "one o'clock tomorrow", "2026-11-25T13:00"),
        (NEW_YORK, "3 o'clock", "2026-11-24T15:00"),
        (NEW_YORK, "at ten thirty tomorrow", "2026-11-25T10:30"),
        (NEW_YORK, "at 4 fifteen", "2026-11-24T16:15"),
        (SAO_PAULO, "às duas", "2026-11-24T14:00"),
        (SAO_PAULO, "duas da tarde", "2026-11-24T14:00"),
        (SAO_PAULO, "umas duas da tarde", "2026-11-24T14:00"),
        (SAO_PAULO, "lá pelas três", "2026-11-24T15:00"),
        (SAO_PAULO, "as duas e meia", "2026-11-24T14:30"),
        (SAO_PAULO, "2 da tarde", "2026-11-24T14:00"),
        (MEXICO_CITY, "a las dos de la tarde", "2026-11-24T14:00"),
        (MEXICO_CITY, "a las dos y media", "2026-11-24T14:30"),
        (MEXICO_CITY, "a la una", "2026-11-24T13:00"),
        (MEXICO_CITY, "mañana a la una de la tarde", "2026-11-25T13:00"),
        (MEXICO_CITY, "a las once", "2026-11-24T11:00"),
        (MEXICO_CITY, "a las tres en punto", "2026-11-24T15:00"),
        (MEXICO_CITY, "tipo 7 de la noche", "2026-11-24T19:00"),
        (JAKARTA, "jam dua siang", "2026-11-24T14:00"),
        (JAKARTA, "jam tiga sore", "2026-11-24T15:00"),
        (JAKARTA, "jam sepuluh pagi", "2026-11-24T10:00"),
    ],
)
def test_an_hour_in_words_is_that_hour(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they write the hour in words, or a bare number with the part of the day
    # Then the call back is at that hour (it was nothing)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "at two locations"),
        (NEW_YORK, "at once"),
        (SAO_PAULO, "as duas turmas"),
        (SAO_PAULO, "as duas e eu"),
        (NEW_YORK, "I have 2 thirty minute calls"),
    ],
)
def test_a_number_of_things_in_words_is_no_hour(zone: ZoneInfo, text: str) -> None:
    # When a number in words counts things, or "once" means at once
    # Then no call back is booked
    assert detected(zone, text)[1] is None
