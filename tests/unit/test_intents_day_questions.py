"""A question about what there is on a day ("vcs tem turma sábado?") or whether the
place is open ("sabtu buka gak?") asks about the day; it names no time to call the lead
back. A time proposed as a question ("tmrw 2pm?", "besok ada waktu jam 3?", "do you have
time tomorrow at 3?") still does."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, MEXICO_CITY, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (SAO_PAULO, "vcs tem turma sábado?"),
        (SAO_PAULO, "sábado tem vaga?"),
        (JAKARTA, "sabtu ada kelas?"),
        (NEW_YORK, "you have a class on saturday?"),
        (NEW_YORK, "saturday there is a class?"),
        (NEW_YORK, "how does it work on saturday?"),
        (NEW_YORK, "is the course free on saturday?"),
        (JAKARTA, "gimana caranya bayar besok?"),
        (NEW_YORK, "does the zoom link work on saturday?"),
        (NEW_YORK, "will my voucher work on monday?"),
        (NEW_YORK, "does the 7pm class work for people in other time zones?"),
        (NEW_YORK, "do I have time to pay until friday?"),
        (NEW_YORK, "do I still have time to sign up before friday?"),
        (JAKARTA, "gimana kalau saya bayarnya tgl 5?"),
        (JAKARTA, "bagaimana kalau saya sakit pas ujian tgl 10?"),
        (SAO_PAULO, "tem um tempo de tolerancia pra pagar ate dia 10?"),
        (JAKARTA, "gimana kalau besok hujan? kelasnya tetap jalan?"),
        (NEW_YORK, "do you have time slots on saturday?"),
        (NEW_YORK, "how does the payment work for you guys, can i pay on friday?"),
        (NEW_YORK, "what if im free only after 5pm, is there an evening class?"),
        (SAO_PAULO, "posso chegar atrasado sabado? vc tem uns minutinhos de tolerancia?"),
        (JAKARTA, "kalo gk jd ikut, uangnya balik ga kak?"),
        (JAKARTA, "sabtu buka gak kak?"),
        (SAO_PAULO, "vocês abrem sábado?"),
        (MEXICO_CITY, "¿abren el sábado?"),
    ],
)
def test_asking_what_there_is_on_a_day_is_a_question(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they ask whether there is a class or a place on a day, or ask about the course
    # naming a day
    # Then the reply is a question for a person, not a call-back booked for that day
    assert detected(zone, text)[0] is Intent.QUESTION


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "tmrw 2pm?"),
        (NEW_YORK, "you have time saturday?"),
        (JAKARTA, "besok ada waktu jam 3?"),
        (SAO_PAULO, "vc tem tempo amanhã às 10?"),
        (NEW_YORK, "do you have time tomorrow at 3?"),
        (NEW_YORK, "are you free tomorrow at 3?"),
        (SAO_PAULO, "você tem um tempinho amanhã às 10?"),
        (JAKARTA, "gimana kalau besok jam 3?"),
        (NEW_YORK, "I have a meeting till 2, tomorrow at 3?"),
        (NEW_YORK, "I have class till 2, tomorrow 3pm?"),
        (NEW_YORK, "u have a few mins tmrw at 3?"),
        (NEW_YORK, "do you have 5 minutes tomorrow at 3?"),
        (NEW_YORK, "I'm free tomorrow at 3, is there a good time for you?"),
        (JAKARTA, "besok jam 3 sy ada waktu, kakak ada?"),
        (SAO_PAULO, "vc tem 5 minutos amanha as 10?"),
        (NEW_YORK, "My son has class till 2, tomorrow 3pm?"),
        (JAKARTA, "gw ada kelas, bsk jam 4?"),
        (JAKARTA, "masih ada kelas, bsk jam 4 ya?"),
        (SAO_PAULO, "minha filha tem aula, amanha as 15h?"),
        (JAKARTA, "gk jd masalah kak, bsk jam 10 aja"),
        (JAKARTA, "maaf kak kemarin gk jd dtg, bsk jam 10 bisa?"),
    ],
)
def test_a_time_proposed_as_a_question_is_a_call_back(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they propose a time, or ask whether the counsellor has time then, whatever
    # else they have ("I have a meeting till 2")
    # Then the reply asks to be called back then
    assert detected(zone, text)[0] is Intent.CALL_BACK_AT
