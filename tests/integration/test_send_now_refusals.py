"""Send now refused over the API: each refusal's code says which it is, for an app to say
it in its reader's language."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


def send_now(engine: LocalEngine, contact_id: str, rule_id: str) -> tuple[int, Any]:
    path = f"/api/contacts/{contact_id}/followups"
    return call(engine, "POST", path, {"rule_id": rule_id}, role="counselor")


def test_send_now_while_another_follow_up_waits_is_refused_as_waiting(
    engine: LocalEngine,
) -> None:
    # Given a lead whose send by hand of one rule waits for the send window to open
    engine.deps.rules.save_rule(rule())
    engine.deps.rules.save_rule(rule("other-rule"))
    engine.clock.advance(timedelta(hours=10))  # 19:00 in Jakarta: the send waits
    lead = quiet_contact(engine.deps, "6281100002201", engine.clock.now() - timedelta(hours=1))
    assert send_now(engine, lead.id, "apply-remind-24h")[0] == 202
    # When a counsellor sends another rule's message now
    status, answer = send_now(engine, lead.id, "other-rule")
    # Then it is refused as waiting behind the first, and nothing more is planned
    assert (status, answer["error"]["code"]) == (409, "followup_waiting")
    assert "already has a follow-up waiting" in answer["error"]["message"]
    assert len(engine.deps.followups.followups_of(lead.id)) == 1


def test_send_now_after_five_tries_that_never_reached_the_lead_is_refused(
    engine: LocalEngine,
) -> None:
    # Given a lead whose sends by hand WhatsApp refused for good five times in this silence
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100002202", engine.clock.now() - timedelta(hours=1))
    engine.sandbox.record_inbound(lead.wa_id or "", engine.clock.now() - timedelta(hours=1))
    for _ in range(5):
        engine.sandbox.fail_next(status=400, code=131008)
        assert send_now(engine, lead.id, "apply-remind-24h")[0] == 202
        engine.drain()
    # When the counsellor presses it once more
    status, answer = send_now(engine, lead.id, "apply-remind-24h")
    # Then it is refused as out of tries, and nothing goes
    assert (status, answer["error"]["code"]) == (409, "tries_used_up")
    assert "5 times in this silence" in answer["error"]["message"]
    engine.drain()
    assert engine.sandbox.sent() == []
