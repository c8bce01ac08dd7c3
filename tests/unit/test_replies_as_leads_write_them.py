"""Replies as leads write them, read for what they change: a call back booked at the hour
they said ("8 p.m.", "besok 8 malam", "half past 3pm", "midnight", "jam 5 subuh",
"malam minggu"), on
the weekend they meant, and a refusal for now or a booking with nothing paid yet never
read as done. Each row was read wrong before: an evening booked in the morning, an hour
lost beside its day, a lead's follow-ups ended as paid."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        # "a.m." and "p.m." written with their dots
        (NEW_YORK, "call me at 8 p.m.", "2026-11-24T20:00"),
        (NEW_YORK, "call me tomorrow at 8:30 p.m.", "2026-11-25T20:30"),
        (NEW_YORK, "call me at 9 P.M.", "2026-11-24T21:00"),
        (NEW_YORK, "call me at 10 a.m. friday", "2026-11-27T10:00"),
        # a bare hour beside its day, then its part of the day
        (JAKARTA, "besok 8 malam", "2026-11-25T20:00"),
        (JAKARTA, "besok 10 pagi", "2026-11-25T10:00"),
        (JAKARTA, "besok 11 siang", "2026-11-25T11:00"),
        (JAKARTA, "jumat 8 malam", "2026-11-27T20:00"),
        (NEW_YORK, "tomorrow 9 in the evening", "2026-11-25T21:00"),
        (NEW_YORK, "tomorrow 7 in the morning", "2026-11-25T07:00"),
        (SAO_PAULO, "amanhã 8 da noite", "2026-11-25T20:00"),
        (MEXICO_CITY, "mañana 9 de la noche", "2026-11-25T21:00"),
        # the Indonesian night before a day
        (JAKARTA, "malam minggu aja", "2026-11-28T19:00"),
        (JAKARTA, "telpon malam jumat ya", "2026-11-26T19:00"),
        (JAKARTA, "Malam Senin jam 8 ya", "2026-11-29T20:00"),
        # half and quarter hours with am or pm written on
        (NEW_YORK, "call me tomorrow at half past 3pm", "2026-11-25T15:30"),
        (NEW_YORK, "call me tomorrow at quarter to 8pm", "2026-11-25T19:45"),
        (NEW_YORK, "call me tomorrow at half past 10am", "2026-11-25T10:30"),
        # midnight, and the small hours
        (SAO_PAULO, "amanhã à meia-noite", "2026-11-26T00:00"),
        (NEW_YORK, "call me tomorrow at midnight", "2026-11-26T00:00"),
        (MEXICO_CITY, "mañana a medianoche", "2026-11-26T00:00"),
        (JAKARTA, "besok jam 5 subuh", "2026-11-25T05:00"),
        (JAKARTA, "besok jam 4 dini hari", "2026-11-25T04:00"),
        (SAO_PAULO, "amanhã às 5 da madrugada", "2026-11-25T05:00"),
        (MEXICO_CITY, "mañana a las 5 de la madrugada", "2026-11-25T05:00"),
        # not interested for now, "but" a time asked after it
        (NEW_YORK, "not interested for now but call me next month", "2026-12-01T09:00"),
        (SAO_PAULO, "não tenho interesse agora mas me liga mês que vem", "2026-12-01T09:00"),
        (MEXICO_CITY, "no me interesa por ahora pero llámame en enero", "2027-01-01T09:00"),
        (JAKARTA, "untuk saat ini gak minat tapi bulan depan aja", "2026-12-01T09:00"),
        # busy as a diary is booked, or booked for something else, with a time asked
        (NEW_YORK, "booked solid this week, call me next week", "2026-11-30T09:00"),
        (NEW_YORK, "I just booked a doctor appointment for tomorrow, call me friday",
         "2026-11-27T09:00"),
        (SAO_PAULO, "já marquei médico amanhã, me liga sexta", "2026-11-27T09:00"),
        (MEXICO_CITY, "ya reservé vuelo para mañana, llámame el viernes", "2026-11-27T09:00"),
    ],
)  # fmt: skip
def test_the_call_back_is_booked_at_the_time_the_lead_said(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing on Tuesday at 09:00 / When they ask for a time
    # Then the call back is booked then, on their clock
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (28, "call me next weekend"),
        (28, "me liga no fim de semana que vem"),
        (28, "llámame el fin de semana que viene"),
        (29, "weekend depan aja"),
    ],
)
def test_the_next_weekend_said_on_a_weekend_is_the_following_one(day: int, text: str) -> None:
    # Given a lead writing on a Saturday or a Sunday morning / When they ask for the next
    # weekend / Then the call back is the Saturday after, not today
    said = detected(SAO_PAULO, text, datetime(2026, 11, day, 7, 0))
    assert said == (Intent.CALL_BACK_AT, "2026-12-05T09:00")


@pytest.mark.parametrize(
    ("zone", "text", "intent"),
    [
        # registered, with nothing paid yet
        (SAO_PAULO, "já me inscrevi mas não paguei", Intent.OTHER),
        (MEXICO_CITY, "ya me inscribí pero no he pagado", Intent.OTHER),
        (MEXICO_CITY, "todavía no pago pero ya me inscribí", Intent.OTHER),
        (JAKARTA, "belum bayar tapi udah daftar", Intent.OTHER),
        # someone else's payment, or one taken back
        (NEW_YORK, "My friend already paid, I haven't yet", Intent.OTHER),
        (NEW_YORK, "I thought I already paid but apparently not", Intent.OTHER),
        (NEW_YORK, "I paid last month for the first module, this one not yet", Intent.OTHER),
        # booked as a diary is
        (NEW_YORK, "I'm fully booked today", Intent.BUSY),
        (NEW_YORK, "I'm booked all day", Intent.BUSY),
        # enrolled with someone else
        (MEXICO_CITY, "ya me inscribí en otra", Intent.NOT_INTERESTED),
        (MEXICO_CITY, "ya me inscribí con otra escuela", Intent.NOT_INTERESTED),
        (NEW_YORK, "I signed up with a different school", Intent.NOT_INTERESTED),
        (JAKARTA, "sudah daftar kursus lain", Intent.NOT_INTERESTED),
        (JAKARTA, "udah daftar di LPK lain", Intent.NOT_INTERESTED),
        (SAO_PAULO, "já paguei outro curso", Intent.NOT_INTERESTED),
    ],
)
def test_nothing_done_with_us_is_never_read_as_done(
    zone: ZoneInfo, text: str, intent: Intent
) -> None:
    # Given a lead writing that something is done, but not by them, not paid, not with us
    # When it is read / Then their follow-ups go on as the rest of the message says
    assert detected(zone, text)[0] is intent


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "already paid"),
        (NEW_YORK, "I booked my seat already"),
        (SAO_PAULO, "já paguei"),
        (MEXICO_CITY, "ya me inscribí"),
        (JAKARTA, "sudah bayar kak"),
    ],
)
def test_what_is_done_with_us_is_still_done(zone: ZoneInfo, text: str) -> None:
    # Given a lead saying they paid or booked / Then it is done, as before
    assert detected(zone, text)[0] is Intent.DONE
