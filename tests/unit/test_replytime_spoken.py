"""Call-back times as leads say them: "half past 3", "setengah 3", "jam 4 lewat 15", "3 e
quinze", "@ 5", "in an hour", "after 5", "abis maghrib", "abis jumatan" (Friday, after its
prayer), "jam 10an", "ao meio-dia", "I'm free from 3", and a bare hour beside a day
("tomorrow 10", "3 tomorrow?")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "can we talk at half past 3?", "2026-11-24T15:30"),
        (NEW_YORK, "call me tomorrow at quarter past 10", "2026-11-25T10:15"),
        (NEW_YORK, "call me at quarter to 1", "2026-11-24T12:45"),
        (JAKARTA, "telpon aku jam setengah 3", "2026-11-24T14:30"),
        (JAKARTA, "besok setengah 10 pagi aja", "2026-11-25T09:30"),
        (SAO_PAULO, "me liga amanhã às 3 e meia", "2026-11-25T15:30"),
        (JAKARTA, "jam 4 lewat 15", "2026-11-24T16:15"),
        (JAKARTA, "jam 4 lebih 15 menit", "2026-11-24T16:15"),
        (JAKARTA, "jam 5 kurang seperempat", "2026-11-24T16:45"),
        (JAKARTA, "jam 4 lewat 30 menit", "2026-11-24T16:30"),
        (SAO_PAULO, "às 3 e quinze", "2026-11-24T15:15"),
        (NEW_YORK, "call me @ 5", "2026-11-24T17:00"),
        (NEW_YORK, "tmrw @3pm", "2026-11-25T15:00"),
        (SAO_PAULO, "meio-dia e meia", "2026-11-24T12:30"),
        (SAO_PAULO, "amanhã ao meio-dia e meia", "2026-11-25T12:30"),
        (NEW_YORK, "mañana al mediodía y media", "2026-11-25T12:30"),
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
    ("text", "local"),
    [
        ("I'm driving, call me in 20", "2026-11-24T09:20"),
        ("call me back in 10", "2026-11-24T09:10"),
        ("call me in 5 pls", "2026-11-24T09:05"),
        ("try again in 30", "2026-11-24T09:30"),
        ("call me in 2", None),  # minutes or hours: not said
    ],
)
def test_minutes_said_bare_after_a_call_are_read(text: str, local: str | None) -> None:
    # Given a lead writing at 09:00
    # When they ask to be called in a round number of minutes, the unit left out
    # Then the call back is that many minutes from now (it was none, or busy)
    assert detected(NEW_YORK, text)[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me after 5", "2026-11-24T17:00"),
        (JAKARTA, "besok jam 10an ya", "2026-11-25T10:00"),
        (JAKARTA, "besok abis maghrib aja", "2026-11-25T19:00"),
        (JAKARTA, "jumat abis jumatan", "2026-11-27T13:00"),
        (JAKARTA, "abis jumatan aja", "2026-11-27T13:00"),
        (JAKARTA, "abis ashar aja kak telpon", "2026-11-24T15:00"),
        (SAO_PAULO, "me liga ao meio-dia", "2026-11-24T12:00"),
        (NEW_YORK, "call me at noon", "2026-11-24T12:00"),
        (SAO_PAULO, "depois das 6", "2026-11-24T18:00"),
        (NEW_YORK, "después de las 6", "2026-11-24T18:00"),
        (NEW_YORK, "háblame en la tarde", "2026-11-24T15:00"),
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


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me tomorrow around 11", "2026-11-25T11:00"),
        (NEW_YORK, "tomorrow at around 4", "2026-11-25T16:00"),
        (NEW_YORK, "call me around 3", "2026-11-24T15:00"),
        (NEW_YORK, "can you call me back around 4? I'm in class until 3:30", "2026-11-24T16:00"),
        (NEW_YORK, "around 8 in the evening", "2026-11-24T20:00"),
        (SAO_PAULO, "amanhã por volta das 10", "2026-11-25T10:00"),
        (SAO_PAULO, "amanhã lá pelas 3", "2026-11-25T15:00"),
        (SAO_PAULO, "por volta das 8 da noite", "2026-11-24T20:00"),
        (SAO_PAULO, "amanhã depois do almoço umas 2", "2026-11-25T14:00"),
        (NEW_YORK, "we have around 3 kids, call me around 4", "2026-11-24T16:00"),
        (NEW_YORK, "lunch tomorrow around 1?", "2026-11-25T13:00"),
        (SAO_PAULO, "lá pelas 5", "2026-11-24T17:00"),
        (NEW_YORK, "around 5 pls", "2026-11-24T17:00"),
        (JAKARTA, "sekitar 5", "2026-11-24T17:00"),
        (NEW_YORK, "I get home around 6, call me after that", "2026-11-24T18:00"),
        (NEW_YORK, "I'm home around 6, call after", "2026-11-24T18:00"),
        (SAO_PAULO, "chego em casa lá pelas 6, me liga depois", "2026-11-24T18:00"),
        (JAKARTA, "aku pulang sekitar jam 6, telpon abis itu", "2026-11-24T18:00"),
        (NEW_YORK, "call me later around 6", "2026-11-24T18:00"),
        (SAO_PAULO, "mais tarde umas 6", "2026-11-24T18:00"),
        (SAO_PAULO, "lá pras 6", "2026-11-24T18:00"),
    ],
)
def test_an_hour_said_as_around_one_is_that_hour(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they ask for a time "around" an hour (por volta das, lá pelas)
    # Then the call back is at that hour (it was 09:00 that day, or none)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I have around 3 kids"),
        (NEW_YORK, "maybe around 2 weeks"),
        (NEW_YORK, "around 3 I'm in class"),
        (SAO_PAULO, "umas 3 vezes"),
        (NEW_YORK, "we'd be around 15 students, is that available?"),
        (NEW_YORK, "she's around 7, can she join? text me"),
        (JAKARTA, "anak saya umurnya sekitar 8, bisa ikut kelas?"),
        (JAKARTA, "telpon sekitar 10 menitan lagi ya"),
        (NEW_YORK, "sorry I missed your call around 11, call me back"),
        (NEW_YORK, "I'll be at lunch around 12, call before"),
        (NEW_YORK, "we have around 3 kids, call me after"),
        (SAO_PAULO, "é pras 6 pessoas"),
    ],
)
def test_around_a_number_that_is_no_hour_asks_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When "around" counts something, or says when they are busy
    # Then no call back time is read into it
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "tomorrow I have a meeting around 11"),
        (JAKARTA, "besok saya ada rapat sekitar 10"),
        (SAO_PAULO, "amanhã tenho reunião lá pelas 10"),
    ],
)
def test_around_the_hour_the_lead_is_busy_is_not_the_hour_booked(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they say what they have around an hour on a day
    # Then the day may be booked, but never at that hour
    assert detected(zone, text) == (Intent.CALL_BACK_AT, "2026-11-25T09:00")


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm free from 3", "2026-11-24T15:00"),
        (NEW_YORK, "I'm available from 2", "2026-11-24T14:00"),
        (NEW_YORK, "anytime from 2", "2026-11-24T14:00"),
        (NEW_YORK, "from 3 onwards", "2026-11-24T15:00"),
        (NEW_YORK, "I'm free from 3 tomorrow", "2026-11-25T15:00"),
        (SAO_PAULO, "tô livre a partir das 3", "2026-11-24T15:00"),
        (MEXICO_CITY, "estoy libre a partir de las 4", "2026-11-24T16:00"),
    ],
)
def test_the_hour_the_lead_is_free_from_is_the_hour(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say the hour they are free from, with no am/pm
    # Then the call back is at that hour, as "after 3" is (it was none, or tomorrow 09:00)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("I'm from 3 different schools", Intent.OTHER),
        ("I'm at work from 9", Intent.BUSY),
    ],
)
def test_from_a_number_said_of_something_else_is_no_hour(text: str, said: Intent) -> None:
    assert detected(NEW_YORK, text) == (said, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow 10", "2026-11-25T10:00"),
        (NEW_YORK, "call me tomorrow 3", "2026-11-25T15:00"),
        (NEW_YORK, "friday 2 works", "2026-11-27T14:00"),
        (NEW_YORK, "tomorrow, 3?", "2026-11-25T15:00"),
        (NEW_YORK, "3 tomorrow?", "2026-11-25T15:00"),
        (NEW_YORK, "I can do 3 or 4 tomorrow", "2026-11-25T15:00"),
        (NEW_YORK, "how about 10 friday", "2026-11-27T10:00"),
        (JAKARTA, "besok 3", "2026-11-25T15:00"),
        (SAO_PAULO, "amanhã 15", "2026-11-25T15:00"),
        (MEXICO_CITY, "mañana 4", "2026-11-25T16:00"),
    ],
)
def test_a_bare_hour_right_beside_a_day_is_that_hour(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they write a day and a bare number, nothing counted by it
    # Then the call back is that day at that hour (it was the day at 09:00)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "tomorrow 3 people"),
        (NEW_YORK, "I have 3 classes tomorrow"),
        (NEW_YORK, "tomorrow 0"),
        (JAKARTA, "besok 2 orang"),
    ],
)
def test_a_number_beside_a_day_that_counts_or_is_no_hour_leaves_the_morning(
    zone: ZoneInfo, text: str
) -> None:
    assert detected(zone, text) == (Intent.CALL_BACK_AT, "2026-11-25T09:00")


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("I should be done by 4", "2026-11-24T16:00"),
        ("I'll be home by 6", "2026-11-24T18:00"),
        ("I'll be free by 3 tomorrow", "2026-11-25T15:00"),
    ],
)
def test_the_hour_the_lead_is_free_by_is_that_hour(text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say the hour they will be done or home by
    # Then the call back is at that hour, as "I'll be done at 4" is (it was none)
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, local)


def test_call_me_by_an_hour_is_no_hour_to_call_at() -> None:
    assert detected(NEW_YORK, "call me by 5")[1] is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [(SAO_PAULO, "tô em aula até as 3"), (JAKARTA, "aku sibuk sampai jam 3")],
)
def test_kept_until_a_bare_hour_in_portuguese_or_indonesian_is_that_hour(
    zone: ZoneInfo, text: str
) -> None:
    assert detected(zone, text) == (Intent.CALL_BACK_AT, "2026-11-24T15:00")
