"""A "busy" in a condition about the counsellor ("if you're busy", "kalau kakak sibuk", "se
vocês estiverem ocupados") is not the lead saying they are busy.

"No need to call if you're busy, just send me the form" is a lead who wants the form:
read as `busy`, it schedules a busy nudge minutes later; read as `not_interested`, it ends
every follow-up. It must read as "No need to call, just send me the form" does. A lead who
says they are busy themselves is still busy.
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

PLAIN = {
    JAKARTA: "ga usah telpon kak, kirim formnya aja",
    SAO_PAULO: "não precisa ligar, manda o formulário",
    NEW_YORK: "No need to call, just send me the form",
}
"""The same request without the condition: no call, the form."""
IF_WE_ARE_BUSY = [
    (JAKARTA, "ga usah telpon kalau lagi sibuk, kirim formnya aja"),
    (JAKARTA, "kalau kakak sibuk gak usah telpon, kirim linknya aja"),
    (JAKARTA, "ga usah telpon klo kakak lagi sibuk, wa aja"),
    (JAKARTA, "ga usah telpon kak, kalau sibuk kirim formnya aja"),
    (SAO_PAULO, "não precisa ligar se estiver ocupado, manda o formulário"),
    (SAO_PAULO, "se vocês estiverem ocupados não precisa ligar, me manda o link"),
    (SAO_PAULO, "caso esteja ocupado, não precisa ligar, só manda o link"),
    (SAO_PAULO, "não precisa ligar, se vc estiver ocupada só manda o link"),
    (NEW_YORK, "no need to call if you're busy, just send me the form"),
    (NEW_YORK, "If you're busy, no need to call, just email me the link"),
    (NEW_YORK, "if you're swamped just send me the form"),
    (NEW_YORK, "no need to call, if you're busy just send me the form"),
]
BUSY_WITH_A_REQUEST = [
    (JAKARTA, "saya lagi sibuk, kirim formnya aja"),
    (SAO_PAULO, "tô ocupado, manda o formulário"),
    (NEW_YORK, "I'm busy, just send me the form"),
]
"""The lead's own busy, with the same request."""
LEAD_IS_BUSY = [
    *BUSY_WITH_A_REQUEST,
    (JAKARTA, "lagi sibuk kak"),
    (JAKARTA, "kalau sekarang lagi sibuk kak"),
    (SAO_PAULO, "tô ocupado agora, me liga depois"),
    (SAO_PAULO, "se eu estiver ocupado te aviso"),
    (NEW_YORK, "busy now, call me later"),
    (NEW_YORK, "if I'm busy I'll call you back"),
]
LEAD_IS_BUSY_AND_NEEDS_NO_CALL = [
    (JAKARTA, "saya lagi sibuk, ga usah telpon dulu"),
    (SAO_PAULO, "estou ocupado, não precisa ligar agora"),
    (NEW_YORK, "I'm busy, no need to call now"),
]


def _recorded(zone: ZoneInfo, text: str) -> Reading:
    detected = classify(text, FRIDAY_3PM.replace(tzinfo=zone), zone)
    return read_reply(detected, WorkspaceSettings(), "new")


@pytest.mark.parametrize(("zone", "text"), IF_WE_ARE_BUSY)
def test_no_need_to_call_if_we_are_busy_and_send_the_form_reads_as_without_the_condition(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who spares a busy counsellor the call and asks for the form or link
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is recorded as the same request without "if you're busy" is: no busy nudge,
    # no follow-up ended
    assert reading.record.intent is _recorded(zone, PLAIN[zone]).record.intent is Intent.OTHER
    assert (reading.follow_up, reading.ends) == (None, None)


@pytest.mark.parametrize(("zone", "text"), LEAD_IS_BUSY)
def test_a_lead_who_says_they_are_busy_is_still_recorded_busy(zone: ZoneInfo, text: str) -> None:
    # Given a lead who says they are busy, or names themselves in the condition
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is busy, and the busy follow-up is asked for
    assert reading.record.intent is Intent.BUSY
    assert reading.follow_up is Intent.BUSY


@pytest.mark.parametrize(("zone", "text"), LEAD_IS_BUSY_AND_NEEDS_NO_CALL)
def test_a_busy_lead_who_needs_no_call_now_is_recorded_busy(zone: ZoneInfo, text: str) -> None:
    # Given a lead who says they are busy themselves, and that no call is needed now
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is busy: a "no need" limited in time puts the call off, it refuses nothing
    assert reading.record.intent is Intent.BUSY
    assert reading.follow_up is Intent.BUSY


def test_the_intent_benchmark_holds_the_busy_conditions_with_their_labels() -> None:
    # Given the labelled replies the intent benchmark scores
    labels = {case.text: case.intent for case in load()}
    # When the conditions about a busy counsellor, and the lead's own busy, are looked up
    # Then each of the three languages has them, labelled as the rules now read them
    for _, text in IF_WE_ARE_BUSY:
        assert labels.get(text) is Intent.OTHER, text
    for _, text in BUSY_WITH_A_REQUEST:
        assert labels.get(text) is Intent.BUSY, text
