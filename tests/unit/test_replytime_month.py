"""A part of the month asked for is a day: the end of the month ("akhir bulan", "end of
the month", "fim do mês", "fin de mes") its last day, and next month or its start ("bulan
depan", "early next month", "início do mês que vem", "el mes que viene") the 1st of next
month; at 09:00 or the hour said. The end of a month whose last day's hour is past is
next month's end."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intents import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected

END_OF_NOVEMBER = "2026-11-30T09:00"
FIRST_OF_DECEMBER = "2026-12-01T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "nanti akhir bulan aja kak, pas gajian", END_OF_NOVEMBER),
        (NEW_YORK, "call me at the end of the month", END_OF_NOVEMBER),
        (SAO_PAULO, "me chama no fim do mês", END_OF_NOVEMBER),
        (SAO_PAULO, "final do mês às 14h", "2026-11-30T14:00"),
        (NEW_YORK, "a fin de mes", END_OF_NOVEMBER),
        (JAKARTA, "bulan depan aja", FIRST_OF_DECEMBER),
        (JAKARTA, "awal bulan depan ya kak", FIRST_OF_DECEMBER),
        (NEW_YORK, "early next month", FIRST_OF_DECEMBER),
        (NEW_YORK, "try me next month", FIRST_OF_DECEMBER),
        (SAO_PAULO, "início do mês que vem", FIRST_OF_DECEMBER),
        (SAO_PAULO, "mês que vem", FIRST_OF_DECEMBER),
        (NEW_YORK, "el mes que viene", FIRST_OF_DECEMBER),
    ],
)
def test_a_part_of_the_month_asked_for_is_its_day(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November
    # When they ask for the end of the month, or next month
    # Then the call back is the month's last day, or the 1st of next month
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_the_end_of_a_month_already_at_its_end_is_next_months() -> None:
    # Given a lead writing at 10:00 on the last day of November
    # When they ask for the end of the month
    # Then the call back is the last day of December
    now = datetime(2026, 11, 30, 10, 0)
    assert detected(JAKARTA, "akhir bulan aja", now) == (Intent.CALL_BACK_AT, "2026-12-31T09:00")


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "bulan lalu saya sudah bayar"),
        (NEW_YORK, "last month I was sick"),
        (SAO_PAULO, "mês passado eu paguei"),
        (NEW_YORK, "the course starts next month?"),
    ],
)
def test_a_month_gone_by_or_when_something_starts_names_no_day(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text)[1] is None
