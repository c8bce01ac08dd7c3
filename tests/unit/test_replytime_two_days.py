"""Call-back times in replies that name two days: the one the lead is busy on or refuses,
and the one they ask for."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "hj tenho aula, amanha as 10?"),
        (SAO_PAULO, "hoje não dá, amanhã 10h?"),
        (JAKARTA, "hari ini ada kelas, besok jam 10?"),
        (JAKARTA, "hari ini sibuk, besok jam 10 ya"),
        (NEW_YORK, "I have class today, tomorrow at 10?"),
        (NEW_YORK, "tomorrow at 10, today I'm busy"),
        (NEW_YORK, "I can't today, tomorrow after 10 is better"),
        (JAKARTA, "hari ini gak bisa, besok abis jam 10 aja"),
        (SAO_PAULO, "hoje não consigo, amanhã depois das 10h"),
    ],
)
def test_the_hour_asked_for_goes_with_the_day_beside_it(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say they cannot today and ask for tomorrow at (or after) 10
    # Then the call back is tomorrow at 10, not today at 10 (in their class)
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, "2026-11-25T10:00")


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "hari ini gak bisa, besok aja", "2026-11-25T09:00"),
        (JAKARTA, "hari ini lagi kerja, besok sore ya", "2026-11-25T15:00"),
        (SAO_PAULO, "hoje não dá, amanhã de manhã", "2026-11-25T09:00"),
        (SAO_PAULO, "hoje estou ocupado, amanhã à tarde", "2026-11-25T15:00"),
        (NEW_YORK, "can't today, tomorrow works", "2026-11-25T09:00"),
        (NEW_YORK, "I'm busy today until 5, call me tomorrow", "2026-11-25T09:00"),
        (NEW_YORK, "today doesn't work, tomorrow morning?", "2026-11-25T09:00"),
        (JAKARTA, "gak bisa hari ini kak, besok aja", "2026-11-25T09:00"),
    ],
)
def test_today_refused_gives_way_to_the_day_asked_for(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse today, or are busy then, and name another day, with no hour
    # Then the call back is on the other day (they were read as nothing, or as busy)
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "besok gak bisa, lusa aja", "2026-11-26T09:00"),
        (JAKARTA, "jumat gak bisa kak, senin aja ya", "2026-11-30T09:00"),
        (JAKARTA, "besok sibuk, lusa jam 10 ya", "2026-11-26T10:00"),
        (JAKARTA, "besok gak bisa kak, gimana kalau lusa?", "2026-11-26T09:00"),
        (SAO_PAULO, "amanhã não dá, quinta pode ser?", "2026-11-26T09:00"),
        (SAO_PAULO, "amanhã não posso, que tal sexta?", "2026-11-27T09:00"),
        (SAO_PAULO, "sexta não posso, segunda de manhã", "2026-11-30T09:00"),
        (NEW_YORK, "can't do friday, monday at 3?", "2026-11-30T15:00"),
        (NEW_YORK, "tomorrow doesn't work, how about thursday?", "2026-11-26T09:00"),
        (NEW_YORK, "I can't make it friday, can we do monday?", "2026-11-30T09:00"),
        (NEW_YORK, "I can't make it on friday, how about monday?", "2026-11-30T09:00"),
        (NEW_YORK, "friday doesn't work, could we make it monday?", "2026-11-30T09:00"),
        (JAKARTA, "besok gabisa, lusa aja", "2026-11-26T09:00"),
        (JAKARTA, "hari ini gabisa, besok aja", "2026-11-25T09:00"),
        (SAO_PAULO, "hoje tá corrido, amanhã?", "2026-11-25T09:00"),
        (SAO_PAULO, "hoje fica difícil, amanhã?", "2026-11-25T09:00"),
        (NEW_YORK, "today is bad, tomorrow?", "2026-11-25T09:00"),
        (JAKARTA, "hari ini susah, besok?", "2026-11-25T09:00"),
    ],
)
def test_another_day_refused_gives_way_to_the_day_asked_for(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse a day after today, or are busy then, and ask for a later one
    # Then the call back is on the day asked for (it was on the day refused)
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "today at 5 or tomorrow at 10", "2026-11-24T17:00"),
        (JAKARTA, "besok aja, hari ini sibuk", "2026-11-25T09:00"),
        (NEW_YORK, "call me tomorrow, today I'm in class until 10", "2026-11-25T09:00"),
        (JAKARTA, "besok jam 10 ya, hari ini lagi sibuk", "2026-11-25T10:00"),
        (JAKARTA, "besok atau lusa jam 10", "2026-11-25T10:00"),
        (JAKARTA, "besok atau lusa sore", "2026-11-25T15:00"),
        (NEW_YORK, "mon or tue afternoon", "2026-11-30T15:00"),
        (SAO_PAULO, "quinta ou sexta à tarde", "2026-11-26T15:00"),
        (JAKARTA, "hari ini atau besok jam 3", "2026-11-24T15:00"),
        (NEW_YORK, "no, tomorrow or friday is better", "2026-11-25T09:00"),
        (JAKARTA, "besok gak ada kelas, lusa ada", "2026-11-25T09:00"),
        (JAKARTA, "nanti malam aja, jangan besok", "2026-11-24T19:00"),
        (NEW_YORK, "tomorrow works, friday I have class at 10", "2026-11-25T09:00"),
        (NEW_YORK, "today, not tomorrow, at 5pm", "2026-11-24T17:00"),
        (JAKARTA, "besok aja, lusa gak bisa", "2026-11-25T09:00"),
        (JAKARTA, "besok atau lusa aja", "2026-11-25T09:00"),
        (JAKARTA, "besok jam 3, kalau gak bisa lusa aja", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow at 3, not thursday", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow? if you can't, friday works", "2026-11-25T09:00"),
        (JAKARTA, "kalau besok kakak sibuk, lusa aja", "2026-11-25T09:00"),
        (JAKARTA, "besok oke, gabisa skrg, jumat ok", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow? busy rn. friday works as well", "2026-11-25T09:00"),
        (SAO_PAULO, "vc tá ocupado amanhã? se tiver, sexta pode", "2026-11-25T09:00"),
    ],
)
def test_the_first_day_asked_for_still_leads(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When the day they ask for comes first, days are offered as one choice (with the
    # hour or part of the day said after them), today has an hour or a part of the day of
    # its own, or a refusal is of something else
    # Then the call back is the first day named, as before
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "today fine, not tomorrow"),
        (JAKARTA, "hari ini aja, jangan besok"),
        (JAKARTA, "hari ini gak bisa, besok juga gak bisa"),
        (NEW_YORK, "I'm busy today, tomorrow too"),
        (SAO_PAULO, "hoje não, amanhã tenho prova"),
        (SAO_PAULO, "Não, hoje dá sim, amanhã de manhã eu viajo"),
        (JAKARTA, "hari ini gak ada kelas, telpon aja. besok ada"),
        (JAKARTA, "hari ini gak bisa, besok pagi aku berangkat"),
        (NEW_YORK, "can't today, tomorrow is not good either"),
        (NEW_YORK, "busy today, tomorrow is the same"),
        (SAO_PAULO, "hoje não posso, amanhã pode ser pior"),
        (JAKARTA, "hari ini sibuk kak, besok aja juga repot"),
        (NEW_YORK, "I'm busy today, don't call me tomorrow either"),
        (JAKARTA, "hari ini gak bisa, jangan telpon besok juga ya"),
    ],
)
def test_tomorrow_not_asked_for_is_never_booked(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse tomorrow together with today, ask for today and refuse tomorrow, are
    # busy tomorrow too, or free today, or do not ask for tomorrow
    # Then no call back is booked tomorrow
    assert detected(zone, text, at(8))[1] is None


def test_a_call_asked_for_today_not_tomorrow_is_soon() -> None:
    assert detected(NEW_YORK, "call me today, not tomorrow", at(8)) == (
        Intent.CALL_BACK_AT,
        "2026-11-24T08:15",
    )


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "hari ini ada kelas ga kak? atau besok aja?"),
        (SAO_PAULO, "a aula é hoje? ou amanhã pode?"),
    ],
)
def test_a_question_about_today_or_tomorrow_books_neither(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they ask whether the class is today or tomorrow
    # Then it is a question, as before
    assert detected(zone, text, at(8)) == (Intent.QUESTION, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "today is a holiday, call me tomorrow at 10", "2026-11-25T10:00"),
        (NEW_YORK, "I'm at work today, call me tomorrow at 10", "2026-11-25T10:00"),
        (NEW_YORK, "today I'm traveling, call me tomorrow at 3", "2026-11-25T15:00"),
        (NEW_YORK, "I'm out today, call me tomorrow morning", "2026-11-25T09:00"),
        (NEW_YORK, "don't call me today, call me tomorrow at 10", "2026-11-25T10:00"),
        (JAKARTA, "hari ini lagi di jalan, telpon besok jam 10 aja", "2026-11-25T10:00"),
        (SAO_PAULO, "hoje estou viajando, me liga amanhã às 10", "2026-11-25T10:00"),
        (SAO_PAULO, "não posso amanhã, me liga sexta", "2026-11-27T09:00"),
        (SAO_PAULO, "amanhã não posso, me liga sexta", "2026-11-27T09:00"),
        (NEW_YORK, "tomorrow is bad, call me thursday", "2026-11-26T09:00"),
        (NEW_YORK, "I'm busy tonight, call me tomorrow at 10", "2026-11-25T10:00"),
        (SAO_PAULO, "hoje não, me liga amanhã", "2026-11-25T09:00"),
        (JAKARTA, "besok jangan, telpon lusa", "2026-11-26T09:00"),
        (JAKARTA, "hari ini gak, telpon besok jam 10", "2026-11-25T10:00"),
        (NEW_YORK, "I'm slammed today, call me back tomorrow at 10", "2026-11-25T10:00"),
        (JAKARTA, "hari ini gak bisa, telpon saya besok ya", "2026-11-25T09:00"),
        (SAO_PAULO, "hoje tô ocupado, me chama amanhã", "2026-11-25T09:00"),
        (SAO_PAULO, "hoje não dá, me liga de novo amanhã", "2026-11-25T09:00"),
    ],
)
def test_the_day_the_lead_asks_to_be_called_on_wins_over_one_spoken_of(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they speak of one day, then ask to be called on a later one
    # Then the call back is on the day they asked for (it was on the first day named)
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "today works, or call me tomorrow at 10", "2026-11-24T10:00"),
        (NEW_YORK, "today at 5 or call me tomorrow at 10", "2026-11-24T17:00"),
        (NEW_YORK, "call me today or tomorrow at 10", "2026-11-24T10:00"),
        (NEW_YORK, "today works, otherwise call me tomorrow at 10", "2026-11-24T10:00"),
        (SAO_PAULO, "hoje tá ótimo, senão me liga amanhã às 10", "2026-11-24T10:00"),
        (SAO_PAULO, "me liga hoje às 17h, se não der me liga amanhã", "2026-11-24T17:00"),
    ],
)
def test_a_call_asked_for_as_the_other_half_of_an_offer_keeps_the_first_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When the later day is the other half of a choice, or the first has an hour of its own
    # Then the call back is the first day named, as before
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "today is bad, my doctor will call me tomorrow"),
        (SAO_PAULO, "hoje não, meu pai vai me ligar amanhã"),
        (JAKARTA, "hari ini saya tunggu telpon, besok saya sibuk"),
        (JAKARTA, "hari ini sibuk, telpon besok juga gak bisa"),
        (JAKARTA, "jadi telpon hari ini apa telpon besok kak?"),
    ],
)
def test_a_later_day_called_on_by_someone_else_or_refused_is_not_booked(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When the call on the later day is someone else's, refused, or asked about
    # Then no call back is booked
    assert detected(zone, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "today and tomorrow I'm busy, call me friday at 10", "2026-11-27T10:00"),
        (NEW_YORK, "today and tomorrow I'm busy, friday at 10 works", "2026-11-27T10:00"),
        (JAKARTA, "hari ini dan besok sibuk, telpon jumat jam 10", "2026-11-27T10:00"),
        (JAKARTA, "hari ini sama besok gak bisa, jumat aja", "2026-11-27T09:00"),
        (SAO_PAULO, "hoje e amanhã estou ocupado, me liga sexta às 10", "2026-11-27T10:00"),
        (SAO_PAULO, "hoje e amanha nao da, me liga sexta", "2026-11-27T09:00"),
        (JAKARTA, "besok gak bisa kak, bila berkenan lusa aja", "2026-11-26T09:00"),
        (NEW_YORK, "tomorrow I'm busy, unless friday works for you", "2026-11-27T09:00"),
    ],
)
def test_two_days_refused_together_give_way_to_a_third(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse two days joined by "and" or "or", then ask for a third
    # Then the call back is on the third day (it was today, the first day refused)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "today or tomorrow at 10, friday I'm busy", "2026-11-24T10:00"),
        (NEW_YORK, "today and tomorrow at 10 are fine", "2026-11-24T10:00"),
    ],
)
def test_two_days_offered_together_keep_the_first(zone: ZoneInfo, text: str, local: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they offer two days together, and say nothing or refuse a third
    # Then the call back is on the first day offered
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today I'll pay tonight", (Intent.CALL_BACK_AT, "2026-11-24T19:00")),
        ("got paid today, will transfer tonight", (Intent.CALL_BACK_AT, "2026-11-24T19:00")),
        ("today is bad, maybe tonight", (Intent.CALL_BACK_AT, "2026-11-24T19:00")),
        ("tonight I can't, today works", (Intent.OTHER, None)),
        ("busy today, not tonight either", (Intent.BUSY, None)),
    ],
)
def test_tonight_after_today_is_that_days_evening(
    text: str, expected: tuple[Intent, str | None]
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say "today" and then "tonight", and refuse neither
    # Then the call back is this evening: the two name one day, not two
    assert detected(NEW_YORK, text, at(9)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm out tonight, lunch?", (Intent.CALL_BACK_AT, "2026-11-24T12:00")),
        ("I'm out tonight, today at lunch?", (Intent.CALL_BACK_AT, "2026-11-24T12:00")),
        ("tonight I'm out, how about lunch today", (Intent.CALL_BACK_AT, "2026-11-24T12:00")),
        ("I'm out tonight", (Intent.OTHER, None)),
        ("can't tonight, tomorrow morning", (Intent.CALL_BACK_AT, "2026-11-25T09:00")),
    ],
)
def test_tonight_refused_leaves_the_rest_of_today(
    text: str, expected: tuple[Intent, str | None]
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say they are out tonight and ask for another part of the day
    # Then the call back is at that part of today, never tonight (it was 19:00)
    assert detected(NEW_YORK, text, at(9)) == expected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (SAO_PAULO, "amanhã de manhã tenho consulta, à tarde pode ser", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow morning I have class, afternoon works", "2026-11-25T15:00"),
        (
            NEW_YORK,
            "tomorrow morning I have a doctor's appointment, afternoon is fine",
            "2026-11-25T15:00",
        ),
        (JAKARTA, "besok pagi aku ada ujian, siang bisa", "2026-11-25T13:00"),
        (MEXICO_CITY, "mañana tengo examen, el jueves en la tarde sí puedo", "2026-11-26T15:00"),
        (NEW_YORK, "tomorrow I have an exam, thursday afternoon works", "2026-11-26T15:00"),
        (MEXICO_CITY, "mañana no puedo, el jueves en la tarde sí puedo", "2026-11-26T15:00"),
        (JAKARTA, "hari ini gak bisa kak, besok aja jam 1", "2026-11-25T13:00"),
        (JAKARTA, "hari ini full meeting kak, besok aja jam 1", "2026-11-25T13:00"),
        (SAO_PAULO, "hoje não dá, amanhã depois do almoço", "2026-11-25T13:00"),
        (JAKARTA, "hari ini aku shift malam kak, besok pagi aja", "2026-11-25T09:00"),
        (JAKARTA, "hari ini malam aja, besok aku kerja", "2026-11-24T19:00"),
    ],
)
def test_what_the_lead_has_on_a_day_gives_way_to_the_time_asked_after_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they say they have an exam, a class or an appointment then (theirs: "I have",
    # "tenho", "aku ada"), and ask for another part of the day or another day
    # Then the call back is at the time asked for (it was 09:00 then, in the engagement,
    # or today at the hour asked for tomorrow)
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I'm on night shift tonight, call tomorrow afternoon", "2026-11-25T15:00"),
        (NEW_YORK, "busy today, I'll call tomorrow", "2026-11-25T09:00"),
        (JAKARTA, "kak besok aku kerja sampe sore, telpon malem aja ya", "2026-11-25T19:00"),
        (JAKARTA, "jumat bisa kak, malem aja", "2026-11-27T19:00"),
    ],
)
def test_a_call_or_a_part_asked_for_apart_from_its_day_goes_with_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When they ask for a call on a day ("call tomorrow", with no "me"), or for a part of
    # the day on its own after naming the day ("besok ... telpon malem aja")
    # Then the call back is that day, at that part (it was tonight's shift, or busy, or
    # 09:00 at work)
    assert detected(zone, text, at(9)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("text", "local"),
    [
        ("nanti aku kabarin minggu depan", "2026-11-30T09:00"),
        ("kak aku mikir2 dulu ya, nanti aku kabarin lagi minggu depan", "2026-11-30T09:00"),
        ("ntar aku telpon besok", "2026-11-25T09:00"),
        ("nanti sore atau besok pagi", "2026-11-24T15:00"),
    ],
)
def test_later_before_another_day_is_that_day(text: str, local: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When "nanti" (later) comes before the day they name
    # Then the call back is that day (it was busy); "nanti sore" is still this afternoon
    assert detected(JAKARTA, text, at(9)) == (Intent.CALL_BACK_AT, local)
