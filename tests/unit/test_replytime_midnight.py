"""Twelve at night ("jam 12 malam", "12 da noite") is the midnight that ends the day named,
not noon: 00:00 of the day after it (the call back then goes at the send window's next
opening). Twelve alone, at noon or "siang" stays noon; "12am" is the midnight it says."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "jam 12 malam aja", "2026-11-25T00:00"),
        (JAKARTA, "besok jam 12 malam", "2026-11-26T00:00"),
        (JAKARTA, "lusa jam 12 malam", "2026-11-27T00:00"),
        (JAKARTA, "jumat jam 12 malam", "2026-11-28T00:00"),
        (JAKARTA, "minggu depan jam 12 malam", "2026-12-01T00:00"),
        (JAKARTA, "tanggal 30 jam 12 malam", "2026-12-01T00:00"),
        (SAO_PAULO, "amanhã às 12 da noite", "2026-11-26T00:00"),
    ],
)
def test_twelve_at_night_is_the_midnight_ending_the_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for twelve at night
    # Then the call back is at the midnight that ends the day they name
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "jam 12 siang", "2026-11-24T12:00"),
        (JAKARTA, "jam 12", "2026-11-24T12:00"),
        (NEW_YORK, "tomorrow at 12pm", "2026-11-25T12:00"),
        (NEW_YORK, "12am", "2026-11-25T00:00"),
    ],
)
def test_twelve_at_noon_or_said_outright_is_as_said(zone: ZoneInfo, text: str, local: str) -> None:
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)
