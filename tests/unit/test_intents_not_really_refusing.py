"""A busy lead who says plainly they are not refusing is nudged later, never ended.

A "no need to call now" is a refusal when anything else in the reply refuses, but "bukan
ga minat", "não é que não tenho interesse" and "it's not that I'm not interested" say the
opposite; "kalau perlu apa2 chat aja" offers the counsellor a chat; "sy udh kerja" is a
lead at work, and "I just got the offer letter" is ours to read. None of these ends a
journey. A refusal in chat spelling ("jgn hubungi sy lg", "i'm not intrested", "or
ever") beside a time word still does.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from benchmarks.intents import load
from followup.domain.intent import Intent
from tests.unit.test_intents_mixed_refusals import JAKARTA, NEW_YORK, SAO_PAULO, _recorded

BUSY_SAYING_IT_IS_NOT_A_REFUSAL = [
    (JAKARTA, "ga usah telp dulu kak, bukan ga minat, lagi sibuk aja"),
    (SAO_PAULO, "não precisa ligar agora, não é que não tenho interesse, só tô ocupado"),
    (NEW_YORK, "no need to call now, it's not that I'm not interested, I'm just busy"),
]
BUSY_OFFERING_TO_HELP_OR_AT_WORK = [
    (JAKARTA, "ga usah telpon dulu kak lagi di jalan, kalau perlu apa2 chat aja"),
    (JAKARTA, "gak usah telp dulu kak, sy udh kerja, nanti aja ya"),
    (SAO_PAULO, "não precisa ligar agora, tô ocupado, se precisar de algo me manda mensagem"),
    (NEW_YORK, "no need to call now, I'm busy, I just got the offer letter and need to read it"),
]
REFUSALS_IN_CHAT_SPELLING_BESIDE_A_TIME_WORD = [
    (JAKARTA, "ga usah telp dulu, jgn hubungi sy lg"),
    (SAO_PAULO, "não precisa ligar agora, não me liga mais"),
    (SAO_PAULO, "não precisa ligar hoje. amanhã também não"),
    (SAO_PAULO, "não precisa ligar agora, não tenho intresse"),
    (NEW_YORK, "no need to call now, don't call me again"),
    (NEW_YORK, "no need to call now, i'm not intrested"),
    (NEW_YORK, "no need to call today. or tomorrow. or ever"),
]


@pytest.mark.parametrize(("zone", "text"), BUSY_SAYING_IT_IS_NOT_A_REFUSAL)
def test_intents_a_busy_lead_who_says_it_is_not_a_refusal_is_not_ended(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who puts the call off and says outright it is not a lack of interest
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is busy: the busy nudge is asked for, and no follow-up ends
    assert reading.record.intent is Intent.BUSY
    assert (reading.follow_up, reading.ends) == (Intent.BUSY, None)


@pytest.mark.parametrize(("zone", "text"), BUSY_OFFERING_TO_HELP_OR_AT_WORK)
def test_intents_a_busy_lead_offering_help_or_at_work_is_not_ended(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who puts the call off, at work or offering a chat if we need anything
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is busy: the busy nudge is asked for, and no follow-up ends
    assert reading.record.intent is Intent.BUSY
    assert (reading.follow_up, reading.ends) == (Intent.BUSY, None)


@pytest.mark.parametrize(("zone", "text"), REFUSALS_IN_CHAT_SPELLING_BESIDE_A_TIME_WORD)
def test_intents_a_refusal_in_chat_spelling_beside_a_time_word_is_not_nudged_as_busy(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who needs no call now and refuses besides, as leads write it
    # When the reply is read and recorded
    reading = _recorded(zone, text)
    # Then it is recorded not interested: every follow-up ends, no busy nudge is asked for
    assert reading.record.intent is Intent.NOT_INTERESTED
    assert (reading.follow_up, reading.ends) == (None, Intent.NOT_INTERESTED)


def test_the_intent_benchmark_holds_the_busy_non_refusals_and_chat_spelled_refusals() -> None:
    # Given the labelled replies the intent benchmark scores
    labels = {case.text: case.intent for case in load()}
    # When the replies above are looked up in it
    # Then each is there, with the label it must have
    for _, text in BUSY_SAYING_IT_IS_NOT_A_REFUSAL + BUSY_OFFERING_TO_HELP_OR_AT_WORK:
        assert labels.get(text) is Intent.BUSY, text
    for _, text in REFUSALS_IN_CHAT_SPELLING_BESIDE_A_TIME_WORD:
        assert labels.get(text) is Intent.NOT_INTERESTED, text
