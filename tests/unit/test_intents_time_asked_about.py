"""Questions that name a time: one proposing it for a call ("would tomorrow 10am work?")
is a call back; one asking about a deadline ("masih bisa daftar sampai jumat?") is a
question, and books nothing."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, at, detected


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "would tomorrow 10am work?", "2026-11-25T10:00"),
        (NEW_YORK, "Does tomorrow at 10 work?", "2026-11-25T10:00"),
        (NEW_YORK, "would 3pm work for you?", "2026-11-24T15:00"),
        (NEW_YORK, "is 10am fine?", "2026-11-24T10:00"),
        (NEW_YORK, "does tomorrow morning work?", "2026-11-25T09:00"),
        (JAKARTA, "besok jam 10 gimana?", "2026-11-25T10:00"),
        (JAKARTA, "kalau besok jam 10 pagi gimana kak?", "2026-11-25T10:00"),
        (NEW_YORK, "can we do thursday afternoon instead?", "2026-11-26T15:00"),
        (NEW_YORK, "could we do 3pm tomorrow?", "2026-11-25T15:00"),
        (NEW_YORK, "can we make it friday?", "2026-11-27T09:00"),
        (NEW_YORK, "can we move it to friday?", "2026-11-27T09:00"),
        (NEW_YORK, "can we reschedule to friday?", "2026-11-27T09:00"),
        (NEW_YORK, "can you do wednesday at half past 2?", "2026-11-25T14:30"),
        (NEW_YORK, "could you do thursday at 3?", "2026-11-26T15:00"),
        (NEW_YORK, "can u do tomorrow 3pm?", "2026-11-25T15:00"),
        (JAKARTA, "besok gimana kak?", "2026-11-25T09:00"),
        (JAKARTA, "kalau kamis gimana?", "2026-11-26T09:00"),
        (JAKARTA, "aku sibuk hari ini, kamis gimana?", "2026-11-26T09:00"),
    ],
)
def test_a_time_proposed_as_a_question_is_a_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they propose a time and ask whether it suits
    # Then a call back is booked then (it was read as a question, and nothing booked)
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "masih ada waktu daftar sampai jumat?"),
        (JAKARTA, "masih bisa daftar sampai jumat kak?"),
        (SAO_PAULO, "ainda tem tempo pra me inscrever até sexta?"),
        (SAO_PAULO, "ainda dá tempo de se inscrever até sexta?"),
        (NEW_YORK, "does the class work on Saturday?"),
        (NEW_YORK, "is the 10am class fine for beginners?"),
        (NEW_YORK, "is tomorrow a holiday?"),
        (NEW_YORK, "can we do the payment on friday?"),
        (NEW_YORK, "can you do the payment on friday?"),
        (JAKARTA, "jadwal kamis gimana?"),
        (JAKARTA, "kamis gimana kelasnya?"),
        (NEW_YORK, "can I make it to the open day?"),
        (JAKARTA, "besok jam berapa gimana?"),
    ],
)
def test_a_question_about_a_deadline_or_a_class_books_nothing(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they ask until when they can register, or about a class on a day
    # Then it is a question: no call back is booked for Friday at 09:00
    assert detected(zone, text, at(8)) == (Intent.QUESTION, None)


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "can you call me by friday?", "2026-11-27T09:00"),
        (SAO_PAULO, "me liga até sexta?", "2026-11-27T09:00"),
        (NEW_YORK, "is the discount only until today? call me at 3", "2026-11-24T15:00"),
        (
            NEW_YORK,
            "call me tomorrow morning, the promo is until friday right?",
            "2026-11-25T09:00",
        ),
        (JAKARTA, "bisa tunggu sampai senin kak?", "2026-11-30T09:00"),
        (SAO_PAULO, "vc me retorna até sexta?", "2026-11-27T09:00"),
        (JAKARTA, "masih minat kak, bisa tunggu sampai senin?", "2026-11-30T09:00"),
        (NEW_YORK, "still deciding, give me till friday?", "2026-11-27T09:00"),
        (JAKARTA, "masih di luar kota smp senin kak bisa?", "2026-11-30T09:00"),
        (SAO_PAULO, "ainda to viajando ate segunda pode ser?", "2026-11-30T09:00"),
        (NEW_YORK, "still out of town till monday ok?", "2026-11-30T09:00"),
        (JAKARTA, "promonya masih sampai jumat? ingetin aku ya kak", "2026-11-27T09:00"),
        (NEW_YORK, "still open till friday? message me then", "2026-11-27T09:00"),
    ],
)
def test_a_call_asked_for_beside_a_limit_is_still_a_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they ask for a call by a day, for time until a day, whether waiting until then
    # is fine, or for a call or a reminder beside a question about a deadline
    # Then the call back is booked, as before
    assert detected(zone, text, at(8)) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "would friday be fine to pay?"),
        (NEW_YORK, "is tomorrow good for the class?"),
        (NEW_YORK, "does monday work for the trial class?"),
        (JAKARTA, "besok jam 10 gimana kelasnya?"),
        (JAKARTA, "jam 7 malam gimana link zoomnya?"),
        (JAKARTA, "kalau minggu jam 10 gimana kak?"),
        (NEW_YORK, "would 10 tomorrow work?"),
        (NEW_YORK, "does the 2:30 work?"),
    ],
)
def test_a_question_about_paying_or_a_class_on_a_day_is_no_proposal(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing at 08:00 on Tuesday
    # When they ask whether a day suits something else than a call, or name a time the
    # replies' times do not read ("minggu" is a week, "10 tomorrow" no hour)
    # Then it is a question, as before
    assert detected(zone, text, at(8)) == (Intent.QUESTION, None)
