"""A date written in numbers before an hour or a part of the day, or as the message ends
("5/12 às 14h", "tgl 5/1 jam 2", "call me 12/3"), is that date: day first, as in
Indonesia, Brazil and most of the world, unless that cannot be ("12/25") or the lead's
zone is in a country that writes the month first (the United States: "5/12" is 12 May).
It was read as today, or as the next day of the month named whatever its month. A
fraction ("1/2 of the course", "2/3 of the class") is no date."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "5/12 às 14h", "2026-12-05T14:00"),
        (SAO_PAULO, "dia 25/12 de manhã", "2026-12-25T09:00"),
        (JAKARTA, "5/12 jam 2 siang", "2026-12-05T14:00"),
        (JAKARTA, "tgl 5/1 jam 2", "2027-01-05T14:00"),
        (JAKARTA, "tgl 5/1/2027 jam 2", "2027-01-05T14:00"),
        (NEW_YORK, "12/25 at 3", "2026-12-25T15:00"),
        (NEW_YORK, "5/12 at 2pm", "2027-05-12T14:00"),
        (NEW_YORK, "call me 12/3", "2026-12-03T09:00"),
        (JAKARTA, "12/3 pagi", "2027-03-12T09:00"),
    ],
)
def test_a_date_written_in_numbers_is_that_date(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November 2026
    # When they name a date in numbers
    # Then the call back is on that date, read as their country writes dates
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [(NEW_YORK, "I finished 1/2 of the course"), (NEW_YORK, "2/3 of the class")],
)
def test_a_fraction_is_no_date(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize("zone", [ZoneInfo("UTC"), ZoneInfo("Etc/GMT+5")])
def test_a_zone_of_no_country_reads_a_date_day_first(zone: ZoneInfo) -> None:
    # Given a contact whose zone tzdata's zone table gives no country
    # When they name an ambiguous date in numbers
    # Then it is read day first, as most of the world writes it
    assert detected(zone, "5/12 at 2pm")[1] == "2026-12-05T14:00"
