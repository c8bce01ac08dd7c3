"""Call-back times as leads say them: "half past 3", "setengah 3", "in an hour", "after 5",
"abis maghrib", "jam 10an", "ao meio-dia"."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intents import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "can we talk at half past 3?", "2026-11-24T15:30"),
        (NEW_YORK, "call me tomorrow at quarter past 10", "2026-11-25T10:15"),
        (NEW_YORK, "call me at quarter to 1", "2026-11-24T12:45"),
        (JAKARTA, "telpon aku jam setengah 3", "2026-11-24T14:30"),
        (JAKARTA, "besok setengah 10 pagi aja", "2026-11-25T09:30"),
        (SAO_PAULO, "me liga amanhã às 3 e meia", "2026-11-25T15:30"),
    ],
)
def test_a_half_or_a_quarter_hour_is_read(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they ask for a time as it is spoken, a half or a quarter hour
    # Then the call back is at that minute ("setengah 3" is half past two)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me in an hour", "2026-11-24T10:00"),
        (NEW_YORK, "call me in half an hour", "2026-11-24T09:30"),
        (SAO_PAULO, "me liga em meia hora", "2026-11-24T09:30"),
        (SAO_PAULO, "me liga daqui a uma hora", "2026-11-24T10:00"),
        (JAKARTA, "telpon setengah jam lagi ya", "2026-11-24T09:30"),
        (JAKARTA, "sejam lagi aja kak", "2026-11-24T10:00"),
    ],
)
def test_an_hour_or_half_of_one_in_words_is_read(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00
    # When they ask to be called in an hour, or half of one, in words
    # Then the call back is that long from now
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me after 5", "2026-11-24T17:00"),
        (JAKARTA, "besok jam 10an ya", "2026-11-25T10:00"),
        (JAKARTA, "besok abis maghrib aja", "2026-11-25T19:00"),
        (JAKARTA, "abis ashar aja kak telpon", "2026-11-24T15:00"),
        (SAO_PAULO, "me liga ao meio-dia", "2026-11-24T12:00"),
        (NEW_YORK, "call me at noon", "2026-11-24T12:00"),
    ],
)
def test_after_an_hour_around_one_and_times_of_prayer_are_read(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing on Tuesday morning
    # When they name an hour as "after 5" or "jam 10an", or a time of prayer or noon
    # Then the call back is at that hour
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "abis 2 hari baru bisa transfer"),
        (NEW_YORK, "after 3 days of thinking, I'm still not sure"),
        (SAO_PAULO, "uma hora dessas eu vejo isso"),
        (JAKARTA, "setengah jalan kak, nanti kabari"),
    ],
)
def test_words_like_a_time_that_name_none_ask_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When their words look like a time but name no hour to call at
    # Then no call back time is read into them
    intent, local = detected(zone, text)
    assert intent is not Intent.CALL_BACK_AT
    assert local is None
