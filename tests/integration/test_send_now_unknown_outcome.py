"""Send now pressed after the rule's own tick sent its step in this silence and WhatsApp's
answer was lost: the step may have gone, so it is answered as sent (`already_sent`) and
nothing more goes, whether the send's claim is still open or its deadline gave it up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
WA_ID = "6281100002151"


def _tick_send_with_its_answer_lost(engine: LocalEngine) -> tuple[str, str]:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.sandbox.record_inbound(WA_ID, engine.clock.now() - 2 * HOUR)
    engine.sandbox.drop_connection_next()
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert (sent.status.value, sent.reason) == ("sending", "outcome_unknown")
    return lead.id, sent.id


@pytest.mark.parametrize("given_up", [False, True], ids=["its claim open", "given up"])
def test_send_now_after_the_ticks_send_of_unknown_outcome_says_already_sent(
    engine: LocalEngine, given_up: bool
) -> None:
    lead_id, sent_id = _tick_send_with_its_answer_lost(engine)
    engine.clock.advance(2 * HOUR if given_up else timedelta(minutes=2))
    if given_up:
        engine.tick()  # its sending deadline passes: failed / outcome_unknown
        _, ended = call(engine, "GET", f"/api/followups/{sent_id}")
        assert (ended["status"], ended["reason"]) == ("failed", "outcome_unknown")
    status, answer = call(
        engine,
        "POST",
        f"/api/contacts/{lead_id}/followups",
        {"rule_id": "apply-remind-24h"},
        role="counselor",
    )
    assert status == 202
    assert answer["id"] == sent_id  # that follow-up, nothing new queued
    assert (answer["why_code"], answer["now"]) == ("already_sent", False), answer["why"]
