"""More "no need" replies as leads write them: a go-ahead in any plain form keeps the lead,
a go-ahead on a condition does not undo the refusal, and a "no need" to apologise or to
thank refuses nothing.

A reply read as `not_interested` ends every follow-up of the contact: a buyer read so is a
lost lead; a polite refusal read as `busy` is nudged again minutes later.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from benchmarks.intents import load
from followup.domain.intent import Intent
from followup.domain.intents import classify
from followup.domain.replies import read_reply
from followup.domain.settings import WorkspaceSettings

JAKARTA = ZoneInfo("Asia/Jakarta")
SAO_PAULO = ZoneInfo("America/Sao_Paulo")
NEW_YORK = ZoneInfo("America/New_York")
FRIDAY_3PM = datetime(2026, 11, 27, 15, 0)

GOING_AHEAD = [
    (JAKARTA, "gak perlu brosur kak, saya mau daftar"),
    (JAKARTA, "ga perlu brosur, kalau bisa langsung daftar aja"),
    (JAKARTA, "ga usah telpon kak, kirim formnya aja"),
    (JAKARTA, "gak perlu telp, kirim linknya ya"),
    (JAKARTA, "ga usah khawatir kak, saya jadi daftar kok"),
    (SAO_PAULO, "não precisa ligar, manda o link"),
    (SAO_PAULO, "nao precisa ligar, pode mandar o boleto"),
    (SAO_PAULO, "não precisa, já vou fazer a matrícula hoje"),
    (NEW_YORK, "no need to call, send the link"),
    (NEW_YORK, "no need to remind me, I will pay today"),
    (NEW_YORK, "no need to call, if you can just send me the form"),
    (NEW_YORK, "no need to call me, message me here"),
]
ON_A_CONDITION = [
    (JAKARTA, "gak usah kak, nanti saya chat aja kalau butuh"),
    (JAKARTA, "gak usah, saya wa aja nanti kalau minat"),
    (SAO_PAULO, "nao precisa, vou fazer a matricula se eu mudar de ideia"),
    (NEW_YORK, "no need to follow up, I'll sign up if I'm ever interested"),
]
COURTESY = [
    (JAKARTA, "ga usah minta maaf kak"),
    (SAO_PAULO, "não precisa agradecer"),
    (SAO_PAULO, "não precisa pedir desculpa"),
    (NEW_YORK, "No need to apologise!"),
    (NEW_YORK, "no need to thank me"),
]


def _read(zone: ZoneInfo, text: str) -> Intent:
    return classify(text, FRIDAY_3PM.replace(tzinfo=zone), zone).intent


@pytest.mark.parametrize(("zone", "text"), GOING_AHEAD)
def test_a_no_need_that_asks_in_any_plain_words_to_go_ahead_keeps_the_lead(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who needs no call or brochure, and asks to register, pay or get the link
    # When the reply is read
    detected = classify(text, FRIDAY_3PM.replace(tzinfo=zone), zone)
    # Then it is not a refusal, and none of the contact's follow-ups end
    assert detected.intent is not Intent.NOT_INTERESTED
    assert read_reply(detected, WorkspaceSettings(), "new").ends is None


@pytest.mark.parametrize(("zone", "text"), ON_A_CONDITION)
def test_a_no_need_with_a_go_ahead_only_on_a_condition_stays_a_refusal(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who declines, and may write or sign up some day ("if I need it")
    # When the reply is read
    # Then it is a refusal: not a busy lead to nudge again, nor a lead going ahead
    assert _read(zone, text) is Intent.NOT_INTERESTED


@pytest.mark.parametrize(("zone", "text"), COURTESY)
def test_a_no_need_to_apologise_or_to_thank_is_no_refusal(zone: ZoneInfo, text: str) -> None:
    # Given a lead who tells the counsellor there is no need to apologise or to thank
    # When the reply is read
    # Then nothing is read into it
    assert _read(zone, text) is Intent.OTHER


def test_the_intent_benchmark_holds_these_replies_with_their_labels() -> None:
    # Given the labelled replies the intent benchmark scores
    labels = {case.text: case.intent for case in load()}
    # When the replies above are looked up in it
    # Then each is there with the label the rules now give it
    for _, text in GOING_AHEAD:
        assert labels.get(text) is Intent.OTHER, text
    for _, text in ON_A_CONDITION:
        assert labels.get(text) is Intent.NOT_INTERESTED, text
    for _, text in COURTESY:
        assert labels.get(text) is Intent.OTHER, text
