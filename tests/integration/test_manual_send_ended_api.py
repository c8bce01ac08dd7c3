"""Over the API, on the tables: a send by hand whose outcome is unknown (WhatsApp may have
taken it) counts as sent, so the rule's preview leaves the lead out and the ticks do not
send the rule's first step to them again."""

from __future__ import annotations

from datetime import timedelta

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
WA_ID = "6281100002101"
NUDGE = "Still there?"


def test_a_send_by_hand_of_unknown_outcome_is_previewed_and_ticked_as_sent(
    engine: LocalEngine,
) -> None:
    # Given a rule nudging leads quiet for an hour, and a lead quiet for half an hour
    start = engine.clock.now()
    nudge = rule(
        "nudge",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[{"wait": {"amount": 0, "unit": "minutes"}, "text": NUDGE}],
    )
    engine.deps.rules.save_rule(nudge)
    lead = quiet_contact(engine.deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    # And a counsellor sends its step by hand, and WhatsApp's answer is lost
    engine.sandbox.drop_connection_next()
    path = f"/api/contacts/{lead.id}/followups"
    status, sent = call(engine, "POST", path, {"rule_id": "nudge"}, role="counselor")
    assert status == 202
    engine.drain()
    _, manual = call(engine, "GET", f"/api/followups/{sent['id']}")
    assert (manual["status"], manual["reason"]) == ("sending", "outcome_unknown")
    # When the rule is previewed once its trigger came true
    engine.run_until(start + HOUR)
    status, seen = call(engine, "POST", "/api/rules/nudge/preview")
    # Then the lead is left out: it may have the message already
    assert status == 200
    assert (seen["now"], seen["planned"], seen["skipped"]) == (0, [], {"sent_by_hand": 1})
    assert [(e["name"], e["reason"]) for e in seen["excluded"]] == [("lead", "sent_by_hand")]
    # And the ticks send it no second nudge
    for hours in (1, 2, 3):
        engine.run_until(start + hours * HOUR)
        engine.tick()
    texts = [(r.body or {}).get("text", {}).get("body") for r in engine.sandbox.sent()]
    assert texts == [NUDGE]
    # And with no word from WhatsApp on it, it was given up at its sending deadline
    _, manual = call(engine, "GET", f"/api/followups/{sent['id']}")
    assert (manual["status"], manual["reason"]) == ("failed", "outcome_unknown")
