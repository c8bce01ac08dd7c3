"""A "no need" limited in time ("now", "dulu", "agora") defers; one for good refuses.

"I'm busy, no need to call now" asks not to be called now: read as `not_interested`, it
ends every follow-up of the lead for good; read as `busy`, the lead is nudged later. A
"no need" with no time limit, or one for good ("again", "anymore", "lagi", "mais", "from
now on", "mulai sekarang", "a partir de agora"), still ends them.
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

BUSY_AND_NO_NEED_FOR_NOW = [
    (JAKARTA, "lagi sibuk, ga usah telpon dulu ya"),
    (JAKARTA, "ga usah telpon sekarang kak, lagi meeting"),
    (JAKARTA, "skrg ga perlu dihubungi dulu kak, lagi di jalan"),
    (SAO_PAULO, "tô ocupado, não precisa ligar agora"),
    (SAO_PAULO, "não precisa ligar hoje, tô em reunião"),
    (SAO_PAULO, "por enquanto não precisa, tô sem tempo"),
    (NEW_YORK, "I'm busy, no need to call now"),
    (NEW_YORK, "no need to call right now, in a meeting"),
    (NEW_YORK, "no need for now, swamped this week"),
]
NO_NEED_FOR_NOW = [
    (JAKARTA, "hari ini gak usah telp ya kak"),
    (SAO_PAULO, "no momento não precisa me ligar"),
    (NEW_YORK, "No need to call today, thanks"),
]
"""A time limit with no busy word: a deferral all the same."""
NO_NEED_FOR_GOOD = [
    (JAKARTA, "ga perlu, makasih"),
    (JAKARTA, "ga usah hubungi lagi"),
    (JAKARTA, "mulai sekarang ga perlu telpon saya kak"),
    (SAO_PAULO, "não precisa, obrigado"),
    (SAO_PAULO, "não precisa mais ligar, obrigado"),
    (SAO_PAULO, "a partir de hoje não precisa me ligar"),
    (NEW_YORK, "no need to follow up anymore"),
    (NEW_YORK, "No need, I'm not interested"),
    (NEW_YORK, "no need to call from now on"),
]
IN_THE_TABLE = {
    **{text: Intent.BUSY for _, text in BUSY_AND_NO_NEED_FOR_NOW + NO_NEED_FOR_NOW},
    **{text: Intent.NOT_INTERESTED for _, text in NO_NEED_FOR_GOOD},
}


def _recorded(zone: ZoneInfo, text: str) -> Reading:
    detected = classify(text, FRIDAY_3PM.replace(tzinfo=zone), zone)
    return read_reply(detected, WorkspaceSettings(), "new")


@pytest.mark.parametrize(("zone", "text"), BUSY_AND_NO_NEED_FOR_NOW)
def test_a_busy_lead_who_needs_no_call_for_now_is_recorded_busy_and_nudged_later(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who is busy and needs no call now, today or for now
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is busy, not a refusal: no follow-up ends, the busy nudge is asked for
    assert reading.record.intent is not Intent.NOT_INTERESTED
    assert reading.record.intent is Intent.BUSY
    assert (reading.follow_up, reading.ends) == (Intent.BUSY, None)


@pytest.mark.parametrize(("zone", "text"), NO_NEED_FOR_NOW)
def test_a_no_need_limited_in_time_without_a_busy_word_is_still_a_deferral(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who needs no call today or at the moment, and says nothing more
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is put off, not refused: busy, and no follow-up ends
    assert reading.record.intent is Intent.BUSY
    assert reading.ends is None


@pytest.mark.parametrize(("zone", "text"), NO_NEED_FOR_GOOD)
def test_a_no_need_with_no_time_limit_or_for_good_still_ends_the_follow_ups(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who needs nothing, or no call again, anymore or from now on
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is a refusal, which ends every follow-up of the lead
    assert reading.record.intent is Intent.NOT_INTERESTED
    assert reading.ends is Intent.NOT_INTERESTED


def test_the_intent_benchmark_holds_the_deferrals_and_the_refusals_with_their_labels() -> None:
    # Given the labelled replies the intent benchmark scores
    labels = {case.text: case.intent for case in load()}
    # When the replies above are looked up in it
    # Then each is there, in each language, with the label it must have
    for text, intent in IN_THE_TABLE.items():
        assert labels.get(text) is intent, text
