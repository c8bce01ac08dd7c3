"""An hour the lead cannot take, followed by one they offer, is a call back at the one
offered: "besok jam 3 gak bisa, jam 5 aja" was booked at 15:00; so is a day or a part of
the day offered ("at 10 I can't, tomorrow morning ok"). An hour refused with no other
offered is no call back at all: "tomorrow at 3 I can't, I have class" and "tomorrow at 3
I have a meeting" were booked at 15:00 too, and so were "at 3 I can't, 5pm too" and "às
15h não posso, 2 reuniões seguidas": a later hour refused as well is passed over for the
next one offered ("5pm neither, 7pm ok"), and a number that is no hour books nothing.
The hour of a meeting or a class the lead has, said before it ("I have a meeting at 3"),
is never booked either, and a call asked for after it is an hour later."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "besok jam 3 gak bisa, jam 5 aja", "2026-11-25T17:00"),
        (JAKARTA, "besok sekitar 3 gak bisa, jam 5 aja", "2026-11-25T17:00"),
        (JAKARTA, "jam 3 aku sibuk, jam 5 aja", "2026-11-24T17:00"),
        (JAKARTA, "besok jam 10 ada rapat, jam 2 siang bisa", "2026-11-25T14:00"),
        (NEW_YORK, "tomorrow at 3 doesn't work, 5 is fine", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow at 3 doesn't work, call me at 5", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow 10am is bad, 2pm works", "2026-11-25T14:00"),
        (NEW_YORK, "at 3 I'm busy, call me at 5", "2026-11-24T17:00"),
        (SAO_PAULO, "amanhã às 15h não dá, às 17h pode", "2026-11-25T17:00"),
        (SAO_PAULO, "amanhã às 10 tenho aula, às 14h pode", "2026-11-25T14:00"),
        (SAO_PAULO, "amanhã às 3 tô ocupado, pode ser às 5?", "2026-11-25T17:00"),
        (JAKARTA, "besok pagi jam 9 gak bisa, jam 2 aja", "2026-11-25T14:00"),
        (NEW_YORK, "tomorrow afternoon at 3 I can't, 10am is fine", "2026-11-25T10:00"),
        (JAKARTA, "jam 5 aku masih kerja, jam 7 aja", "2026-11-24T19:00"),
        (NEW_YORK, "tonight at 8 I can't, 7am works", "2026-11-25T07:00"),
        (JAKARTA, "nanti malam jam 8 gak bisa, jam 7 aja", "2026-11-24T19:00"),
        (NEW_YORK, "tomorrow 8pm doesn't work, 7 is fine", "2026-11-25T19:00"),
        (JAKARTA, "besok jam 3 sore gak bisa, jam 7 aja", "2026-11-25T19:00"),
        (NEW_YORK, "at 4pm I'm busy, call me at 8", "2026-11-24T20:00"),
        (SAO_PAULO, "amanhã às 14h não dá, às 9 pode", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow at 3 doesn't work, 10 works better", "2026-11-25T10:00"),
        (JAKARTA, "besok jam 2 gak bisa kak, jam 3 atau 4 bisa", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow at 3 I'm busy, 5 is ok but 6 is better", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow at 3 I can't, 5pm", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow 3pm i'm busy, how about 6?", "2026-11-25T18:00"),
        (NEW_YORK, "at 5 I can't but 6 is perfect", "2026-11-24T18:00"),
        (JAKARTA, "jam 3 ga bisa, tp jam 4 bisa kak", "2026-11-24T16:00"),
        (SAO_PAULO, "às 15 não dá pra mim, mas às 16 dá", "2026-11-24T16:00"),
        (SAO_PAULO, "às 15h não posso, 17h", "2026-11-24T17:00"),
        (SAO_PAULO, "amanhã às 9 tenho reunião, às 11 pode ser", "2026-11-25T11:00"),
        (SAO_PAULO, "amanhã às 10 tô em reunião, mas às 11 tô livre", "2026-11-25T11:00"),
        (NEW_YORK, "tomorrow at 3 i have class but at 5 i'm free", "2026-11-25T17:00"),
        (JAKARTA, "jam 3 ngak bisa, jam 5 aja", "2026-11-24T17:00"),
        (SAO_PAULO, "às 15h não dá, que tal 16?", "2026-11-24T16:00"),
        (SAO_PAULO, "às 15h não posso, 17h fica bom", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa, jam 5 aku bisa kok", "2026-11-24T17:00"),
        (NEW_YORK, "i can't at 3, how about 6?", "2026-11-24T18:00"),
        (NEW_YORK, "i'm busy at 3, 5pm", "2026-11-24T17:00"),
        (NEW_YORK, "I can't at 3, 5 is fine", "2026-11-24T17:00"),
        (JAKARTA, "gak bisa jam 3, jam 5 aja", "2026-11-24T17:00"),
        (SAO_PAULO, "não posso às 15h, às 17h pode", "2026-11-24T17:00"),
        (NEW_YORK, "3pm doesn't work, 4pm does", "2026-11-24T16:00"),
        (NEW_YORK, "tomorrow at 3 is bad, 5 or 6 is fine", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow at 3 I'm busy, 5ish works", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow at 3 I'm in class, 5 pls", "2026-11-25T17:00"),
        (NEW_YORK, "3pm cant, 5 then", "2026-11-24T17:00"),
        (NEW_YORK, "at 3 i cant, 5 i will be free", "2026-11-24T17:00"),
        (NEW_YORK, "at 3 i cant, 5pm also works", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 sibuk, 5", "2026-11-24T17:00"),
        (JAKARTA, "besok jam 10 gak bisa, setelah jam 1 bisa", "2026-11-25T13:00"),
        (JAKARTA, "jam 3 gak bisa, gmn klo jam 5", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa, jam 5-an aja", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa, jam 4 juga bisa", "2026-11-24T16:00"),
        (SAO_PAULO, "às 15 não dá, 16 é melhor", "2026-11-24T16:00"),
        (SAO_PAULO, "amanhã às 15h não posso, 17h serve", "2026-11-25T17:00"),
        (SAO_PAULO, "amanhã às 15h tô em reunião, 17h tá ótimo", "2026-11-25T17:00"),
        (SAO_PAULO, "amanhã às 15h não posso, depois das 17h pode", "2026-11-25T17:00"),
        (NEW_YORK, "at 3 i cant, after 5 pls", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 ga bisa, jam 5 ya", "2026-11-24T17:00"),
        (JAKARTA, "jam 2 gak bisa, jam 4 gimana?", "2026-11-24T16:00"),
        (JAKARTA, "jam 2 gak bisa, jam 4 lebih enak", "2026-11-24T16:00"),
        (JAKARTA, "jam 3 sibuk, jam 5 kosong", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa, jam 5 juga gpp", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa, jam 5", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa, jam 5 atau 6", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa kak, jam 5 sore baru bisa", "2026-11-24T17:00"),
        (JAKARTA, "jam 3 gak bisa, jam 4 lah", "2026-11-24T16:00"),
        (SAO_PAULO, "15h não dá, umas 17h", "2026-11-24T17:00"),
        (NEW_YORK, "at 3 im with a client, 5 is ok", "2026-11-24T17:00"),
        (NEW_YORK, "3 is bad, 5 works", "2026-11-24T17:00"),
        (NEW_YORK, "3 doesn't work, 5?", "2026-11-24T17:00"),
        (NEW_YORK, "3 is too early, 5 works", "2026-11-24T17:00"),
        (JAKARTA, "3 gak bisa, 5 aja", "2026-11-24T17:00"),
        (SAO_PAULO, "3 não dá, 5 pode", "2026-11-24T17:00"),
        (NEW_YORK, "plan 3 is bad, 5 works", None),
        (NEW_YORK, "3 is bad", None),
    ],
)
def test_the_hour_offered_after_one_refused_is_booked(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say they cannot or are busy at one hour, then offer another (a bare
    # number refused then another offered are hours; one refused alone, or of a plan, not)
    # Then the call back is at the hour offered, on the day they named
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow 3pm can't, 5pm neither, 7pm ok", "2026-11-25T19:00"),
        (JAKARTA, "jam 3 ga bisa, jam 5 jg ga bisa, jam 7 aja", "2026-11-24T19:00"),
        (SAO_PAULO, "às 15h não posso, 17h também não, 19h pode", "2026-11-24T19:00"),
        (JAKARTA, "besok jam 10 gak bisa, jam 11 saya ada kelas, jam 1 aja", "2026-11-25T13:00"),
        (JAKARTA, "jam 3 gak bisa, jam 5 juga, besok jam 7 aja", "2026-11-25T19:00"),
        (JAKARTA, "jam 3 gak bisa, jam 5 jg gak bisa, kamis aja", "2026-11-26T15:00"),
        (NEW_YORK, "at 3 i cant, 5pm neither, friday?", "2026-11-27T15:00"),
        (NEW_YORK, "at 3 i cant, 5 too, tmrw ok", "2026-11-25T15:00"),
        (SAO_PAULO, "às 15h não posso, 17h tb não, amanhã às 15h pode", "2026-11-25T15:00"),
        (SAO_PAULO, "15h não dá, 17h tb não dá, amanhã de manhã", "2026-11-25T09:00"),
    ],
)
def test_an_hour_refused_too_is_passed_over_for_the_one_offered_after_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse an hour, then another, then offer a third hour or a day
    # Then the call back is then (a day alone at the hour refused first)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "at 10 i cant, tomorrow morning ok", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow at 3 doesn't work, the morning is better", "2026-11-25T09:00"),
        (NEW_YORK, "at 3 I cant, how about the evening", "2026-11-24T19:00"),
        (NEW_YORK, "tomorrow at 10 I can't, friday ok", "2026-11-27T10:00"),
        (JAKARTA, "besok jam 10 gak bisa, sore aja", "2026-11-25T15:00"),
        (JAKARTA, "besok jam 3 gak bisa, jumat aja", "2026-11-27T15:00"),
        (SAO_PAULO, "às 15h não posso, à noite pode", "2026-11-24T19:00"),
        (SAO_PAULO, "amanhã às 10 não dá, à tarde pode", "2026-11-25T15:00"),
        (JAKARTA, "jam 3 gak bisa, nanti malam aja", "2026-11-24T19:00"),
        (NEW_YORK, "today at 3 i cant, tonight ok", "2026-11-24T19:00"),
        (JAKARTA, "jam 7 malam gak bisa, besok aja", "2026-11-25T19:00"),
        (JAKARTA, "jam 6 pagi gak bisa, besok aja", "2026-11-25T06:00"),
        (NEW_YORK, "at 8 in the evening i cant, how about friday", "2026-11-27T20:00"),
        (NEW_YORK, "i cant make it at 3, tomorrow morning ok", "2026-11-25T09:00"),
        (SAO_PAULO, "às 15h não posso, à noite", "2026-11-24T19:00"),
        (NEW_YORK, "tomorrow at 3 i cant, 28th ok", "2026-11-28T15:00"),
        (JAKARTA, "jam 3 gak bisa tp tanggal 28 bisa", "2026-11-28T15:00"),
        (NEW_YORK, "at 3 i have a meeting, in the evening pls", "2026-11-24T19:00"),
        (NEW_YORK, "tomorrow at 10 i have a meeting, in the afternoon", "2026-11-25T15:00"),
        (NEW_YORK, "at 3 i cant, tonight pls", "2026-11-24T19:00"),
        (NEW_YORK, "tmrw at 3 cant, thursday pls", "2026-11-26T15:00"),
        (NEW_YORK, "at 3 i cant, 2 meetings, tomorrow ok", "2026-11-25T15:00"),
        (SAO_PAULO, "às 15h não posso, 2 reuniões, amanhã pode", "2026-11-25T15:00"),
    ],
)
def test_a_day_or_a_part_of_the_day_offered_after_an_hour_refused_is_booked(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse an hour, then offer a part of the day or another day and take it
    # Then the call back is then: the part of the day on the day of the hour refused (or
    # the day offered), a day alone at the hour refused
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "jam 3 gak bisa, sore aja", "2026-11-24T16:00"),
        (JAKARTA, "besok jam 3 gak bisa, sore aja", "2026-11-25T16:00"),
        (JAKARTA, "jam 9 gak bisa, pagi aja", "2026-11-24T10:00"),
        (NEW_YORK, "at 3pm i can't, afternoon is fine", "2026-11-24T16:00"),
        (SAO_PAULO, "às 19h não posso, à noite pode", "2026-11-24T20:00"),
    ],
)
def test_a_part_of_the_day_offered_that_starts_at_the_hour_refused_is_past_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse an hour, then offer the part of the day that starts at it
    # Then the call back is an hour later, still in that part of the day
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow at 3 doesn't work, friday at 5", "2026-11-27T17:00"),
        (JAKARTA, "besok jam 3 gak bisa, jumat jam 5 aja", "2026-11-27T17:00"),
        (NEW_YORK, "today at 3 I can't, 10am tomorrow", "2026-11-25T10:00"),
        (JAKARTA, "hari ini jam 3 gak bisa, jam 10 besok aja", "2026-11-25T10:00"),
        (JAKARTA, "besok jam 3 gak bisa, 30 nov jam 10 aja", "2026-11-30T10:00"),
        (NEW_YORK, "at 3 i cant, dec 1 at 10", "2026-12-01T10:00"),
    ],
)
def test_a_day_named_with_the_hour_offered_is_its_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse an hour on one day and offer an hour on another
    # Then the call back is on the other day, at the hour offered
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "call me tomorrow at 5, at 3 I'm busy", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow at 3 works, 5 doesn't", "2026-11-25T15:00"),
        (JAKARTA, "besok jam 3 bisa, jam 5 gak bisa", "2026-11-25T15:00"),
        (JAKARTA, "besok jam 3, kalau gak bisa jam 5", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow 5pm? have a class at 3", "2026-11-25T17:00"),
        (JAKARTA, "besok jam 2? ada kelas sampai jam 1", "2026-11-25T14:00"),
        (SAO_PAULO, "amanhã às 16h? meu filho tem aula até as 15h", "2026-11-25T16:00"),
        (NEW_YORK, "tomorrow at 3, can't wait", "2026-11-25T15:00"),
        (NEW_YORK, "call me at 3, I can't at 5", "2026-11-24T15:00"),
        (JAKARTA, "jam 3 aja, gak bisa jam 5", "2026-11-24T15:00"),
        (SAO_PAULO, "sexta às 10, não posso às 15h", "2026-11-27T10:00"),
        (NEW_YORK, "if tomorrow at 3 doesn't work, 5 is fine", "2026-11-25T15:00"),
        (JAKARTA, "besok jam 3, misal gak bisa jam 5 aja", "2026-11-25T15:00"),
        (JAKARTA, "jika besok jam 3 tidak bisa, jam 5 saja", "2026-11-25T15:00"),
    ],
)
def test_the_hour_asked_for_first_stays_when_the_refusal_is_not_of_it(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When the refusal is of the later hour, a condition, or of something else
    # Then the call back stays at the hour asked for first
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I have a meeting at 3, call me at 5", "2026-11-24T17:00"),
        (NEW_YORK, "dentist at 10, call after 11", "2026-11-24T11:00"),
        (
            MEXICO_CITY,
            "tengo cita con el doctor a las 10, después de las 12 sí",
            "2026-11-24T12:00",
        ),
        (NEW_YORK, "my son has class at 3, call me at 5", "2026-11-24T17:00"),
        (NEW_YORK, "tomorrow I have a meeting at 3, call me at 5", "2026-11-25T17:00"),
        (NEW_YORK, "at 4pm I'm still at work, call me at 8", "2026-11-24T20:00"),
        (NEW_YORK, "at 3 i cant, doctor. call me at 5", "2026-11-24T17:00"),
        (JAKARTA, "besok jam 10 aku ada kelas sampe jam 12, telpon jam 1 aja", "2026-11-25T13:00"),
        (JAKARTA, "jam 4 sore masih di kantor, telpon jam 8 ya", "2026-11-24T20:00"),
        (SAO_PAULO, "tenho consulta às 15h, me liga às 17h", "2026-11-24T17:00"),
        (SAO_PAULO, "às 15h não posso, médico, me liga às 17h", "2026-11-24T17:00"),
        (NEW_YORK, "call me at 3, or at 5", "2026-11-24T15:00"),
        (JAKARTA, "jam 3 bisa, kalau gak telpon jam 5", "2026-11-24T15:00"),
        (NEW_YORK, "at 3 works, dont call me at 5", "2026-11-24T15:00"),
        (NEW_YORK, "3pm works, call me at 5 if not", "2026-11-24T15:00"),
        (NEW_YORK, "at 3 call me, at 5 im in class", "2026-11-24T15:00"),
        (NEW_YORK, "at 3 pls call me, at 5 i pick up my son", "2026-11-24T15:00"),
        (NEW_YORK, "today at 3 im busy, tomorrow call me at 5", "2026-11-25T17:00"),
        (JAKARTA, "jam 3 bisa kak telpon, jam 5 aku ada kelas", "2026-11-24T15:00"),
        (JAKARTA, "jam 3 bisa, telpon jam 5 jg boleh", "2026-11-24T15:00"),
        (JAKARTA, "jam 3 bisa kak, nanti telpon jam 5 lagi ya", "2026-11-24T15:00"),
        (JAKARTA, "jam 3 aku kosong, tp telpon jam 5 aja", "2026-11-24T17:00"),
        (JAKARTA, "hari ini jam 3 rapat, besok telpon jam 5 aja", "2026-11-25T17:00"),
        (JAKARTA, "jam 3 aku rapat, jangan telpon jam 5 jg, telpon jam 7 aja", "2026-11-24T19:00"),
        (SAO_PAULO, "às 15h me liga, às 17h tenho aula", "2026-11-24T15:00"),
        (SAO_PAULO, "às 15h pode, me liga às 17h tb", "2026-11-24T15:00"),
        (SAO_PAULO, "hoje às 15h tenho reunião, quinta me liga às 17h", "2026-11-26T17:00"),
        (NEW_YORK, "I work 9-6, call me saturday at 10", "2026-11-28T10:00"),
        (NEW_YORK, "I'm at work from 9 to 5, call me tomorrow at 10", "2026-11-25T10:00"),
        (SAO_PAULO, "trabalho das 9 às 18, me liga sábado às 10", "2026-11-28T10:00"),
        (JAKARTA, "aku kerja jam 8-5, telpon sabtu jam 10 aja", "2026-11-28T10:00"),
    ],
)
def test_a_call_asked_for_at_a_later_hour_is_booked_over_an_hour_only_said(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say what they do at one hour (or over a span of hours), then ask to be
    # called at a later one, or at an hour of another day
    # Then the call back is at the later hour, on the day said with the request (unless
    # the first is asked for or taken, or the later one is a condition, a second call, or
    # an hour the lead is busy)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (JAKARTA, "aku sibuk sampai jam 5, besok jam 10 aja", "2026-11-25T10:00"),
        (SAO_PAULO, "tô ocupado até as 17h, amanhã às 10 pode", "2026-11-25T10:00"),
        (MEXICO_CITY, "estoy ocupado hasta las 5, mañana a las 10 sí", "2026-11-25T10:00"),
        (JAKARTA, "aku sibuk sampai jam 5 hari ini, besok jam 10 aja", "2026-11-25T10:00"),
        (JAKARTA, "sibuk sampai jam 5 kak, besok aja", "2026-11-25T09:00"),
        (NEW_YORK, "I work 9-6, saturday at 10 works", "2026-11-28T10:00"),
        (NEW_YORK, "I'm at work until 6, saturday morning works", "2026-11-28T09:00"),
        (SAO_PAULO, "tô no trabalho até as 18h, sábado de manhã pode ser", "2026-11-28T09:00"),
        (NEW_YORK, "I'm busy until 5, tomorrow afternoon works", "2026-11-25T15:00"),
        # the day the lead is kept on, a day they cannot do either, or the end asked for
        (NEW_YORK, "I'm busy until 6 tomorrow evening", "2026-11-25T18:00"),
        (JAKARTA, "aku sibuk sampai jam 6 besok sore", "2026-11-25T18:00"),
        (JAKARTA, "aku kerja sampai jam 5 besok", "2026-11-25T17:00"),
        (JAKARTA, "besok aku sibuk sampai jam 3", "2026-11-25T15:00"),
        (JAKARTA, "aku sibuk sampai jam 5, besok jam 10 aku juga sibuk", "2026-11-24T17:00"),
        (NEW_YORK, "I'm busy until 5, tomorrow at 10 I'm busy too", "2026-11-24T17:00"),
        (SAO_PAULO, "tô ocupado até as 17h, amanhã às 10 também não posso", "2026-11-24T17:00"),
        (JAKARTA, "aku sibuk sampai jam 5, telpon abis itu", "2026-11-24T17:00"),
    ],
)
def test_a_later_day_offered_after_the_hour_the_lead_is_busy_until_is_that_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they are busy until an hour, then offer another day (with its own hour or not)
    # Then the call back is on that day, at its hour or in the morning (it was that day at
    # the hour they are busy until); a later day they cannot do either leaves today, from
    # the hour they are busy until (it was that hour of the later day)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "at 3 im busy until 5", "2026-11-24T17:00"),
        (NEW_YORK, "at 10 im busy until 12", "2026-11-24T12:00"),
        (NEW_YORK, "at 9 busy until 9:30", "2026-11-24T09:30"),
        (JAKARTA, "jam 3 aku sibuk sampai jam 5", "2026-11-24T17:00"),
        (JAKARTA, "besok jam 9 ada rapat sampai jam 11", "2026-11-25T11:00"),
        (SAO_PAULO, "às 15h tô ocupado até às 17h", "2026-11-24T17:00"),
        (NEW_YORK, "tomorrow at 3 I'm in a meeting until 4, 5 works", "2026-11-25T17:00"),
    ],
)
def test_an_hour_the_lead_is_busy_until_is_when_they_are_free(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they are busy at one hour until a later one
    # Then the call back is at the later hour (or at one they offer after it)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I have a meeting at 3", None),
        (NEW_YORK, "I have class at 3", None),
        (JAKARTA, "aku ada kelas jam 3", None),
        (SAO_PAULO, "tenho aula às 15h", None),
        (SAO_PAULO, "tengo junta a las 3", None),
        (NEW_YORK, "I have a meeting at 3, so call at 5", "2026-11-24T17:00"),
        (NEW_YORK, "I have class at 3, can you call tomorrow?", "2026-11-25T09:00"),
        (NEW_YORK, "tomorrow works, friday I have class at 10", "2026-11-25T09:00"),
    ],
)
def test_the_hour_of_what_the_lead_has_said_before_it_is_never_booked(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say they have a meeting, a class or an appointment at an hour
    # Then that hour is not booked: the time asked for besides, or none
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I have a meeting at 3, call me after", "2026-11-24T16:00"),
        (NEW_YORK, "I have class at 2, call after that", "2026-11-24T15:00"),
        (NEW_YORK, "tomorrow I have an exam at 10, call me after", "2026-11-25T11:00"),
        (JAKARTA, "jam 3 ada rapat, abis itu telpon aja", "2026-11-24T16:00"),
        (JAKARTA, "aku ada kelas jam 1, habis itu bisa", "2026-11-24T14:00"),
        (SAO_PAULO, "tenho reunião às 15h, me liga depois", "2026-11-24T16:00"),
        (SAO_PAULO, "tengo junta a las 3, llámame después", "2026-11-24T16:00"),
        (NEW_YORK, "I'm in class until 3, call me after that", "2026-11-24T15:00"),
        (NEW_YORK, "I get home at 6, call after that", "2026-11-24T18:00"),
    ],
)
def test_a_call_after_what_begins_at_an_hour_is_an_hour_later(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they have a meeting, a class or an exam at an hour and ask to be called after
    # Then the call back is an hour later, not as it begins (and at the end of what lasts
    # until an hour, or at an hour the lead gets somewhere, as before)
    assert detected(zone, text, at(8))[1] == local


def test_later_said_after_the_hour_offered_is_not_today() -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they refuse an hour tomorrow and say they will confirm "nanti" (later)
    # Then nothing is booked today
    _, local = detected(JAKARTA, "besok jam 3 gak bisa, jam 5 nanti aku kabarin", at(8))
    assert local is None or not local.startswith("2026-11-24")


@pytest.mark.parametrize(
    ("zone", "text", "busy_at"),
    [
        (JAKARTA, "jam 3 gak bisa, jam 5 besok aku ada acara", "2026-11-25T17:00"),
        (JAKARTA, "jam 3 sibuk kak, jam 5 besok pagi aku berangkat", "2026-11-25T05:00"),
        (NEW_YORK, "today at 3 i can't, at 5. tomorrow i fly out", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow at 3 I can't, 5 works, today I'm swamped", "2026-11-25T15:00"),
        (NEW_YORK, "at 3 I can't, 5. tomorrow I'm traveling", "2026-11-25T15:00"),
        (SAO_PAULO, "hoje às 3 não posso, às 5 amanhã tenho consulta", "2026-11-24T15:00"),
        (JAKARTA, "hari ini jam 3 gak bisa, jam 5 besok ada meeting", "2026-11-24T15:00"),
    ],
)
def test_a_day_said_after_the_later_hour_with_what_keeps_the_lead_is_not_booked(
    zone: ZoneInfo, text: str, busy_at: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When a day follows the later hour with what the lead does then
    # Then the call back is not booked at that hour of that day, nor at the hour refused
    assert detected(zone, text, at(8))[1] != busy_at


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "tomorrow at 3 I can't, I have class"),
        (NEW_YORK, "tomorrow at 3 I can't, my son has a doctor appointment at 5"),
        (NEW_YORK, "tomorrow at 3 doesn't work, how much is the course?"),
        (NEW_YORK, "3pm won't work for me but 4:30 would"),
        (JAKARTA, "besok jam 3 gak bisa, ada kelas"),
        (JAKARTA, "besok jam 3 gak bisa, tapi jam 5 aku nyetir"),
        (JAKARTA, "jam 3 gak bisa kak, harganya berapa ya?"),
        (SAO_PAULO, "amanhã às 15h não dá, tenho aula"),
        (SAO_PAULO, "amanhã às 15h não posso, tenho reunião às 17h"),
        (NEW_YORK, "tomorrow at 3 i have a meeting"),
        (NEW_YORK, "at 2 i have class"),
        (NEW_YORK, "wed at 4 im not available, doctor"),
        (NEW_YORK, "tomorrow at 8 in the morning I can't"),
        (JAKARTA, "besok jam 2 aku ada kelas"),
        (JAKARTA, "jam 4 sore gak bisa kak, msh kerja"),
        (SAO_PAULO, "às 15h tenho aula"),
        (SAO_PAULO, "às 19h não posso, faculdade"),
        (SAO_PAULO, "às 15h tô em reunião"),
        (SAO_PAULO, "às 15h tenho médico"),
        (SAO_PAULO, "às 15h tô numa reunião"),
        (NEW_YORK, "at 3 i have a doctor appointment"),
        (JAKARTA, "aku baru sampe jam 7, gak bisa kak"),
        (JAKARTA, "saya sampai kantor jam 9, gak bisa"),
        (NEW_YORK, "i cant at 3"),
        (NEW_YORK, "busy at 3 tomorrow"),
        (NEW_YORK, "tomorrow's bad at 10"),
        (SAO_PAULO, "não consigo às 15h"),
        (SAO_PAULO, "tô ocupado às 15h"),
        (SAO_PAULO, "trabalho umas 10 horas por dia"),
        (JAKARTA, "besok kerja jam 8 kak"),
        (NEW_YORK, "at 3 i cant, 5pm too"),
        (NEW_YORK, "at 3 i cant, 5pm either"),
        (NEW_YORK, "at 3 i cant, tomorrow too"),
        (NEW_YORK, "at 3 I'm busy in the afternoon"),
        (NEW_YORK, "at 2 i can't make it work, im slammed"),
        (JAKARTA, "jam 3 gak bisa, jam 4 juga"),
        (JAKARTA, "besok jam 3 gak bisa, jam 4 juga gak bisa"),
        (JAKARTA, "jam 3 gak bisa kak, sore juga"),
        (JAKARTA, "jam 3 gak bisa, abis jam 5 aku kerja"),
        (JAKARTA, "besok jam 3 gak bisa, anak saya 2 bisa ikut"),
        (JAKARTA, "jam 3 gak bisa tp 5 menit bisa"),
        (JAKARTA, "besok jam 10, eh ga bisa ding ada rapat"),
        (SAO_PAULO, "às 15h não posso, 17h tb"),
        (SAO_PAULO, "às 15 não dá, 16 não dá"),
        (SAO_PAULO, "às 15h não posso, à noite pode não"),
        (SAO_PAULO, "às 15h não posso, 2 reuniões seguidas"),
        (JAKARTA, "jam 3 gak bisa, jam 5 jg"),
        (SAO_PAULO, "às 15h tô com médico"),
    ],
)
def test_an_hour_refused_outright_is_never_booked(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say an hour does not suit them, and what follows offers no other time
    # (what keeps them, a grade, a plan, a price, the later hour taken too)
    # Then no call back is booked: not at the hour they refused
    assert detected(zone, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow 3pm? i still have class till 2", "2026-11-25T15:00"),
        (SAO_PAULO, "quinta as 18h? de manha tem aula na facul", "2026-11-26T18:00"),
        (NEW_YORK, "tomorrow at 3 I can't wait, see you then", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow at 10, I cannot at 2 or 3", "2026-11-25T10:00"),
        (JAKARTA, "besok jam 3 kalau gak bisa jam 5", "2026-11-25T15:00"),
        (NEW_YORK, "at 3 I cant miss it lol", "2026-11-24T15:00"),
        (NEW_YORK, "tomorrow at 3? I'm busy until 2 so that's fine", "2026-11-25T15:00"),
        (NEW_YORK, "tomorrow at 3? I'm busy at 5", "2026-11-25T15:00"),
        (NEW_YORK, "free at 3, busy at 5", "2026-11-24T15:00"),
        (NEW_YORK, "at 3:30 busy until 3", "2026-11-24T15:30"),
        (JAKARTA, "jam 3, gk bs jam 1", "2026-11-24T15:00"),
        (SAO_PAULO, "às 15h, não posso às 13h", "2026-11-24T15:00"),
        (SAO_PAULO, "amanhã às 15h? tenho reunião às 17h", "2026-11-25T15:00"),
        (NEW_YORK, "at 3 I'm out of the office, so call me on my cell", "2026-11-24T15:00"),
        (NEW_YORK, "tomorrow at 10? cant do afternoons", "2026-11-25T10:00"),
        (JAKARTA, "jam 4 gak bisa lama ya kak, 10 menit aja", "2026-11-24T16:00"),
        (JAKARTA, "jam 3 gak bisa kak?", "2026-11-24T15:00"),
        (SAO_PAULO, "às 15h não posso perder", "2026-11-24T15:00"),
        (SAO_PAULO, "amanhã às 15h tá difícil pra vc?", "2026-11-25T15:00"),
        (JAKARTA, "jam 3 sibuk tapi bisa kok", "2026-11-24T15:00"),
        (NEW_YORK, "at 3 I'm busy but I'll make time", "2026-11-24T15:00"),
        (NEW_YORK, "at 3 I can't, my wife can talk to you", "2026-11-24T15:00"),
        (SAO_PAULO, "às 15h tô ocupado mas atendo", "2026-11-24T15:00"),
        (NEW_YORK, "tomorrow at 3 is hard to say no lol ok", "2026-11-25T15:00"),
        (SAO_PAULO, "amanhã às 15h, de manhã tenho aula", "2026-11-25T15:00"),
        (NEW_YORK, "at 3 im busy tomorrow", "2026-11-25T15:00"),
        (SAO_PAULO, "até às 15h tenho aula", "2026-11-24T15:00"),
        (JAKARTA, "sampai jam 3 aku ada kelas", "2026-11-24T15:00"),
        (JAKARTA, "gabisa, jam 3 ya kak", "2026-11-24T15:00"),
        (JAKARTA, "gak bisa jam 3 aja", "2026-11-24T15:00"),
        (JAKARTA, "lagi sibuk, nanti jam 3 aja", "2026-11-24T15:00"),
        (NEW_YORK, "can't at 3 but I'll try", "2026-11-24T15:00"),
        (NEW_YORK, "i'm not busy at 3", "2026-11-24T15:00"),
        (NEW_YORK, "tomorrow I'm busy, at 3 is fine", "2026-11-25T15:00"),
    ],
)
def test_an_hour_kept_when_what_follows_may_be_of_another_time(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When what keeps them is said after the hour they ask for, they are eager, what they
    # cannot do is said of the call ("can't miss it", "gak bisa lama"), the refusal is
    # asked, or it may be of a later hour (the comma before it is not read)
    # Then the call back stays at the hour asked for
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "I can't tomorrow at 3, 5 works", "2026-11-25T17:00"),
        (NEW_YORK, "I can't at 3 tomorrow, 5 works", "2026-11-25T17:00"),
        (NEW_YORK, "I can't on friday at 3, 5 works", "2026-11-27T17:00"),
        (NEW_YORK, "can't make it tomorrow at 3, how about 6?", "2026-11-25T18:00"),
        (NEW_YORK, "I can't at 3 today, tomorrow at 10", "2026-11-25T10:00"),
        (JAKARTA, "gak bisa besok jam 3, jam 5 aja", "2026-11-25T17:00"),
        (JAKARTA, "gak bisa jam 3 besok, jam 5 aja", "2026-11-25T17:00"),
        (JAKARTA, "gak bisa hari jumat jam 3, jam 5 aja", "2026-11-27T17:00"),
        (SAO_PAULO, "não posso amanhã às 3, às 5 pode", "2026-11-25T17:00"),
        (SAO_PAULO, "não posso na sexta às 3, às 5 pode", "2026-11-27T17:00"),
    ],
)
def test_an_hour_offered_after_a_day_and_hour_refused_is_on_that_day(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say they cannot, then a day and an hour, then offer a later hour
    # Then the call back is at the later hour on that day, never at the hour refused
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "I can't tomorrow at 3"),
        (NEW_YORK, "I can't at 3 tomorrow"),
        (JAKARTA, "gak bisa besok jam 3"),
        (SAO_PAULO, "não posso amanhã às 15h"),
    ],
)
def test_a_day_and_hour_refused_alone_is_no_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they only say they cannot on a day at an hour
    # Then no call back is booked
    assert detected(zone, text, at(8))[1] is None


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "at 3 is too early, 5 works", "2026-11-24T17:00"),
        (NEW_YORK, "10am is too early, after lunch", "2026-11-24T13:00"),
        (NEW_YORK, "at 9pm is too late, 6pm?", "2026-11-24T18:00"),
        (SAO_PAULO, "às 8 é muito cedo, às 10 pode", "2026-11-24T10:00"),
        (MEXICO_CITY, "a las 8 es muy temprano, a las 10", "2026-11-24T10:00"),
        (MEXICO_CITY, "a las 8 es malo, a las 10", "2026-11-24T10:00"),
    ],
)
def test_an_hour_too_early_or_too_late_is_refused_for_the_one_offered(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When an hour is too early, too late or bad, and another is offered
    # Then the call back is the one offered (it was the hour refused)
    assert detected(zone, text)[1] == local


@pytest.mark.parametrize(
    ("zone", "text"),
    [(NEW_YORK, "at 10 is too early for me"), (NEW_YORK, "is it too late to join?")],
)
def test_an_hour_too_early_with_none_offered_books_nothing(zone: ZoneInfo, text: str) -> None:
    assert detected(zone, text)[1] is None


@pytest.mark.parametrize(
    "text", ["tomorrow at 3 is bad, plan 2 is fine", "tomorrow at 3 is bad, my son has school"]
)
def test_an_hour_said_to_be_bad_then_a_count_or_a_reason_books_nothing(text: str) -> None:
    # Given a lead writing at 09:00 on Tuesday
    # When an hour is bad and what follows is a count or a reason, no other hour
    # Then no call back is booked (it was the hour said to be bad)
    assert detected(NEW_YORK, text)[1] is None


def test_an_hour_busy_until_an_earlier_one_is_still_that_hour() -> None:
    assert detected(NEW_YORK, "at 3 I'm busy until 2")[1] == "2026-11-24T15:00"


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "tomorrow is fine, friday at 10 is bad", "2026-11-25T09:00"),
        (NEW_YORK, "friday at 10 is bad, tomorrow is fine", "2026-11-25T09:00"),
        (MEXICO_CITY, "mañana a las 10 es malo, el viernes está bien", "2026-11-27T09:00"),
        (NEW_YORK, "tomorrow at 3 is bad, 5 is fine", "2026-11-25T17:00"),
        (NEW_YORK, "tomorrow at 3 is bad", None),
    ],
)
def test_a_day_and_hour_said_to_be_bad_leave_the_day_asked_for_without_that_hour(
    zone: ZoneInfo, text: str, local: str | None
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they say a day at an hour is bad and another day is fine
    # Then the call back is on the day that is fine, at its own hour (it was nothing, or
    # the other day at the hour refused)
    assert detected(zone, text, at(8))[1] == local


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "at 3 works, call me friday at 5 if not", "2026-11-24T15:00"),
        (JAKARTA, "jam 3 bisa, kalau gak jumat jam 5", "2026-11-24T15:00"),
        (SAO_PAULO, "às 15h pode, se não sexta às 17h", "2026-11-24T15:00"),
        (NEW_YORK, "at 3 works, or friday at 5", "2026-11-24T15:00"),
        # the attacks: a day said of the hour taken, and a day said before it
        (NEW_YORK, "at 3 works for me on friday", "2026-11-27T15:00"),
        (NEW_YORK, "tomorrow at 3 works, if not friday at 5", "2026-11-25T15:00"),
    ],
)
def test_an_hour_taken_stays_on_its_day_when_another_day_is_only_the_fallback(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they take an hour, then name another day's hour should that one not do
    # Then the call back is at the hour taken, today (it was on the other day)
    assert detected(zone, text, at(8))[1] == local
