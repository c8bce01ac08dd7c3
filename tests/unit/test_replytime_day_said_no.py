"""A day the lead says no to with a bare "not" or "no" ("not tomorrow", "amanhã não",
"besok jangan", "hoy no"), or says they cannot or are busy on in a clause of its own
("tomorrow I can't", "amanhã não posso", "mañana no puedo"; "I can't tomorrow", "gak bisa
besok" in a clause said plainly), or says the same of it as of the day before ("besok
juga"), is no day to call back on
(a part of a day so refused, "besok pagi gak bisa", leaves the rest of that day): the
day asked for after it is ("not tomorrow, friday" is Friday), the next day of the week or
weekend asked for ("next week, not monday" is its Tuesday), and none when none is. A
"no" that says something else of the day ("tomorrow no problem", "amanhã não tenho
aula", "besok ga ada kelas"), or a "not" that asks ("why not tomorrow?") or makes a
condition ("if not tomorrow, friday"), refuses nothing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected

TOMORROW_9AM = "2026-11-25T09:00"
THURSDAY_9AM = "2026-11-26T09:00"
FRIDAY_9AM = "2026-11-27T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "not tomorrow, friday", FRIDAY_9AM),
        (NEW_YORK, "no, not tomorrow. friday", FRIDAY_9AM),
        (NEW_YORK, "tomorrow no, friday yes", FRIDAY_9AM),
        (NEW_YORK, "not today, maybe thursday", THURSDAY_9AM),
        (NEW_YORK, "not today, tomorrow", TOMORROW_9AM),
        (JAKARTA, "besok jangan, jumat aja", FRIDAY_9AM),
        (JAKARTA, "jangan besok kak, jumat aja", FRIDAY_9AM),
        (JAKARTA, "hari ini jangan, besok aja", TOMORROW_9AM),
        (JAKARTA, "besok ga, kamis aja", THURSDAY_9AM),
        (JAKARTA, "besok gk, kamis aja", THURSDAY_9AM),
        (SAO_PAULO, "amanhã não, sexta", FRIDAY_9AM),
        (SAO_PAULO, "hoje não, quinta talvez", THURSDAY_9AM),
        (NEW_YORK, "mañana no, el viernes", FRIDAY_9AM),
        (NEW_YORK, "not tomorrow, friday at 3pm", "2026-11-27T15:00"),
        (NEW_YORK, "not today or tomorrow, friday", FRIDAY_9AM),
        (NEW_YORK, "not next week, friday", FRIDAY_9AM),
        (SAO_PAULO, "semana que vem não, amanhã", TOMORROW_9AM),
    ],
)
def test_the_day_asked_for_after_one_said_no_to_is_the_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say no to a day, then name another
    # Then the call back is on the other day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "besok seharian sibuk"),
        (NEW_YORK, "not tomorrow"),
        (NEW_YORK, "tomorrow no"),
        (JAKARTA, "besok jangan ya kak"),
        (SAO_PAULO, "amanhã não"),
        (NEW_YORK, "mañana no"),
    ],
)
def test_a_day_said_no_to_alone_is_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they only say no to a day
    # Then no call back is booked on it
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow no problem", TOMORROW_9AM),
        (SAO_PAULO, "amanhã não tenho aula, pode ligar", TOMORROW_9AM),
        (NEW_YORK, "why not tomorrow", TOMORROW_9AM),
        (NEW_YORK, "if not tomorrow, friday", TOMORROW_9AM),
    ],
)
def test_a_no_that_refuses_no_day_keeps_it(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When "no" says something else of the day, asks, or makes a condition
    # Then the day is still the call back
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow I can't, friday", FRIDAY_9AM),
        (NEW_YORK, "tomorrow I'm busy, friday?", FRIDAY_9AM),
        (SAO_PAULO, "amanhã não posso, sexta", FRIDAY_9AM),
        (SAO_PAULO, "amanhã não dá, sexta de manhã", FRIDAY_9AM),
        (NEW_YORK, "mañana no puedo, el viernes", FRIDAY_9AM),
        (JAKARTA, "besok gak bisa, jumat", FRIDAY_9AM),
        (JAKARTA, "besok seharian sibuk kak, kamis aja", THURSDAY_9AM),
        (SAO_PAULO, "amanhã o dia todo ocupado, quinta sim", THURSDAY_9AM),
    ],
)
def test_the_day_asked_for_after_one_the_lead_cannot_do_is_the_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they cannot do a day, then name another
    # Then the call back is on the other day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow I can't wait", TOMORROW_9AM),
        (NEW_YORK, "if tomorrow you can't, friday", TOMORROW_9AM),
    ],
)
def test_a_cannot_that_keeps_the_day_keeps_it(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they are eager, or set a condition
    # Then the day is still the call back
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow morning I can't, afternoon is fine", "2026-11-25T15:00"),
        (JAKARTA, "besok pagi gak bisa, sore aja", "2026-11-25T15:00"),
        (SAO_PAULO, "amanhã de manhã não dá, à tarde pode", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow morning no, evening yes", "2026-11-25T19:00"),
    ],
)
def test_a_part_of_a_day_said_no_to_leaves_the_rest_of_that_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they cannot do tomorrow morning, and name another part of the day
    # Then the call back is tomorrow, at that part of the day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow, but not in the morning", "2026-11-25T12:00"),
        (JAKARTA, "besok tapi jangan pagi", "2026-11-25T12:00"),
        (SAO_PAULO, "amanhã, mas não de manhã", "2026-11-25T12:00"),
        (NEW_YORK, "tomorrow afternoon but not at 3", "2026-11-25T16:00"),
        (NEW_YORK, "next week but not monday", "2026-12-01T09:00"),
        (JAKARTA, "minggu depan aja tapi jangan senin", "2026-12-01T09:00"),
        (NEW_YORK, "this weekend but not saturday or sunday", None),
    ],
)
def test_what_a_but_says_no_to_is_never_booked(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for a day, "but" not a part of it, an hour or a day it stands for
    # Then the call back is past what they said no to that day, or on the next day of
    # those asked for it leaves, or none (it leaves none)
    assert detected(zone, text)[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "next week, not monday though", "2026-12-01T09:00"),
        (NEW_YORK, "next week is better, not monday or tuesday though", "2026-12-02T09:00"),
        (NEW_YORK, "next week afternoon, not monday", "2026-12-01T15:00"),
        (NEW_YORK, "next week, not monday morning", "2026-11-30T12:00"),
        (NEW_YORK, "this weekend, not saturday though", "2026-11-29T09:00"),
        (JAKARTA, "minggu depan aja, senin jangan", "2026-12-01T09:00"),
        (NEW_YORK, "any day next week except monday", "2026-12-01T09:00"),
        (NEW_YORK, "call me anytime next week except monday or tuesday", "2026-12-02T09:00"),
        (NEW_YORK, "next week except wednesday", "2026-11-30T09:00"),
        (JAKARTA, "minggu depan aja kecuali senin", "2026-12-01T09:00"),
        (SAO_PAULO, "semana que vem, menos segunda", "2026-12-01T09:00"),
        (SAO_PAULO, "qualquer dia da semana que vem menos segunda", "2026-12-01T09:00"),
    ],
)
def test_a_day_said_no_to_in_the_week_asked_for_leaves_its_other_days(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for next week or the weekend, except a day of it
    # Then the call back is on the first day of it they did not say no to
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_the_days_excepted_from_next_week_are_next_weeks() -> None:
    # Given a lead writing on Sunday 29 November, the day before next week begins
    sunday = datetime(2026, 11, 29, 9)
    # When they ask for next week except its Monday, or except a Wednesday
    # Then the call back skips next week's Monday, and is on that Monday otherwise
    assert detected(NEW_YORK, "next week except monday", sunday)[1] == "2026-12-01T09:00"
    assert detected(NEW_YORK, "next week except wednesday", sunday)[1] == "2026-11-30T09:00"
    # And said on the Tuesday before, a Wednesday excepted is next week's, not tomorrow
    tuesday = datetime(2026, 11, 24, 9)
    found = detected(NEW_YORK, "any day next week except monday, tuesday or wednesday", tuesday)
    assert found[1] == "2026-12-03T09:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I can't tomorrow, friday", FRIDAY_9AM),
        (NEW_YORK, "I'm busy tomorrow, friday works", FRIDAY_9AM),
        (JAKARTA, "gak bisa besok, jumat aja", FRIDAY_9AM),
        (JAKARTA, "ga bisa besok kak, jumat aja", FRIDAY_9AM),
        (SAO_PAULO, "não posso amanhã, sexta", FRIDAY_9AM),
        (NEW_YORK, "no puedo mañana, el viernes sí", FRIDAY_9AM),
    ],
)
def test_a_day_the_lead_cannot_do_said_after_the_refusal_is_not_booked(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say they cannot do a day, the refusal first, then name another
    # Then the call back is on the other day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "hari ini gak bisa, besok juga"),
        (NEW_YORK, "today I can't, tomorrow too"),
        (NEW_YORK, "I'm busy today, tomorrow too"),
    ],
)
def test_a_day_said_no_to_too_is_not_booked(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they refuse today and say the same of tomorrow
    # Then no call back is booked tomorrow
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "i can't tomorrow morning, afternoon ok", "2026-11-25T15:00"),
        (SAO_PAULO, "não posso amanhã de manhã, à tarde sim", "2026-11-25T15:00"),
        (NEW_YORK, "sorry can't tomorrow. friday?", FRIDAY_9AM),
        (JAKARTA, "gak bisa besok tapi jumat bisa", FRIDAY_9AM),
        (SAO_PAULO, "não posso amanhã mas sexta sim", FRIDAY_9AM),
        (JAKARTA, "gak bisa besok kak sore", "2026-11-25T15:00"),
        (NEW_YORK, "I can't tomorrow, right?", TOMORROW_9AM),
        (NEW_YORK, "I can't tomorrow, friday?", FRIDAY_9AM),
        (JAKARTA, "gak bisa besok, jumat?", FRIDAY_9AM),
        (SAO_PAULO, "não posso amanhã, sexta?", FRIDAY_9AM),
        (NEW_YORK, "I'm busy today, thursday?", "2026-11-26T09:00"),
        (NEW_YORK, "I'm swamped today, thursday works", "2026-11-26T09:00"),
        (SAO_PAULO, "tô ocupado hoje, quinta pode?", "2026-11-26T09:00"),
        (NEW_YORK, "I'm away tomorrow, call me friday", FRIDAY_9AM),
        (NEW_YORK, "not today, tomorrow works for me", TOMORROW_9AM),
        (NEW_YORK, "Not today please. Tomorrow morning works better for me", TOMORROW_9AM),
        (SAO_PAULO, "hoje não, amanhã é melhor pra mim", TOMORROW_9AM),
        (NEW_YORK, "hoy no, mañana es mejor para mí", TOMORROW_9AM),
        (JAKARTA, "besok aku keluar kota, jumat aja", FRIDAY_9AM),
        (SAO_PAULO, "amanhã tô viajando, sexta pode", FRIDAY_9AM),
    ],
)
def test_a_refusal_said_first_keeps_to_its_own_sentence_and_part_of_the_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they refuse a day or its morning first, then ask for another (after a "but", or
    # in a question of its own, or in a clause the question ends)
    # Then the other is booked; a part asked apart, or a refusal asked about, keeps the day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "hoje tô lotado, amanhã pode"),
        (SAO_PAULO, "hoje cheio, amanhã pode"),
        (NEW_YORK, "today is packed, tomorrow works"),
    ],
)
def test_a_day_said_to_be_full_is_passed_over(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say today is full and ask for tomorrow
    # Then the call back is tomorrow
    assert detected(zone, text) == (Intent.CALL_BACK_AT, TOMORROW_9AM)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "saturday and sunday I can't, monday", "2026-11-30T09:00"),
        (NEW_YORK, "saturday or sunday I'm busy, monday works", "2026-11-30T09:00"),
        (SAO_PAULO, "sábado e domingo não posso, segunda", "2026-11-30T09:00"),
        (JAKARTA, "sabtu dan minggu gak bisa, senin aja", "2026-11-30T09:00"),
        (JAKARTA, "sabtu minggu gak bisa, senin aja", "2026-11-30T09:00"),
        (JAKARTA, "sabtu atau minggu aja", "2026-11-28T09:00"),
        (JAKARTA, "minggu depan aja", "2026-11-30T09:00"),
    ],
)
def test_days_joined_and_refused_together_are_all_passed_over(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say they cannot on two days joined ("sabtu minggu": "minggu" after
    # Saturday is Sunday, not a week), then name another
    # Then the call back is on the other day; days joined and asked for are the first
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "saturday and sunday I can't"),
        (JAKARTA, "maaf sabtu minggu gak bisa kak"),
    ],
)
def test_days_joined_and_refused_alone_are_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they only say they cannot on two days
    # Then no call back is booked
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "kalo bisa jangan hari senin"),
        (JAKARTA, "asal jangan weekend"),
        (JAKARTA, "jgn malem2 ya"),
        (SAO_PAULO, "não na segunda"),
        (SAO_PAULO, "se possível não na segunda"),
    ],
)
def test_a_day_or_part_said_no_to_softly_or_doubled_books_nothing(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say no to a day or a part of one "if possible", "as long as", or doubled
    # Then nothing is booked (it was that day, or this evening)
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "kalo bisa jangan senin, selasa aja", "2026-12-01T09:00"),
        (SAO_PAULO, "não na segunda, na terça", "2026-12-01T09:00"),
        (JAKARTA, "minggu pagi aja", "2026-11-29T09:00"),
        (JAKARTA, "minggu jam 10", "2026-11-29T10:00"),
        (JAKARTA, "kalau bisa senin", "2026-11-30T09:00"),
    ],
)
def test_the_day_asked_for_after_a_soft_no_or_sunday_with_its_time_is_booked(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When a soft no is followed by another day, or "minggu" comes with its morning or hour
    # Then the call back is that day ("minggu pagi" is Sunday morning: it was tomorrow's)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "amanhã à noite não, de manhã pode"),
        (SAO_PAULO, "amanhã à noite não"),
        (MEXICO_CITY, "mañana en la tarde no, en la mañana"),
    ],
)
def test_a_part_of_a_day_said_no_to_with_its_article_leaves_the_morning(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say no to tomorrow evening (or afternoon) with "à" or "en la"
    # Then the call back is tomorrow morning (it was the part refused)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, "2026-11-25T09:00")
