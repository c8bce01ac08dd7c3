"""Replies this week's readings must leave as they were: a lead's own class told after the
time they propose, a "no need" whose last word refuses, a lead free for the course, the
minutes of a class, the time of a class asked about. Tuesday 24 November 2026, 09:00
local (`tests/support/replies.py`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected

OWN_CLASS_AFTER_TIME = [
    (NEW_YORK, "tomorrow 3pm? i still have class till 2", "2026-11-25T15:00"),
    (NEW_YORK, "tomorrow at 4? my daughter has class till 3", "2026-11-25T16:00"),
    (NEW_YORK, "tomorrow 5pm? have a class at 3", "2026-11-25T17:00"),
    (JAKARTA, "bsk jam 3? gw ada kelas pagi", "2026-11-25T15:00"),
    (JAKARTA, "besok jam 2? ada kelas sampai jam 1", "2026-11-25T14:00"),
    (JAKARTA, "besok jam 3 sore? pagi masih ada kelas", "2026-11-25T15:00"),
    (JAKARTA, "sabtu jam 10? jumat ada acara", "2026-11-28T10:00"),
    (SAO_PAULO, "amanha as 16h? meu filho tem aula ate as 15h", "2026-11-25T16:00"),
    (SAO_PAULO, "amanha 14h? a gente tem aula de manha", "2026-11-25T14:00"),
    (SAO_PAULO, "quinta as 18h? de manha tem aula na facul", "2026-11-26T18:00"),
]

BUSY_THEN_A_FINAL_NO = [
    (NEW_YORK, "no need, I'm busy. found a cheaper one"),
    (NEW_YORK, "no need, im busy. and its too expensive anyway"),
    (NEW_YORK, "no need, driving. we went with another provider"),
    (NEW_YORK, "no need, im busy. not gonna study this year"),
    (JAKARTA, "ga usah kak, lagi sibuk. lagian kemahalan"),
    (JAKARTA, "gausah kak, sibuk. gamau"),
    (JAKARTA, "ga usah kak, sibuk. udah ada yang lain"),
    (JAKARTA, "ga usah kak, lagi kerja. kantor udah kasih pelatihan sendiri"),
    (SAO_PAULO, "nao precisa, to ocupada. achei mais barato"),
    (SAO_PAULO, "nao precisa, to ocupada. fechei com outra escola"),
    (SAO_PAULO, "nao precisa, estou dirigindo. ja tenho curso"),
    (SAO_PAULO, "nao precisa, to ocupado agora. nem quero"),
]

FREE_FOR_THE_COURSE = [
    (NEW_YORK, "What's the fee? im free to start next monday"),
    (NEW_YORK, "what documents do I need? im free to come in on thursday"),
    (NEW_YORK, "how much for private lessons? im free thursdays 5pm"),
    (NEW_YORK, "when are the classes? i'm free on weekends after 2pm"),
    (NEW_YORK, "whats the schedule? im free monday and wednesday"),
]

MINUTES_OF_THE_COURSE = [
    (NEW_YORK, "how long is the break? do you have 10 minutes between classes tomorrow?"),
    (NEW_YORK, "do you have 15 minutes break on saturday?"),
    (NEW_YORK, "is the exam on monday? do u have 2 minutes per question"),
]

WHAT_IF_THE_CLASS_AT = [
    (JAKARTA, "gimana kalau jam 9 pagi, biayanya berapa?"),
    (JAKARTA, "bagaimana kalau jam 9 pagi, kelasnya berapa lama?"),
    (JAKARTA, "gimana kalau jam 8 malam, masih ada kelas?"),
    (JAKARTA, "gimana kalau sabtu pagi, kelasnya ada ga?"),
]


@pytest.mark.parametrize(("zone", "text", "local"), OWN_CLASS_AFTER_TIME)
def test_a_class_told_after_the_time_proposed_keeps_the_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # When a lead proposes a time, then says what they have before it
    # Then the reply asks to be called back at that time
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(("zone", "text"), BUSY_THEN_A_FINAL_NO)
def test_a_no_need_that_ends_with_a_no_refuses(zone: ZoneInfo, text: str) -> None:
    # When a "no need" and a busy are followed by a last word that says no
    # Then the reply reads not interested
    assert detected(zone, text) == (Intent.NOT_INTERESTED, None)


@pytest.mark.parametrize(
    ("zone", "text"), FREE_FOR_THE_COURSE + MINUTES_OF_THE_COURSE + WHAT_IF_THE_CLASS_AT
)
def test_a_question_about_the_course_naming_a_time_stays_a_question(
    zone: ZoneInfo, text: str
) -> None:
    # When a lead asks about the course and names when they are free, or the minutes or
    # the time of a class
    # Then the reply is a question for a person, no call back
    assert detected(zone, text) == (Intent.QUESTION, None)
