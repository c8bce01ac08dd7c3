"""After a holiday ("abis lebaran", "setelah idul fitri", "after christmas", "habis natal",
"after new year", "depois do ano novo") is the day after its last day, at 09:00 or the
hour said: Eid al-Fitr as Indonesia keeps it (its two days, from the `holidays`
calendar), Christmas, New Year's Day; the next one not yet over."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected

AFTER_EID_2027 = "2027-03-12T09:00"  # Eid al-Fitr 2027: 10 and 11 March


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "abis lebaran aja kak", AFTER_EID_2027),
        (JAKARTA, "setelah idul fitri ya", AFTER_EID_2027),
        (NEW_YORK, "after christmas", "2026-12-26T09:00"),
        (JAKARTA, "habis natal", "2026-12-26T09:00"),
        (NEW_YORK, "after the new year in the afternoon", "2027-01-02T15:00"),
        (SAO_PAULO, "depois do ano novo", "2027-01-02T09:00"),
        (JAKARTA, "setelah tahun baru jam 10", "2027-01-02T10:00"),
    ],
)
def test_after_a_holiday_is_the_day_after_it(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday 24 November 2026
    # When they ask to be contacted after a holiday
    # Then the call back is the day after its last day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_after_eid_said_during_it_is_the_day_after_this_one() -> None:
    # Given a lead writing on the first day of Eid al-Fitr 2027
    # When they ask to be contacted after it
    # Then the call back is the day after its second day, not a year later
    now = datetime(2027, 3, 10, 9, 0)
    assert detected(JAKARTA, "abis lebaran aja", now) == (Intent.CALL_BACK_AT, AFTER_EID_2027)


@pytest.mark.parametrize("text", ["lebaran kapan?", "selamat hari raya"])
def test_a_holiday_asked_about_or_wished_names_no_day(text: str) -> None:
    assert detected(JAKARTA, text)[1] is None
