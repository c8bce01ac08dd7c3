"""A day or an hour the lead asks not to be contacted at is no call back: "don't call me
tomorrow" was booked for tomorrow at 09:00."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "don't call me tomorrow"),
        (NEW_YORK, "please don't call me tomorrow"),
        (NEW_YORK, "don't text me tomorrow"),
        (NEW_YORK, "don't call me tonight"),
        (NEW_YORK, "don't call me at 3"),
        (NEW_YORK, "no calls tomorrow please"),
        (NEW_YORK, "do not call me tomorrow, I'm busy"),
        (JAKARTA, "jangan telpon besok"),
        (JAKARTA, "jangan telpon besok ya kak"),
        (JAKARTA, "besok jangan telpon ya"),
        (SAO_PAULO, "amanhã não me liga"),
        (SAO_PAULO, "não me liga amanhã"),
        (SAO_PAULO, "não me liga amanhã que eu tô viajando"),
        (NEW_YORK, "don't call me after 8pm"),
        (JAKARTA, "jangan telpon lewat jam 8 malam"),
        (SAO_PAULO, "não me liga depois das 20h"),
        (JAKARTA, "jangan telpon malam ini"),
        (JAKARTA, "jgn telp sore ini"),
    ],
)
def test_a_time_the_lead_asks_not_to_be_called_at_books_no_call_back(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they ask not to be called or texted on a day or at an hour
    # Then no call back is booked
    assert detected(zone, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "please don't call me at 3, I'm in class. call me at 5", "2026-11-24T17:00"),
        (JAKARTA, "jangan telpon besok, lusa aja", "2026-11-26T09:00"),
        (SAO_PAULO, "amanhã não me liga, só sexta", "2026-11-27T09:00"),
        (NEW_YORK, "don't call me tomorrow morning, afternoon is fine", "2026-11-25T15:00"),
        (JAKARTA, "jangan telpon besok pagi, sore aja", "2026-11-25T15:00"),
        (NEW_YORK, "don't call me tomorrow, call me friday", "2026-11-27T09:00"),
    ],
)
def test_the_time_asked_for_instead_is_booked(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse one time and ask for another
    # Then the call back is at the other (it was at the refused one)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "don't forget to call me tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "why don't you call me tomorrow at 3", "2026-11-25T15:00"),
        (NEW_YORK, "don't worry, call me tomorrow", "2026-11-25T09:00"),
        (SAO_PAULO, "não, me liga amanhã", "2026-11-25T09:00"),
        (SAO_PAULO, "hoje não, me liga amanhã", "2026-11-25T09:00"),
        (SAO_PAULO, "por que não me liga amanhã?", "2026-11-25T09:00"),
        (NEW_YORK, "don't call me before 10am", "2026-11-24T10:00"),
        (JAKARTA, "jangan lupa telpon malam ini ya", "2026-11-24T19:00"),
        (JAKARTA, "hari ini jangan, telpon besok aja", "2026-11-25T09:00"),
    ],
)
def test_a_call_asked_for_beside_another_no_is_still_booked(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When a "don't" or a "no" is not said of the call they ask for
    # Then the call back is booked as asked
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "day", "refusal", "tail"),
    [
        (zone, day, refusal, tail)
        for zone, day, refusal in [
            (NEW_YORK, "tomorrow", "don't call me"),
            (NEW_YORK, "friday", "dont text me"),
            (JAKARTA, "besok", "jgn telp"),
            (JAKARTA, "besok", "jangan telpon ya"),
            (SAO_PAULO, "amanhã", "não me liga"),
            (SAO_PAULO, "hoje", "não me liga"),
        ]
        for tail in [
            "at 3, call me at 5",
            "in the morning",
            ", I work till 5pm",
            "jam 3, jam 5 aja",
            "de manhã",
            ", tô no plantão até 22h",
            "sampe malam",
            "or friday at 10",
        ]
    ],
)
def test_a_refusal_after_a_day_then_any_time_is_read_to_an_end(
    zone: ZoneInfo, day: str, refusal: str, tail: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they name a day, ask not to be called, then say any hour or part of the day
    # Then the reply is read to an end (it recursed until Python gave up, and the webhook
    # failed on it), as one intent
    intent, _ = detected(zone, f"{day} {refusal} {tail}", at(8))
    assert intent in set(Intent)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me at 5, don't call me at 3", "2026-11-24T17:00"),
        (NEW_YORK, "call me thursday pls, don't call me tomorrow", "2026-11-26T09:00"),
        (NEW_YORK, "No, call tomorrow pls", "2026-11-25T09:00"),
        (JAKARTA, "besok jangan telpon jam 3, jam 5 aja", "2026-11-25T17:00"),
        (NEW_YORK, "don't call me monday or tuesday, wednesday is fine", "2026-11-25T09:00"),
        (NEW_YORK, "Don't call me at 3pm or 4pm, 5pm ok", "2026-11-24T17:00"),
        (JAKARTA, "jgn telp besok pagi ya kak, siang aja jam 1", "2026-11-25T13:00"),
        (SAO_PAULO, "não me liga hoje, amanhã pode", "2026-11-25T09:00"),
        (SAO_PAULO, "ñ me liga as 3, me liga as 5", "2026-11-24T17:00"),
        (
            NEW_YORK,
            "Don't call tomorrow morning, I'm in a meeting until 11. Call after 12",
            "2026-11-25T12:00",
        ),
    ],
)
def test_the_time_asked_for_beside_a_refused_one_is_kept(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When a refusal to be called stands beside the time they ask for
    # Then the call back is at the time asked for
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "don't call me today or tomorrow"),
        (JAKARTA, "jgn telp hari ini atau besok ya"),
        (NEW_YORK, "I'm busy today, don't call me tomorrow either"),
    ],
)
def test_days_refused_together_are_all_refused(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse two days together
    # Then neither is booked
    assert detected(zone, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow don't call me, friday is fine", "2026-11-27T09:00"),
        (NEW_YORK, "friday don't call me, monday works", "2026-11-30T09:00"),
        (NEW_YORK, "tomorrow don't call me, afternoon is fine", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow dont call me at 9, 11 is ok", "2026-11-25T11:00"),
        (NEW_YORK, "don't call me at 3 tomorrow, 5 is fine", "2026-11-25T17:00"),
        (NEW_YORK, "don't call me at 3 today, tomorrow is fine", "2026-11-25T09:00"),
        (NEW_YORK, "don't call me at 3, tomorrow is fine", "2026-11-25T09:00"),
        (NEW_YORK, "don't call me after 5 tomorrow", "2026-11-25T09:00"),
        (JAKARTA, "jangan telpon jam 3 besok, aku bisa jam 5", "2026-11-25T17:00"),
        (JAKARTA, "jangan telpon jam 10 besok ya, lagi ujian, jam 12 aja", "2026-11-25T12:00"),
    ],
)
def test_what_is_taken_after_a_refusal_is_booked(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse a day or an hour, then take another ("is fine", "works")
    # Then the call back is at the one taken (it was the day refused, or none)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "don't call me at 3 tomorrow"),
        (NEW_YORK, "don't call me at 3 tomorrow, I have class"),
        (JAKARTA, "jangan telpon jam 9 besok"),
        (JAKARTA, "jgn telp jam 9 besok ya, lagi ujian"),
        (NEW_YORK, "don't call me at 3 tomorrow afternoon"),
    ],
)
def test_a_day_said_after_an_hour_refused_is_refused_with_it(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse an hour, then name its day
    # Then nothing is booked (it was that day at 09:00)
    assert detected(zone, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "don't call me at 3, tomorrow I won't be busy", "2026-11-25T09:00"),
        (NEW_YORK, "don't call me at 3, tomorrow my meeting got cancelled", "2026-11-25T09:00"),
        (NEW_YORK, "don't call me at 3, tomorrow before class is fine", "2026-11-25T09:00"),
        (JAKARTA, "jangan telpon jam 3, besok kuliah libur", "2026-11-25T09:00"),
        (JAKARTA, "jangan telpon jam 3 besok, aku bisa jam 5", "2026-11-25T17:00"),
    ],
)
def test_a_day_said_free_after_an_hour_refused_is_still_booked(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse an hour, then say they are free on a day
    # Then the call back is on that day
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "don't call me tomorrow, 5 works"),
        (JAKARTA, "jangan telpon besok, 2 aja"),
        (SAO_PAULO, "não me liga sexta, 10 pode"),
        (JAKARTA, "jangan telpon hari ini, pagi aja"),
        (NEW_YORK, "don't call me today, morning is better"),
    ],
)
def test_a_number_or_a_part_of_today_after_a_day_refused_books_no_call_back(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse a whole day, then offer an hour alone or a part of today
    # Then nothing is booked on the day refused
    assert detected(zone, text, at(8))[1] is None
