"""A "no need to X" that goes on to ask to proceed keeps the lead; a plain "no need" ends.

"No need to call, just send me the form" is a lead who wants to go ahead: reading it as
`not_interested` would end every follow-up of the contact and drop them.
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
    (NEW_YORK, "No need to call, just send me the form"),
    (NEW_YORK, "no need for a call, just email me the payment link"),
    (NEW_YORK, "No need for the brochure, just sign me up"),
    (NEW_YORK, "Just send me the link, no need to call"),
    (NEW_YORK, "no need to explain again, send me the invoice and I'll pay"),
    (JAKARTA, "ga perlu brosur, langsung daftar aja"),
    (JAKARTA, "gak usah telpon kak, wa aja"),
    (JAKARTA, "ga perlu dijelasin lagi kak, kirim aja link pembayarannya"),
    (JAKARTA, "nggak usah ketemu kak, langsung kirim formulirnya aja"),
    (JAKARTA, "gausah telp kak, kirimin no rekening aja"),
    (SAO_PAULO, "não precisa ligar, me manda o link"),
    (SAO_PAULO, "não precisa mandar folheto, pode me inscrever"),
    (SAO_PAULO, "Não precisa me explicar de novo, só manda o pix"),
    (SAO_PAULO, "nao precisa agendar visita, me envia o contrato que eu assino"),
    (SAO_PAULO, "Não precisa ligar não, me chama no zap"),
]
REFUSING = [
    (NEW_YORK, "No need, I'm not interested"),
    (NEW_YORK, "no need to follow up anymore"),
    (NEW_YORK, "No need to send me anything, thanks"),
    (NEW_YORK, "no need, thanks"),
    (NEW_YORK, "no need to call me again"),
    (JAKARTA, "ga perlu, makasih"),
    (JAKARTA, "gak usah kak, makasih"),
    (JAKARTA, "ga perlu kirim apa2 lagi kak"),
    (JAKARTA, "nggak butuh kak, makasih ya"),
    (JAKARTA, "gausah kak, nanti kalau butuh saya langsung daftar sendiri"),
    (SAO_PAULO, "não precisa, obrigado"),
    (SAO_PAULO, "Não precisa mais entrar em contato"),
    (SAO_PAULO, "nao precisa nao, valeu"),
    (SAO_PAULO, "não precisa me mandar mais nada, obrigada"),
    (SAO_PAULO, "não preciso, obrigada"),
]


@pytest.mark.parametrize(("zone", "text"), GOING_AHEAD)
def test_no_need_to_x_then_a_request_to_go_ahead_keeps_the_leads_follow_ups(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who says they need no call or brochure, and asks to go ahead
    # When the reply is read
    detected = classify(text, FRIDAY_3PM.replace(tzinfo=zone), zone)
    # Then it is not a refusal, and none of the contact's follow-ups end
    assert detected.intent != Intent.NOT_INTERESTED
    assert read_reply(detected, WorkspaceSettings(), "new").ends is None


@pytest.mark.parametrize(("zone", "text"), REFUSING)
def test_a_plain_no_need_still_ends_the_follow_ups_as_not_interested(
    zone: ZoneInfo, text: str
) -> None:
    # Given a lead who answers "no need" with nothing to go ahead with
    # When the reply is read
    detected = classify(text, FRIDAY_3PM.replace(tzinfo=zone), zone)
    # Then it is a refusal, and every follow-up of the contact ends
    assert detected.intent == Intent.NOT_INTERESTED
    assert read_reply(detected, WorkspaceSettings(), "new").ends == "not_interested"


def test_the_intent_benchmark_holds_these_replies_with_their_labels() -> None:
    # Given the labelled replies the intent benchmark scores
    labels = {case.text: case.intent for case in load()}
    # When the replies above are looked up in it
    # Then each is there, a refusal labelled not_interested and a go-ahead labelled otherwise
    for _, text in REFUSING:
        assert labels.get(text) == Intent.NOT_INTERESTED, text
    for _, text in GOING_AHEAD:
        assert text in labels, text
        assert labels[text] != Intent.NOT_INTERESTED, text
