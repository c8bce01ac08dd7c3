"""The weekend asked for is its Saturday ("call me this weekend", "weekend aja", "no fim
de semana", "el fin de semana"), at 09:00 or the hour said; its Sunday when Saturday's
hour is past, and the next one once it is over. After the weekend is the Monday after
it; a weekend gone by, weekends in general or a weekend wished well name no day, and one
said no to is never booked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected

SATURDAY_9AM = "2026-11-28T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me this weekend", SATURDAY_9AM),
        (NEW_YORK, "on the weekend at 11", "2026-11-28T11:00"),
        (JAKARTA, "weekend aja kak", SATURDAY_9AM),
        (JAKARTA, "akhir pekan sore ya", "2026-11-28T15:00"),
        (SAO_PAULO, "me liga no fim de semana", SATURDAY_9AM),
        (NEW_YORK, "llámame el fin de semana", SATURDAY_9AM),
        (NEW_YORK, "after the weekend", "2026-11-30T09:00"),
        (SAO_PAULO, "depois do fim de semana", "2026-11-30T09:00"),
        (JAKARTA, "habis weekend aja", "2026-11-30T09:00"),
        (NEW_YORK, "weekends work", SATURDAY_9AM),
        (NEW_YORK, "weekends are best", SATURDAY_9AM),
        (NEW_YORK, "weekends only", SATURDAY_9AM),
    ],
)
def test_the_weekend_asked_for_is_its_saturday(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for the weekend (or weekends), or after it
    # Then the call back is on Saturday, or the Monday after it
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("now", "local"),
    [
        (datetime(2026, 11, 28, 8, 0), "2026-11-28T09:00"),
        (datetime(2026, 11, 28, 10, 0), "2026-11-29T09:00"),
        (datetime(2026, 11, 29, 10, 0), "2026-12-05T09:00"),
    ],
)
def test_the_weekend_asked_for_during_it_is_what_is_left_of_it(now: datetime, local: str) -> None:
    # Given a lead writing on Saturday before 09:00, after it, or on Sunday after it
    # When they ask for the weekend
    # Then the call back is Saturday, Sunday, or the next Saturday
    assert detected(NEW_YORK, "call me on the weekend", now) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I work weekends"),
        (NEW_YORK, "weekends are bad for me"),
        (NEW_YORK, "last weekend I was away"),
        (SAO_PAULO, "no fim de semana passado eu viajei"),
        (NEW_YORK, "thanks, have a nice weekend"),
        (NEW_YORK, "enjoy your weekend!"),
        (SAO_PAULO, "obrigado, bom fim de semana"),
        (JAKARTA, "makasih kak, selamat akhir pekan"),
    ],
)
def test_weekends_in_general_gone_by_or_wished_well_name_no_day(zone: ZoneInfo, text: str) -> None:
    # When a lead speaks of weekends in general, of one gone by, or wishes a good one
    # Then no call back is booked
    assert detected(zone, text)[1] is None


def test_a_weekend_said_no_to_is_never_booked() -> None:
    # Given a lead writing at 09:00 on Tuesday
    # Then "not this weekend, monday" is Monday
    assert detected(NEW_YORK, "not this weekend, monday") == (
        Intent.CALL_BACK_AT,
        "2026-11-30T09:00",
    )
