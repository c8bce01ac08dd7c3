"""A Portuguese "no" before a day or a time of one ("no sábado", "no fim de semana", "no
fim da tarde") is "on the", never a no: the day is asked for, and refused only where the
lead says they cannot then ("no sábado não posso"), as with "on" ("on saturday I
can't")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import NEW_YORK, SAO_PAULO, detected

SATURDAY_9AM = "2026-11-28T09:00"
SUNDAY_9AM = "2026-11-29T09:00"


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("no sábado", SATURDAY_9AM),
        ("no sabado de manha", SATURDAY_9AM),
        ("me liga no domingo", SUNDAY_9AM),
        ("no próximo sábado", SATURDAY_9AM),
        ("no fim de semana", SATURDAY_9AM),
        ("no final de semana", SATURDAY_9AM),
        ("pode ser no final de semana?", SATURDAY_9AM),
        ("no fim da tarde", "2026-11-24T17:00"),
        ("no dia 10", "2026-12-10T09:00"),
    ],
)
def test_a_day_said_with_no_is_asked_for(text: str, local: str) -> None:
    # Given a lead in São Paulo writing at 09:00 on Tuesday
    # When they ask for a day or a time of one with "no" before it
    # Then the call back is then
    assert detected(SAO_PAULO, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "no sábado não posso, domingo", SUNDAY_9AM),
        (SAO_PAULO, "no sábado não, domingo", SUNDAY_9AM),
        (NEW_YORK, "on saturday I can't, sunday works", SUNDAY_9AM),
    ],
)
def test_a_day_said_with_on_and_refused_is_passed_over(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they cannot do a day said with "no" or "on", then name another
    # Then the call back is on the other day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "no sábado não posso"),
        (NEW_YORK, "on saturday I can't"),
        (SAO_PAULO, "bom final de semana!"),
        (SAO_PAULO, "no final de semana passado eu liguei"),
    ],
)
def test_a_day_refused_gone_by_or_wished_well_is_no_call_back(zone: ZoneInfo, text: str) -> None:
    # When a lead refuses a day said with "no" or "on", speaks of one gone by or wishes a
    # good weekend
    # Then no call back is booked
    assert detected(zone, text)[1] is None
