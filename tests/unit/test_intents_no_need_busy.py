"""A "no need" given because the lead is busy puts off, as a "not now" does: "no need, I'm
busy right now" asks for a nudge later, not for the follow-ups to end. A "no need" that
says more than that ("always busy", "too busy for this", "busy, don't want it") still
refuses."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from followup.domain.intent import Intent
from tests.support.replies import JAKARTA, NEW_YORK, SAO_PAULO, detected


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "no need, I'm busy right now"),
        (NEW_YORK, "No need. I'm in a meeting"),
        (JAKARTA, "ga usah kak, lagi sibuk"),
        (JAKARTA, "gak usah, lg meeting"),
        (SAO_PAULO, "não precisa, tô ocupado agora"),
        (SAO_PAULO, "não precisa, estou no trabalho"),
    ],
)
def test_a_no_need_because_the_lead_is_busy_is_busy(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When they answer "no need" and that they are busy
    # Then the reply reads busy: a nudge later, not the end of the follow-ups
    assert detected(zone, text)[0] is Intent.BUSY


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "no need, I'm busy and not interested"),
        (NEW_YORK, "no need, I'm not busy, I just don't want it"),
        (NEW_YORK, "no need, if you're busy"),
        (JAKARTA, "ga usah kak, saya sibuk, udah ga butuh"),
        (JAKARTA, "gak usah hubungi lagi, saya sibuk"),
        (SAO_PAULO, "não precisa, tô ocupado e não tenho interesse"),
        (JAKARTA, "ga usah, saya sibuk terus"),
        (JAKARTA, "ga usah, sy selalu sibuk"),
        (NEW_YORK, "no need, I'm always busy"),
        (SAO_PAULO, "nao precisa, to sempre ocupado"),
        (SAO_PAULO, "nao precisa, vivo ocupada"),
        (NEW_YORK, "no need, I'm too busy for this"),
        (NEW_YORK, "no need, I'm too busy to study"),
        (SAO_PAULO, "nao precisa, to muito ocupado pra fazer curso"),
        (NEW_YORK, "no need, I'm busy and won't be doing it"),
        (SAO_PAULO, "nao precisa, estou ocupada e nao vou fazer o curso"),
        (JAKARTA, "ga usah, lg sibuk, ga mau"),
        (JAKARTA, "ga usah kak, sibuk, gk jd ikut"),
        (NEW_YORK, "no need, busy, don't want it"),
        (NEW_YORK, "no need, I found a course that fits my busy schedule"),
        (JAKARTA, "ga usah kak, sy udah nemu kursus lain yg cocok sama jadwal sibuk sy"),
        (NEW_YORK, "no need, I already have a driving instructor"),
    ],
)
def test_a_no_need_that_says_more_than_busy_still_refuses(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When their "no need" is for good, or says no besides, or the busy is not theirs, or
    # is for good ("always busy"), or is not about now ("my busy schedule")
    # Then the reply reads not interested: the follow-ups end
    assert detected(zone, text)[0] is Intent.NOT_INTERESTED


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (JAKARTA, "ga butuh kak, saya kerja"),
        (JAKARTA, "gak perlu kak, saya masih kuliah"),
        (SAO_PAULO, "nao precisa, to trabalhando"),
    ],
)
def test_a_no_need_because_the_lead_works_or_studies_refuses(zone: ZoneInfo, text: str) -> None:
    # Given a lead writing on Tuesday morning
    # When their "no need" says they have a job or are a student, not busy this moment
    # Then the reply reads not interested
    assert detected(zone, text)[0] is Intent.NOT_INTERESTED


@pytest.mark.parametrize(
    ("zone", "text", "local"),
    [
        (NEW_YORK, "no need to call, do you have time tomorrow at 3?", "2026-11-25T15:00"),
        (NEW_YORK, "no need to call, tomorrow at 3 works", "2026-11-25T15:00"),
        (JAKARTA, "ga usah telpon, besok jam 3 bisa?", "2026-11-25T15:00"),
        (SAO_PAULO, "nao precisa ligar, amanha as 10 pode ser?", "2026-11-25T10:00"),
    ],
)
def test_a_no_need_followed_by_a_time_asked_for_is_a_call_back(
    zone: ZoneInfo, text: str, local: str
) -> None:
    # Given a lead writing on Tuesday morning
    # When they say there is no need to call now and ask for a time
    # Then the reply asks to be called back then, not for the follow-ups to end
    assert detected(zone, text) == (Intent.CALL_BACK_AT, local)


@pytest.mark.parametrize(
    ("zone", "text"),
    [
        (NEW_YORK, "no need to call me again, tomorrow at 3?"),
        (NEW_YORK, "no need to call tomorrow at 3, not interested"),
    ],
)
def test_a_no_need_for_good_or_with_a_no_refuses_whatever_time_it_names(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead writing on Tuesday morning
    # When their "no need" is for good, or says no besides, and names a time
    # Then the reply reads not interested
    assert detected(zone, text)[0] is Intent.NOT_INTERESTED
