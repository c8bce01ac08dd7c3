"""Parts of the day in replies: a greeting names no time, and "call me this evening" does,
as does a part of the day said alone ("in the evening", "later this evening", "à noite",
"sorean aja", "pas jam makan siang") or preferred ("evenings work best for me"), and
"am" or "pm" said of a day with no hour ("tmrw pm"), and lunch asked for ("call me at
lunch", "me liga no almoço"). A part in the plural goes with its day as in the singular
("friday evenings are best"); one refused (or too early) moves no hour ("tomorrow at
10? can't do afternoons")."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "selamat pagi kak, besok jam 3 aja", "2026-11-25T15:00"),
        (JAKARTA, "pagi kak, telpon besok jam 2 ya", "2026-11-25T14:00"),
        (JAKARTA, "met malam kak, besok jam 9 aja", "2026-11-25T09:00"),
        (JAKARTA, "Selamat sore, bsk jam 11", "2026-11-25T11:00"),
        (SAO_PAULO, "Boa noite, me liga amanhã às 10", "2026-11-25T10:00"),
        (SAO_PAULO, "boa tarde! pode me ligar amanhã 10h?", "2026-11-25T10:00"),
        (NEW_YORK, "Good evening, call me tomorrow at 10", "2026-11-25T10:00"),
        (NEW_YORK, "good morning, call me at 3", "2026-11-24T15:00"),
    ],
)
def test_a_greeting_does_not_move_the_hour_asked_for(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead who greets the counsellor with a part of the day
    # When they ask for a call back at an hour
    # Then the call back is at that hour, not twelve hours off
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "evening after 7 works", "2026-11-24T19:00"),
        (NEW_YORK, "evening, after 7", "2026-11-24T19:00"),
        (NEW_YORK, "morning after 10 is fine", "2026-11-24T10:00"),
        (JAKARTA, "malam abis jam 7", "2026-11-24T19:00"),
        (JAKARTA, "sore setelah jam 4 aja", "2026-11-24T16:00"),
        (SAO_PAULO, "noite depois das 7", "2026-11-24T19:00"),
    ],
)
def test_a_part_of_the_day_opening_a_time_after_an_hour_is_no_greeting(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00
    # When they open with a part of the day and go on with an hour it begins after
    # Then the call back is that hour in that part of the day, not the next morning
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm at work, call me this evening", "2026-11-24T19:00"),
        (NEW_YORK, "call me this afternoon please", "2026-11-24T15:00"),
        (NEW_YORK, "can you call me in the evening?", "2026-11-24T19:00"),
        (NEW_YORK, "call me later in the afternoon", "2026-11-24T15:00"),
        (SAO_PAULO, "tô no trabalho, me liga à noite", "2026-11-24T19:00"),
        (SAO_PAULO, "me liga de tarde", "2026-11-24T15:00"),
        (SAO_PAULO, "me liga hoje à tarde", "2026-11-24T15:00"),
        (JAKARTA, "sy udh kerja, sore aja ya kak", "2026-11-24T15:00"),
        (JAKARTA, "malam ini aja telpon", "2026-11-24T19:00"),
        (JAKARTA, "ntar sore aja kak", "2026-11-24T15:00"),
        (JAKARTA, "nti malam aja", "2026-11-24T19:00"),
        (SAO_PAULO, "estou no trabalho, falamos à noite", "2026-11-24T19:00"),
        (JAKARTA, "ngobrol sore aja", "2026-11-24T15:00"),
        (JAKARTA, "besok siangan aja", "2026-11-25T13:00"),
        (JAKARTA, "sorean aja ya kak", "2026-11-24T15:00"),
        (JAKARTA, "maleman aja", "2026-11-24T19:00"),
        (JAKARTA, "pas jam makan siang", "2026-11-24T12:00"),
        (JAKARTA, "besok jam makan siang", "2026-11-25T12:00"),
        (SAO_PAULO, "hoje à noitinha", "2026-11-24T19:00"),
        (SAO_PAULO, "amanhã na hora do almoço", "2026-11-25T12:00"),
        (SAO_PAULO, "amanhã no horário do almoço", "2026-11-25T12:00"),
        (NEW_YORK, "first thing in the morning", "2026-11-25T09:00"),
        (NEW_YORK, "after dinner", "2026-11-24T19:00"),
        (SAO_PAULO, "depois do almoço eu te ligo", "2026-11-24T13:00"),
        (SAO_PAULO, "eu te ligo à noite", "2026-11-24T19:00"),
        (SAO_PAULO, "me liga meio dia", "2026-11-24T12:00"),
        (SAO_PAULO, "pode ligar meio dia amanhã?", "2026-11-25T12:00"),
        (JAKARTA, "hari kamis aja kak habis maghrib", "2026-11-26T19:00"),
        (JAKARTA, "besok kak sore", "2026-11-25T15:00"),
        (NEW_YORK, "I'm having dinner, call me after dinner", "2026-11-24T19:00"),
        (JAKARTA, "abis makan malam aja", "2026-11-24T19:00"),
        (SAO_PAULO, "depois do jantar", "2026-11-24T19:00"),
    ],
)
def test_a_part_of_the_day_asked_for_is_a_call_back(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they ask to be called in a part of the day, or say they will call then, with
    # no hour
    # Then the call back is at that part's usual hour, today
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "in the evening", "2026-11-24T19:00"),
        (NEW_YORK, "later this evening", "2026-11-24T19:00"),
        (NEW_YORK, "later, in the evening", "2026-11-24T19:00"),
        (NEW_YORK, "this afternoon please", "2026-11-24T15:00"),
        (NEW_YORK, "in the morning", "2026-11-25T09:00"),
        (SAO_PAULO, "à noite", "2026-11-24T19:00"),
        (SAO_PAULO, "mais tarde à noite", "2026-11-24T19:00"),
        (SAO_PAULO, "de manhã", "2026-11-25T09:00"),
        (NEW_YORK, "evenings work best for me", "2026-11-24T19:00"),
        (NEW_YORK, "I prefer afternoons", "2026-11-24T15:00"),
        (NEW_YORK, "mornings are better", "2026-11-25T09:00"),
        (NEW_YORK, "morning is better", "2026-11-25T09:00"),
        (NEW_YORK, "afternoon works", "2026-11-24T15:00"),
        (NEW_YORK, "evening would work", "2026-11-24T19:00"),
        (NEW_YORK, "I can only do mornings", "2026-11-25T09:00"),
        (NEW_YORK, "evenings only", "2026-11-24T19:00"),
        (JAKARTA, "bisanya malem kak", "2026-11-24T19:00"),
        (JAKARTA, "aku cuma bisa sore", "2026-11-24T15:00"),
        (NEW_YORK, "only in the afternoon", "2026-11-24T15:00"),
        (NEW_YORK, "this evening after dinner", "2026-11-24T19:00"),
        (NEW_YORK, "tonight after dinner", "2026-11-24T19:00"),
        (NEW_YORK, "noon works", "2026-11-24T12:00"),
        (SAO_PAULO, "meio-dia pode ser", "2026-11-24T12:00"),
    ],
)
def test_a_part_of_the_day_said_alone_is_a_call_back(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing on Tuesday morning
    # When all their reply says is a part of the day, perhaps with "later" or "please",
    # or one of every day they prefer or can only do
    # Then the call back is at that part's usual hour (it was read as busy, or as nothing)
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (
            NEW_YORK,
            "we're not interested in the evening class, morning is better",
            "2026-11-25T09:00",
        ),
        (NEW_YORK, "evening doesn't work, morning is better", "2026-11-25T09:00"),
        (JAKARTA, "malam ini aku keluar, siang aja?", "2026-11-24T13:00"),
    ],
)
def test_a_part_of_the_day_that_asks_for_itself_wins_over_one_only_spoken_of(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing on Tuesday morning
    # When they speak of one part of the day, then ask for another ("morning is better",
    # "siang aja")
    # Then the call back is at the part asked for (it was at the evening spoken of)
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


def test_a_part_of_the_day_preferred_over_one_refused_is_the_call_back() -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse after lunch and say mornings are better
    # Then the call back is this morning, never after lunch
    found = detected(NEW_YORK, "can't after lunch, mornings are better", at(8))
    assert found == (Intent.CALL_BACK_AT, "2026-11-24T09:00")


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I work in the evening"),
        (SAO_PAULO, "trabalho à noite"),
        (NEW_YORK, "in the evening I have class"),
        (NEW_YORK, "I work evenings"),
        (NEW_YORK, "mornings are busy"),
    ],
)
def test_a_part_of_the_day_said_of_what_keeps_the_lead_is_no_call_back(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing on Tuesday morning
    # When they say what keeps them in a part of the day
    # Then no call back is booked then
    assert detected(zone, text, at(9))[1] is None


def test_a_part_of_the_day_gone_by_is_tomorrows() -> None:
    # Given a lead writing in the evening
    # When they ask to be called in the morning
    # Then the call back is tomorrow morning
    found = detected(NEW_YORK, "call me in the morning", at(20))
    assert found == (Intent.CALL_BACK_AT, "2026-11-25T09:00")


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "call me this evening"),
        (JAKARTA, "telpon malam ini aja"),
        (JAKARTA, "nanti malam aja kak"),
        (NEW_YORK, "call me tonight"),
    ],
)
def test_this_evening_asked_in_the_evening_is_soon_not_tomorrow(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 20:10, the evening begun
    # When they ask to be called this evening
    # Then the call back is this evening, not tomorrow's
    assert detected(zone, text, at(20, 10)) == (Intent.CALL_BACK_AT, "2026-11-24T20:25")


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I was busy this morning"),
        (NEW_YORK, "call me this morning"),
    ],
)
def test_this_morning_said_in_the_afternoon_names_no_time(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 15:00
    # When their reply speaks of this morning
    # Then it asks for no call back time: that morning is over
    intent, local = detected(zone, text, at(15))
    assert intent is not Intent.CALL_BACK_AT
    assert local is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "pagi kak, mau tanya biayanya berapa?"),
        (JAKARTA, "selamat malam, saya lagi sibuk"),
        (SAO_PAULO, "boa tarde, tudo bem?"),
        (SAO_PAULO, "bom dia! quero saber o preço"),
        (NEW_YORK, "good evening, what does it cost?"),
        (NEW_YORK, "I was busy this morning"),
        (NEW_YORK, "the class is only in the evening?"),
        (NEW_YORK, "classes are only in the evening"),
        (NEW_YORK, "this evening, in the morning"),
        (NEW_YORK, "noon is when I eat"),
    ],
)
def test_a_greeting_or_a_part_of_the_day_alone_asks_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 10:00
    # When they greet with a part of the day, or speak of one without asking anything
    # Then no call back time is read into it
    intent, local = detected(zone, text, at(10))
    assert intent is not Intent.CALL_BACK_AT
    assert local is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me after lunch", "2026-11-24T13:00"),
        (NEW_YORK, "I'll be free after lunch", "2026-11-24T13:00"),
        (NEW_YORK, "after lunch works", "2026-11-24T13:00"),
        (NEW_YORK, "I'm having lunch now, call me after lunch", "2026-11-24T13:00"),
        (NEW_YORK, "call me at lunchtime", "2026-11-24T12:00"),
        (NEW_YORK, "call me tomorrow after lunch", "2026-11-25T13:00"),
        (SAO_PAULO, "me liga depois do almoço", "2026-11-24T13:00"),
        (SAO_PAULO, "amanhã depois do almoço", "2026-11-25T13:00"),
        (JAKARTA, "besok abis makan siang", "2026-11-25T13:00"),
        (JAKARTA, "abis makan siang ya kak", "2026-11-24T13:00"),
    ],
)
def test_after_lunch_asked_for_is_one_in_the_afternoon(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they ask to be contacted after lunch (or at lunchtime)
    # Then the call back is at 13:00 (12:00), on the day named (it was none, or 09:00 or
    # noon of that day)
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


def test_after_lunch_asked_for_as_lunch_ends_is_soon() -> None:
    # Given a lead writing at 13:00, as lunch ends
    # When they ask to be called after lunch
    # Then the call back is in a quarter of an hour, not tomorrow
    assert detected(SAO_PAULO, "me liga depois do almoço", at(13)) == (
        Intent.CALL_BACK_AT,
        "2026-11-24T13:15",
    )


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "after lunch I have a meeting"),
        (NEW_YORK, "I'm busy after lunch"),
        (NEW_YORK, "can't after lunch"),
        (NEW_YORK, "I'm at lunch, call me later"),
        (JAKARTA, "abis makan siang ada kelas"),
        (JAKARTA, "setelah makan siang aku sibuk"),
        (SAO_PAULO, "depois do almoço não dá"),
        (SAO_PAULO, "te respondo depois do almoço"),
        (JAKARTA, "jangan telpon abis makan siang"),
    ],
)
def test_after_lunch_spoken_of_or_refused_books_nothing(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When "after lunch" is when they are busy, refuse, or will answer themselves
    # Then no call back is booked
    assert detected(zone, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "me liga amanhã, depois do almoço tô ocupado"),
        (JAKARTA, "telpon besok aja, abis makan siang saya rapat"),
    ],
)
def test_a_day_asked_for_keeps_its_morning_when_after_lunch_is_busy(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they ask for tomorrow and say they are busy after lunch
    # Then the call back is tomorrow at 09:00, not in the busy afternoon
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, "2026-11-25T09:00")


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "end of the day", "2026-11-24T17:00"),
        (NEW_YORK, "by end of day", "2026-11-24T17:00"),
        (NEW_YORK, "call me at the end of the day", "2026-11-24T17:00"),
        (NEW_YORK, "tomorrow late afternoon", "2026-11-25T17:00"),
        (NEW_YORK, "early evening", "2026-11-24T19:00"),
        (NEW_YORK, "early morning", "2026-11-25T09:00"),
        (SAO_PAULO, "fim da tarde", "2026-11-24T17:00"),
        (SAO_PAULO, "amanhã à tardinha", "2026-11-25T17:00"),
        (SAO_PAULO, "de tardezinha", "2026-11-24T17:00"),
        (MEXICO_CITY, "mañana en la tardecita", "2026-11-25T17:00"),
        (JAKARTA, "besok sore banget", "2026-11-25T17:00"),
        (JAKARTA, "besok sore", "2026-11-25T15:00"),
    ],
)
def test_the_end_of_the_working_day_is_five(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for the end of the day, late in the afternoon, or early in a part
    # Then the call back is at 17:00 (it was nothing, or 09:00), early ones at their part's
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("tomorrow pm", "2026-11-25T15:00"),
        ("tmrw pm", "2026-11-25T15:00"),
        ("Tomorrow PM works", "2026-11-25T15:00"),
        ("fri pm", "2026-11-27T15:00"),
        ("friday p.m.", "2026-11-27T15:00"),
        ("mon am", "2026-11-30T09:00"),
        ("today pm", "2026-11-24T15:00"),
        ("tomorrow pm at 4", "2026-11-25T16:00"),
    ],
)
def test_a_day_with_am_or_pm_and_no_hour_is_its_morning_or_afternoon(text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name a day with "am" or "pm" alone
    # Then the call back is that day's morning or afternoon (it was 09:00 whatever they said)
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, local)


def test_pm_said_as_a_private_message_is_no_afternoon() -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When "pm" after a day asks for a private message
    # Then the call back is that day at 09:00, no afternoon read in it
    assert detected(NEW_YORK, "tomorrow pm me the details") == (
        Intent.CALL_BACK_AT,
        "2026-11-25T09:00",
    )


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me at lunch", "2026-11-24T12:00"),
        (NEW_YORK, "ring me on my lunch break", "2026-11-24T12:00"),
        (NEW_YORK, "call me during lunch", "2026-11-24T12:00"),
        (NEW_YORK, "can you call me at lunch tomorrow?", "2026-11-25T12:00"),
        (NEW_YORK, "lunch break works", "2026-11-24T12:00"),
        (SAO_PAULO, "me liga no almoço", "2026-11-24T12:00"),
        (SAO_PAULO, "liga no almoço amanhã", "2026-11-25T12:00"),
    ],
)
def test_lunch_asked_for_is_noon(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask to be called at lunch, or say their lunch break suits
    # Then the call back is at noon (it was none)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I'm at lunch"),
        (NEW_YORK, "I'm at lunch, call me later"),
        (NEW_YORK, "at lunch now, call me later"),
        (NEW_YORK, "don't call me at lunch"),
        (SAO_PAULO, "tô no almoço, me liga depois"),
    ],
)
def test_lunch_the_lead_is_at_or_refuses_books_no_noon(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they are at lunch, or refuse a call then
    # Then no call back is booked at noon
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("friday evenings are best", "2026-11-27T19:00"),
        ("tomorrow, evenings only", "2026-11-25T19:00"),
        ("tuesday afternoons are good", "2026-11-24T15:00"),
        ("next week except mornings", "2026-11-30T12:00"),
    ],
)
def test_a_part_of_the_day_said_in_the_plural_goes_with_the_day(text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they name a day and a part of the day in the plural ("evenings")
    # Then the call back is that part of that day (it was the day at 09:00)
    assert detected(NEW_YORK, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow at 10? cant do afternoons", "2026-11-25T10:00"),
        (NEW_YORK, "tomorrow at 10? cant do the afternoon", "2026-11-25T10:00"),
        (NEW_YORK, "I work evenings, call me tomorrow", "2026-11-25T09:00"),
        (SAO_PAULO, "amanhã às 10? não posso à tarde", "2026-11-25T10:00"),
    ],
)
def test_a_part_of_the_day_refused_or_spoken_of_moves_no_hour(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When a part of the day is refused ("can't do afternoons") or what the lead does then
    # Then the hour or day asked for stands (10 was read as 22:00 in the afternoon's light)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("jam makan siang aja", "2026-11-24T12:00"),
        ("waktu makan siang aja", "2026-11-24T12:00"),
        ("lagi makan siang, nanti sore aja", "2026-11-24T15:00"),
        ("makan siang dulu kak, nanti sore aja", "2026-11-24T15:00"),
        ("jam makan malam aja", "2026-11-24T19:00"),
    ],
)
def test_lunch_said_in_indonesian_is_noon_and_not_the_afternoon_asked_after_it(
    text: str, local: str
) -> None:
    # Given a lead in Jakarta writing at 09:00 on Tuesday
    # When they ask for lunch time, or are at lunch and ask for the afternoon
    # Then the call back is at noon, or in the afternoon asked for (it was 13:00: the
    # "siang" of "makan siang")
    assert detected(JAKARTA, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow morning is too early, afternoon is better", "2026-11-25T15:00"),
        (NEW_YORK, "friday evening is too late, friday afternoon works", "2026-11-27T15:00"),
        (JAKARTA, "besok pagi kepagian, siang aja", "2026-11-25T13:00"),
    ],
)
def test_a_part_of_the_day_too_early_or_too_late_is_said_no_to(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When a part of a day is too early or too late, and another part is asked for
    # Then the call back is the other part (it was the morning said to be too early)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


def test_early_asked_for_beside_a_day_is_no_refusal() -> None:
    assert detected(NEW_YORK, "tomorrow early") == (Intent.CALL_BACK_AT, "2026-11-25T09:00")


@pytest.mark.parametrize(
    ("zone", "text"),
    [(SAO_PAULO, "de manhã não posso, só à tarde"), (SAO_PAULO, "de manhã não, à tarde")],
)
def test_a_part_of_the_day_asked_for_after_one_refused_is_booked(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they refuse the morning and ask for the afternoon
    # Then the call back is this afternoon (it was none)
    assert detected(zone, text) == (Intent.CALL_BACK_AT, "2026-11-24T15:00")


def test_a_part_of_the_day_spoken_of_after_one_refused_books_nothing() -> None:
    assert detected(SAO_PAULO, "de manhã não posso, à tarde tenho aula")[1] is None
