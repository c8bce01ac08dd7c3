"""Call-back times in replies that also speak of other times: a part of the day the lead
is busy in or refuses, a greeting, the time now, a quantity; and chat spellings."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me after 7 pm please", "2026-11-24T19:00"),
        (NEW_YORK, "call me after 7:30 pm", "2026-11-24T19:30"),
        (NEW_YORK, "can you call after 6:30?", "2026-11-24T18:30"),
    ],
)
def test_after_a_full_clock_time_keeps_its_pm_and_minutes(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00
    # When they ask to be called after an hour with its am/pm or minutes
    # Then the call back keeps them
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "intent"),
    [
        (JAKARTA, "malam ini gak bisa kak", Intent.OTHER),
        (JAKARTA, "sore ini ga bisa ya kak, lagi kerja", Intent.BUSY),
        (NEW_YORK, "I'm not available this evening", Intent.OTHER),
    ],
)
def test_a_part_of_the_day_refused_is_no_call_back(
    zone: ZoneInfo, text: str, intent: Intent
) -> None:
    # Given a lead writing at 09:00
    # When they say they cannot make a part of the day
    # Then no call back is asked for then
    assert detected(zone, text, at(9)) == (intent, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "trabalho à noite, me liga de manhã", "2026-11-25T09:00"),
        (SAO_PAULO, "de manhã não dá, me liga à tarde", "2026-11-24T15:00"),
        (NEW_YORK, "I work in the evening, call me in the morning", "2026-11-25T09:00"),
    ],
)
def test_the_part_of_the_day_asked_for_wins_over_one_described(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00
    # When they name one part of the day they are busy in and one to be called in
    # Then the call back is in the one they asked for
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I'm at lunch, call me later"),
        (SAO_PAULO, "tô no almoço, me liga depois"),
    ],
)
def test_being_at_lunch_is_busy_not_a_call_back_tomorrow_noon(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 12:20, at lunch
    # When they ask to be called later
    # Then no call back is set for tomorrow noon
    # Said at 12:20 while at lunch: "later" today, never tomorrow at noon
    intent, local = detected(zone, text, at(12, 20))
    assert not (intent is Intent.CALL_BACK_AT and local == "2026-11-25T12:00")


def test_after_isya_said_before_isya_is_tonight() -> None:
    # Given a lead writing at 19:05, as the evening prayer comes
    # When they ask to be called after it
    # Then the call back is tonight, not tomorrow
    intent, local = detected(JAKARTA, "bentar lagi isya, abis isya aja ya telponnya", at(19, 5))
    assert intent is Intent.CALL_BACK_AT
    assert local is not None
    assert local.startswith("2026-11-24T")


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "Pagi, besok jam 3 bisa telp?", "2026-11-25T15:00"),
        (NEW_YORK, "Morning! Call me tomorrow at 3", "2026-11-25T15:00"),
        (JAKARTA, "Malem, besok jam 10 aja", "2026-11-25T10:00"),
    ],
)
def test_a_bare_greeting_does_not_move_the_hour(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00
    # When they open with a part of the day as a greeting, then ask for an hour
    # Then the call back is at that hour, not twelve hours off
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "now", "local"),
    [
        (JAKARTA, "sy kerja sampe malam, telpon besok jam 10 aja", at(9), "2026-11-25T10:00"),
        (JAKARTA, "udah malem ya kak, bsk aja lanjut", at(21, 30), "2026-11-25T09:00"),
        (JAKARTA, "udah sore nih, besok pagi aja", at(16), "2026-11-25T09:00"),
    ],
)
def test_a_part_of_the_day_described_does_not_set_the_hour(
    zone: ZoneInfo, text: str, now: datetime, local: str
) -> None:
    # Given a lead writing
    # When they speak of a part of the day, then ask for a day or an hour
    # Then the call back is at the day or hour asked for
    assert detected(zone, text, now) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "now"),
    [
        (JAKARTA, "udah jam 5 kak kok blm ditelpon", at(17, 10)),
        (SAO_PAULO, "já são 3 horas e ninguém me ligou", at(15, 10)),
        (NEW_YORK, "I called at 3 but no one answered", at(16)),
    ],
)
def test_a_time_stated_not_asked_is_no_call_back(zone: ZoneInfo, text: str, now: datetime) -> None:
    # Given a lead writing in the afternoon
    # When they say what time it is, or when they called
    # Then no call back time is read into it
    intent, local = detected(zone, text, now)
    assert intent is not Intent.CALL_BACK_AT
    assert local is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "let me think, I'll let you know after 2 more weeks"),
        (JAKARTA, "udah abis 2 juta buat les"),
    ],
)
def test_a_quantity_after_after_is_no_hour(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00
    # When a number after "after" counts weeks or money
    # Then it is no hour to call at
    intent, local = detected(zone, text, at(9))
    assert intent is not Intent.CALL_BACK_AT
    assert local is None


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("setengah jam lg ya kak", "2026-11-24T09:30"),
        ("sejam lg", "2026-11-24T10:00"),
    ],
)
def test_half_an_hour_or_an_hour_lg_is_read(text: str, local: str) -> None:
    # Given a lead writing at 09:00
    # When they ask for half an hour or an hour "lg" (lagi)
    # Then the call back is that long from now
    assert detected(JAKARTA, text, at(9)) == (Intent.CALL_BACK_AT, local)
