"""A "no need" that names a time is a deferral only when nothing else in the reply refuses.

Wrongly nudging a lead who refused is worse than wrongly ending the journey of a lead who
put us off: "no need to text me today, please remove my number" must end every follow-up,
not schedule a busy nudge. A lead who is busy says so without naming themselves ("kalo
lagi sibuk gini aku jarang pegang hp", "se estiver ocupada não atendo"), and writes "dulu"
as "dl" or "dlu"; neither is a refusal.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from benchmarks.intents import load
from followup.domain.intent import Intent
from followup.domain.intents import classify
from followup.domain.replies import Reading, read_reply
from followup.domain.settings import WorkspaceSettings

JAKARTA = ZoneInfo("Asia/Jakarta")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_3PM = datetime(2026, 11, 27, 15, 0)

REFUSALS_WITH_A_TIME_WORD = [
    # a time word, and a request to be removed or not contacted
    (JAKARTA, "ga usah hubungi sy hari ini, hapus nomor saya"),
    (JAKARTA, "ga usah wa saya sekarang, saya ga mau dihubungi"),
    (SAO_PAULO, "não precisa me mandar mensagem agora, não quero ser contatado"),
    (NEW_YORK, "no need to text me today, please remove my number"),
    # no longer needed, not now nor later, not these days
    (JAKARTA, "sekarang udah ga perlu kak, makasih"),
    (JAKARTA, "skrg udh gk perlu kak"),
    (JAKARTA, "ga usah chat saya skrg dan nanti"),
    (SAO_PAULO, "não precisa agora nem depois"),
    (SAO_PAULO, "hoje em dia não precisa"),
    (NEW_YORK, "No need today or any other day"),
    (NEW_YORK, "no need to message me now or ever"),
    # settled elsewhere, or decided against
    (JAKARTA, "ga perlu skrg, sy udh keterima kerja"),
    (SAO_PAULO, "agora não precisa, já resolvi"),
    (NEW_YORK, "no need now, I already got a job"),
    (NEW_YORK, "no need now, I've decided not to enroll"),
    # a go-ahead only if ever needed is no go-ahead
    (JAKARTA, "ga perlu skrg, nanti aja klo butuh"),
]
LEAD_BUSY_WITHOUT_NAMING_THEMSELVES = [
    (JAKARTA, "maaf kak kalo lagi sibuk gini aku jarang pegang hp"),
    (JAKARTA, "kalau lagi repot begini saya susah angkat telpon"),
    (JAKARTA, "kl lg sibuk gini gabisa kak"),
    (SAO_PAULO, "desculpa, se estiver ocupada nao atendo"),
    (SAO_PAULO, "se tiver muito ocupado nao consigo responder"),
    (SAO_PAULO, "no caso sem tempo hoje"),
    (NEW_YORK, "sorry if busy rn"),
]
NO_NEED_FOR_NOW_IN_CHAT_SPELLING = [
    (JAKARTA, "ga usah dl ya kak, lg sibuk"),
    (JAKARTA, "gk usah telp dlu kak"),
    (JAKARTA, "ga usah telp skrng kak"),
    (SAO_PAULO, "nao precisa ligar hj"),
]


def _recorded(zone: ZoneInfo, text: str) -> Reading:
    detected = classify(text, FRIDAY_3PM.replace(tzinfo=zone), zone)
    return read_reply(detected, WorkspaceSettings(), "new")


@pytest.mark.parametrize(("zone", "text"), REFUSALS_WITH_A_TIME_WORD)
def test_a_refusal_that_names_a_time_ends_the_follow_ups_and_is_not_nudged_as_busy(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who refuses, naming a time word in passing
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is recorded not interested: every follow-up ends, no busy nudge is asked for
    assert reading.record.intent is Intent.NOT_INTERESTED
    assert (reading.follow_up, reading.ends) == (None, Intent.NOT_INTERESTED)


@pytest.mark.parametrize(("zone", "text"), LEAD_BUSY_WITHOUT_NAMING_THEMSELVES)
def test_a_lead_busy_in_a_when_clause_is_still_followed_up_as_busy(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who says that when busy like now they cannot answer, naming no one
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is the lead's busy: recorded busy, and the busy nudge is asked for
    assert reading.record.intent is Intent.BUSY
    assert (reading.follow_up, reading.ends) == (Intent.BUSY, None)


@pytest.mark.parametrize(("zone", "text"), NO_NEED_FOR_NOW_IN_CHAT_SPELLING)
def test_a_no_need_for_now_in_chat_spelling_does_not_end_the_journey(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who needs no call "dl", "dlu", "skrng" or "hj", as leads write it
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is put off as "ga usah telpon dulu" is: busy, and no follow-up ends
    assert reading.record.intent is Intent.BUSY
    assert (reading.follow_up, reading.ends) == (Intent.BUSY, None)


def test_the_intent_benchmark_holds_the_mixed_refusals_and_busy_spellings_with_labels() -> None:
    # Given the labelled replies the intent benchmark scores
    labels = {case.text: case.intent for case in load()}
    # When the replies above are looked up in it
    # Then each is there, with the label it must have
    for _, text in REFUSALS_WITH_A_TIME_WORD:
        assert labels.get(text) is Intent.NOT_INTERESTED, text
    for _, text in LEAD_BUSY_WITHOUT_NAMING_THEMSELVES + NO_NEED_FOR_NOW_IN_CHAT_SPELLING:
        assert labels.get(text) is Intent.BUSY, text
