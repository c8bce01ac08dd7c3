"""A day the lead refuses is not a call back on that day: "besok gak bisa" is no
appointment for tomorrow."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "intent"),
    [
        (JAKARTA, "besok gak bisa", Intent.OTHER),
        (JAKARTA, "besok aku gak bisa", Intent.OTHER),
        (JAKARTA, "besok aku sibuk", Intent.BUSY),
        (SAO_PAULO, "amanhã não dá", Intent.OTHER),
        (SAO_PAULO, "amanhã não consigo", Intent.OTHER),
        (NEW_YORK, "tomorrow I can't, sorry", Intent.OTHER),
        (NEW_YORK, "tomorrow I'm busy", Intent.BUSY),
        (JAKARTA, "besok gabisa kak", Intent.OTHER),
        (JAKARTA, "maaf kak, besok gak bisa", Intent.OTHER),
        (SAO_PAULO, "amanhã eu n posso", Intent.OTHER),
    ],
)
def test_a_day_refused_and_none_asked_for_books_no_call_back(
    zone: ZoneInfo, text: str, intent: Intent
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say they cannot or are busy on a day, and ask for no other
    # Then no call back is booked (it was booked on the day refused, at 09:00)
    assert detected(zone, text, at(8)) == (intent, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "lagi sibuk, besok aja", "2026-11-25T09:00"),
        (JAKARTA, "lagi sibuk kak, besok ya", "2026-11-25T09:00"),
        (JAKARTA, "gak bisa, besok ya", "2026-11-25T09:00"),
        (JAKARTA, "gak bisa besok aja", "2026-11-25T09:00"),
        (JAKARTA, "besok bisa kok", "2026-11-25T09:00"),
        (JAKARTA, "besok gak sibuk", "2026-11-25T09:00"),
        (SAO_PAULO, "amanhã, agora não dá", "2026-11-25T09:00"),
        (SAO_PAULO, "to no trabalho, amanhã", "2026-11-25T09:00"),
        (NEW_YORK, "busy now, call me tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "can't talk now, tomorrow?", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow works, I can't today", "2026-11-25T09:00"),
        (NEW_YORK, "friday? busy", "2026-11-27T09:00"),
        (NEW_YORK, "see you tomorrow, can't wait", "2026-11-25T09:00"),
        (JAKARTA, "besok ya, gak bisa skrg", "2026-11-25T09:00"),
        (JAKARTA, "besok gak bisa ke kantor, telpon aja", "2026-11-25T09:00"),
        (SAO_PAULO, "amanhã, tô ocupado", "2026-11-25T09:00"),
        (SAO_PAULO, "quinta? amanhã não dá", "2026-11-26T09:00"),
        (NEW_YORK, "call me tomorrow, I can't", "2026-11-25T09:00"),
        (JAKARTA, "selain besok gak bisa kak", "2026-11-25T09:00"),
        (SAO_PAULO, "antes de sexta não dá", "2026-11-27T09:00"),
        (SAO_PAULO, "e amanhã, não dá?", "2026-11-25T09:00"),
    ],
)
def test_a_day_asked_for_beside_a_refusal_of_now_is_still_booked(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they are busy now, or cannot at another time, and ask for a day
    # Then the call back is on that day, as before
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "intent"),
    [
        (NEW_YORK, "I'm busy tomorrow", Intent.BUSY),
        (NEW_YORK, "sorry, I'll be busy on friday", Intent.BUSY),
        (NEW_YORK, "I'm busy tonight", Intent.BUSY),
        (NEW_YORK, "I can't make it tomorrow", Intent.OTHER),
        (NEW_YORK, "can't do friday, sorry", Intent.OTHER),
        (JAKARTA, "aku sibuk besok", Intent.BUSY),
        (JAKARTA, "maaf kak gak bisa besok pagi", Intent.OTHER),
        (JAKARTA, "kami gak bisa hari sabtu", Intent.OTHER),
        (SAO_PAULO, "tô ocupado amanhã à tarde", Intent.BUSY),
        (SAO_PAULO, "infelizmente não consigo na sexta", Intent.OTHER),
        (SAO_PAULO, "não dá pra amanhã", Intent.OTHER),
        (JAKARTA, "gak bisa besok kak 🙏", Intent.OTHER),
        (NEW_YORK, "I'm busy tomorrow. 😅", Intent.BUSY),
        (NEW_YORK, "tomorrow is bad for me", Intent.OTHER),
        (NEW_YORK, "sorry, tomorrow morning won't work", Intent.OTHER),
        (NEW_YORK, "friday I'm not available", Intent.OTHER),
        (SAO_PAULO, "amanhã fica difícil pra mim", Intent.OTHER),
        (SAO_PAULO, "amanhã tô ocupado", Intent.BUSY),
        (JAKARTA, "besok susah kak", Intent.OTHER),
        (JAKARTA, "besok aku ada acara", Intent.OTHER),
        (NEW_YORK, "tomorrow I'm working", Intent.OTHER),
        (NEW_YORK, "hi, I'm very busy tomorrow", Intent.BUSY),
        (NEW_YORK, "tomorrow looks busy", Intent.BUSY),
        (NEW_YORK, "tomorrow is bad for me too", Intent.OTHER),
        (SAO_PAULO, "desculpa, amanhã vai ser difícil", Intent.OTHER),
        (SAO_PAULO, "amanhã trabalho o dia todo", Intent.OTHER),
        (JAKARTA, "maaf ya kak besok ada urusan", Intent.OTHER),
        (JAKARTA, "besok sibuk banget", Intent.BUSY),
        (NEW_YORK, "I'm busy tomorrow at 3pm", Intent.BUSY),
        (NEW_YORK, "tomorrow at 3 is bad", Intent.OTHER),
        (JAKARTA, "besok pagi jam 9 gak bisa", Intent.OTHER),
        (SAO_PAULO, "amanhã às 10 não posso", Intent.OTHER),
        (JAKARTA, "besok sore jam 4 gak bisa", Intent.OTHER),
        (NEW_YORK, "tomorrow im busy lol", Intent.BUSY),
        (SAO_PAULO, "não posso amanhã obrigado", Intent.OTHER),
        (JAKARTA, "besok ndak bisa kayaknya", Intent.OTHER),
        (JAKARTA, "besok engga bisa kak makasih", Intent.OTHER),
        (NEW_YORK, "tomorrow I'm out of town", Intent.OTHER),
        (NEW_YORK, "I'm out tomorrow", Intent.OTHER),
        (NEW_YORK, "I'm traveling tomorrow", Intent.OTHER),
        (JAKARTA, "besok aku keluar kota", Intent.OTHER),
        (SAO_PAULO, "amanhã tô viajando", Intent.OTHER),
        (NEW_YORK, "mañana no me queda", Intent.OTHER),
    ],
)
def test_a_refusal_said_before_the_day_it_refuses_books_no_call_back(
    zone: ZoneInfo, text: str, intent: Intent
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When, in one clause, they say they cannot or are busy, then the day; or the day,
    # then that it does not suit
    # Then no call back is booked (it was booked on the day refused)
    assert detected(zone, text, at(8)) == (intent, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm busy, tomorrow?", "2026-11-25T09:00"),
        (NEW_YORK, "busy now, tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "can't make it tomorrow?", "2026-11-25T09:00"),
        (NEW_YORK, "I'm not busy tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "I won't be busy tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "I don't work tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "I can't wait for tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "busy until friday", "2026-11-27T09:00"),
        (JAKARTA, "gak bisa sampai besok", "2026-11-25T09:00"),
        (SAO_PAULO, "não posso, amanhã?", "2026-11-25T09:00"),
        (NEW_YORK, "I'm busy - tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "I'm busy 🙏 tomorrow", "2026-11-25T09:00"),
        (SAO_PAULO, "não posso… amanhã", "2026-11-25T09:00"),
        (NEW_YORK, "I'm busy tomorrow？", "2026-11-25T09:00"),
        (SAO_PAULO, "tá ocupado amanhã", "2026-11-25T09:00"),
        (JAKARTA, "gak bisa besok kak sore", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow is not bad", "2026-11-25T09:00"),
        (SAO_PAULO, "amanhã não trabalho", "2026-11-25T09:00"),
        (JAKARTA, "besok gak kerja", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow working for me", "2026-11-25T09:00"),
        (SAO_PAULO, "amanhã tá ocupado", "2026-11-25T09:00"),
        (JAKARTA, "aku lagi sibuk besok", "2026-11-25T09:00"),
        (NEW_YORK, "I'm busy so tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow looks good", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow at 3 I'm free", "2026-11-25T15:00"),
        (NEW_YORK, "I'm busy tomorrow after 3", "2026-11-25T15:00"),
        (JAKARTA, "besok sibuk sampai jam 3", "2026-11-25T15:00"),
        (NEW_YORK, "I can't tomorrow morning 3pm", "2026-11-25T15:00"),
        (SAO_PAULO, "não posso amanhã de manhã às 15h", "2026-11-25T15:00"),
        (NEW_YORK, "busy tomorrow ok", "2026-11-25T09:00"),
    ],
)
def test_a_refusal_parted_from_the_day_or_not_of_it_still_books_the_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When the refusal is of now (a comma, a dash or a question between), negated, of
    # someone else, of something else than the day, or another part of it is asked for
    # Then the call back is on the day, as before
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "friday afternoon is bad, monday works", "2026-11-30T09:00"),
        (NEW_YORK, "friday afternoon is bad, monday morning works", "2026-11-30T09:00"),
        (NEW_YORK, "friday afternoon is bad for me, monday?", "2026-11-30T09:00"),
        (NEW_YORK, "tomorrow morning is bad, thursday morning works", "2026-11-26T09:00"),
        (NEW_YORK, "tomorrow morning I cant, thursday at 10?", "2026-11-26T10:00"),
        (SAO_PAULO, "sexta à tarde não dá, segunda de manhã pode", "2026-11-30T09:00"),
        (MEXICO_CITY, "mañana en la tarde no puedo, el viernes en la mañana", "2026-11-27T09:00"),
    ],
)
def test_a_part_of_a_day_refused_then_another_day_asked_for_books_the_other_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they refuse a part of one day and ask for another day
    # Then the call back is on the other day (it was the day refused at 09:00, its
    # afternoon, or nothing)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "besok pagi gak bisa, sore aja", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow morning no, afternoon is fine", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow morning works, or friday", "2026-11-25T09:00"),
    ],
)
def test_a_part_of_a_day_refused_with_no_other_day_keeps_the_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they refuse a part of a day and ask for another part, or take the first day
    # Then the call back stays on that day
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "today is bad, tomorrow at 10", "2026-11-25T10:00"),
        (NEW_YORK, "today is bad for me, tomorrow at 10", "2026-11-25T10:00"),
        (NEW_YORK, "tomorrow is bad, friday at 10", "2026-11-27T10:00"),
        (JAKARTA, "besok susah, jumat jam 10 aja", "2026-11-27T10:00"),
        (SAO_PAULO, "hoje tá corrido, amanhã às 10", "2026-11-25T10:00"),
        (SAO_PAULO, "amanhã fica difícil, sexta às 10", "2026-11-27T10:00"),
    ],
)
def test_a_day_said_to_be_bad_then_another_day_at_an_hour_books_the_other(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say a day is bad and name another day with an hour
    # Then the call back is the other day at that hour (it was the bad day at that hour)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("too late for today, tomorrow at 10", "2026-11-25T10:00"),
        ("not good for today, tomorrow at 3?", "2026-11-25T15:00"),
    ],
)
def test_today_said_not_to_suit_before_it_then_tomorrow_at_an_hour_is_tomorrow(
    text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When what does not suit is said before "today" ("too late for today")
    # Then the call back is tomorrow at the hour (it was today at that hour)
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "muito tarde pra hoje, amanhã às 10", "2026-11-25T10:00"),
        (MEXICO_CITY, "mañana es malo, el viernes a las 10", "2026-11-27T10:00"),
        (NEW_YORK, "tomorrow is bad, on friday at 10", "2026-11-27T10:00"),
        (SAO_PAULO, "amanhã é ruim, na sexta às 10", "2026-11-27T10:00"),
    ],
)
def test_a_day_said_to_be_bad_before_another_with_its_article_books_the_other(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When the day said to be bad comes before "on friday", "el viernes", or "pra hoje"
    # Then the call back is the other day at the hour (it was the bad day)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize("text", ["busy today, maybe tomorrow", "busy today, maybe tomorrow?"])
def test_a_next_day_offered_with_maybe_after_a_busy_today_is_booked(text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they are busy today and offer tomorrow with "maybe"
    # Then the call back is tomorrow morning (it was busy, no time)
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, "2026-11-25T09:00")


def test_a_next_day_offered_with_maybe_and_refused_too_books_nothing() -> None:
    assert detected(NEW_YORK, "busy today, maybe tomorrow too") == (Intent.BUSY, None)


@pytest.mark.parametrize(
    ("zone", "text", "intent"),
    [
        (NEW_YORK, "I'm at work tomorrow", Intent.BUSY),
        (NEW_YORK, "tomorrow I'm at work", Intent.BUSY),
        (NEW_YORK, "friday I am at work", Intent.BUSY),
        (NEW_YORK, "I work tomorrow", Intent.OTHER),
        (NEW_YORK, "I'm working tomorrow", Intent.OTHER),
        (JAKARTA, "aku kerja besok", Intent.OTHER),
        (SAO_PAULO, "trabalho amanhã", Intent.OTHER),
        (MEXICO_CITY, "trabajo mañana", Intent.OTHER),
        (NEW_YORK, "busy on friday", Intent.BUSY),
        (NEW_YORK, "busy on the weekend", Intent.BUSY),
        (NEW_YORK, "I work monday to friday", Intent.OTHER),
        (SAO_PAULO, "trabalho de segunda a sexta", Intent.OTHER),
        (MEXICO_CITY, "trabajo del lunes al viernes", Intent.OTHER),
        (JAKARTA, "aku kerja senin sampai jumat", Intent.OTHER),
        (NEW_YORK, "I have an exam tomorrow", Intent.OTHER),
        (NEW_YORK, "tomorrow I have an exam", Intent.OTHER),
        (SAO_PAULO, "tenho prova amanhã", Intent.OTHER),
        (SAO_PAULO, "amanhã tenho prova", Intent.OTHER),
        (JAKARTA, "besok aku ada ujian", Intent.OTHER),
        (JAKARTA, "aku ada ujian besok", Intent.OTHER),
        (MEXICO_CITY, "tengo examen mañana", Intent.OTHER),
        (NEW_YORK, "I have class monday", Intent.OTHER),
    ],
)
def test_a_day_the_lead_is_at_work_or_has_an_exam_books_no_call_back(
    zone: ZoneInfo, text: str, intent: Intent
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say they are at work on a day, or on a span of weekdays, busy on one, or
    # have an exam or a class then (theirs: "I have", "tenho", "aku ada")
    # Then no call back is booked (it was booked at 09:00 that day, at their work or exam)
    assert detected(zone, text, at(8)) == (intent, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I work monday to friday, call me saturday", "2026-11-28T09:00"),
        (NEW_YORK, "mon-fri I'm at work, sat works", "2026-11-28T09:00"),
        (SAO_PAULO, "seg a sex trabalho, sábado pode", "2026-11-28T09:00"),
        (MEXICO_CITY, "de lunes a viernes trabajo, el sábado sí", "2026-11-28T09:00"),
        (JAKARTA, "senin-jumat kerja kak, sabtu aja", "2026-11-28T09:00"),
        (NEW_YORK, "I'm busy monday to wednesday, thursday works", "2026-11-26T09:00"),
        (NEW_YORK, "call me monday to friday", "2026-11-30T09:00"),
        (NEW_YORK, "I work monday to friday, weekends are better", "2026-11-28T09:00"),
        (NEW_YORK, "sat-sun after 6", "2026-11-28T18:00"),
        (NEW_YORK, "wed to fri after 6", "2026-11-25T18:00"),
        (SAO_PAULO, "quero ter a sexta livre", "2026-11-27T09:00"),
    ],
)
def test_a_span_of_weekdays_is_read_as_its_first_day(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they are at work over a span of weekdays and ask for another day, or ask for
    # the span with no hour, or for one that has not begun
    # Then the call back is on the day asked for, or the span's first day
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "Monday-Friday 9-5 I'm at work, call me after 5", "2026-11-24T17:00"),
        (NEW_YORK, "monday to friday after 6", "2026-11-24T18:00"),
        (NEW_YORK, "I'm busy monday to wednesday, thursday at 3 works", "2026-11-26T15:00"),
        (
            SAO_PAULO,
            "trabalho de segunda a sexta das 8 às 17, pode me ligar depois das 17h",
            "2026-11-24T17:00",
        ),
        (MEXICO_CITY, "de lunes a viernes después de las 6", "2026-11-24T18:00"),
        (JAKARTA, "senin-jumat abis jam 5", "2026-11-24T17:00"),
    ],
)
def test_a_weeks_routine_with_its_hours_said_on_one_of_its_days_is_todays(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they give the hours of a span of weekdays that holds today, or are busy over it
    # and name a later day's hour
    # Then the call back is today at that hour (it was next Monday's), or on that day
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


FRIDAY = datetime(2026, 11, 27)


@pytest.mark.parametrize(
    ("zone", "text", "hour", "local"),
    [
        (NEW_YORK, "monday to friday after 6", 19, "2026-11-30T18:00"),
        (NEW_YORK, "Monday-Friday 9-5 I'm at work, call me after 5", 17, "2026-11-30T17:00"),
        (JAKARTA, "senin-jumat abis jam 5", 20, "2026-11-30T17:00"),
        (MEXICO_CITY, "de lunes a viernes después de las 18:30", 21, "2026-11-30T18:30"),
        # the attacks: the hour still to come that Friday, and a span that goes on tomorrow
        (NEW_YORK, "monday to friday after 6", 16, "2026-11-27T18:00"),
        (NEW_YORK, "Monday-Friday 9-5 I'm at work, call me after 5", 10, "2026-11-27T17:00"),
        (NEW_YORK, "monday to saturday after 6", 19, "2026-11-28T18:00"),
    ],
)
def test_a_weeks_routine_said_on_its_last_day_after_its_hour_is_the_next_week(
    zone: ZoneInfo, text: str, hour: int, local: str
) -> None:
    # Given a lead writing on a Friday evening, the hour they name already past
    # When they give the hours of a span of weekdays that ends that day
    # Then the call back is on the span's next first day, not on Saturday; before the
    # hour it is that Friday, and a span that goes on tomorrow is tomorrow
    assert detected(zone, text, FRIDAY.replace(hour=hour)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I can't tomorrow, monday at 10", "2026-11-30T10:00"),
        (NEW_YORK, "I'm busy tomorrow, monday at 10", "2026-11-30T10:00"),
        (NEW_YORK, "I can't tomorrow. Monday at 10?", "2026-11-30T10:00"),
        (NEW_YORK, "I can't tomorrow, but at 3 on monday", "2026-11-30T15:00"),
        (JAKARTA, "gak bisa besok, senin jam 10", "2026-11-30T10:00"),
        (SAO_PAULO, "não posso amanhã, sábado às 10", "2026-11-28T10:00"),
        (MEXICO_CITY, "no puedo mañana, el lunes a las 10", "2026-11-30T10:00"),
        # an hour given no day of its own may be the day's: kept as it was
        (NEW_YORK, "tomorrow I'm busy, at 3 is fine", "2026-11-25T15:00"),
        (JAKARTA, "besok sibuk, jam 3 bisa", "2026-11-25T15:00"),
    ],
)
def test_a_day_refused_before_another_day_and_its_hour_is_not_given_that_hour(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse a day and then ask for another, with an hour
    # Then the call back is on the day asked for (it was on the day refused, at that hour)
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm not available tomorrow", None),
        (NEW_YORK, "I'm unavailable tomorrow", None),
        (NEW_YORK, "I won't be free tomorrow", None),
        (NEW_YORK, "I'm not around tomorrow", None),
        (JAKARTA, "besok aku gak ada waktu", None),
        (JAKARTA, "besok aku ga available", None),
        (SAO_PAULO, "amanhã não estou disponível", None),
        (SAO_PAULO, "não estou livre amanhã", None),
        (MEXICO_CITY, "mañana no estoy disponible", None),
        (NEW_YORK, "I'm not free tomorrow, monday works", "2026-11-30T09:00"),
        (NEW_YORK, "not free today, tomorrow works", "2026-11-25T09:00"),
        (JAKARTA, "besok sy ga free, senin aja", "2026-11-30T09:00"),
        (MEXICO_CITY, "no estoy disponible mañana, el lunes sí", "2026-11-30T09:00"),
        (NEW_YORK, "I'm not available now but tomorrow at 3 is fine", "2026-11-25T15:00"),
    ],
)
def test_a_day_the_lead_is_not_free_on_is_not_booked(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say they are not available or free on a day, perhaps asking for another
    # Then that day is not booked (it was, at 09:00): the other day is, or none
    intent = Intent.OTHER if local is None else Intent.CALL_BACK_AT
    assert detected(zone, text, at(8)) == (intent, local)
