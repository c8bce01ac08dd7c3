"""Over the API, on the tables: the contact's upcoming steps show a rule's first step sent
by hand as such (`by_hand`), and time the journey's next step from that send, as the ticks
then send it; sends a paused number holds say so (`paused`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup.services.pausing import pause_number
from followup.services.webhook import resume_number
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
WA_ID = "6281100002102"
NUDGE, LAST_CALL = "Still there?", "Last call"


def test_upcoming_shows_a_step_sent_by_hand_and_times_the_next_from_it(
    engine: LocalEngine,
) -> None:
    # Given a journey (a nudge once the lead is quiet for an hour, a last call 2 h later),
    # and a lead quiet for half an hour
    start = engine.clock.now()
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "text": NUDGE},
        {"wait": {"amount": 2, "unit": "hours"}, "text": LAST_CALL},
    ]
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    engine.deps.rules.save_rule(rule("nudge", trigger=trigger, steps=steps))
    lead = quiet_contact(engine.deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    # And a counsellor's nudge by hand, held by a paused number past the tick that found
    # the rule's trigger true (10:00)
    number = engine.deps.numbers.sender(lead.phone_number_id, [])
    pause_number(engine.deps, number, "quality rated low", start)
    path = f"/api/contacts/{lead.id}/followups"
    assert call(engine, "POST", path, {"rule_id": "nudge"}, role="counselor")[0] == 202
    engine.drain()
    engine.run_until(start + HOUR)
    engine.tick()
    # When the contact page asks what comes next
    status, answer = call(engine, "GET", f"/api/contacts/{lead.id}/upcoming", role="counselor")
    # Then the nudge is shown going by hand, and only the last call as the rule's to come,
    # both held by the paused number
    assert status == 200, answer
    assert [(s["step"], s["by_hand"], s["paused"]) for s in answer["steps"]] == [
        (1, True, True),
        (2, False, True),
    ]
    # And once the number resumes at 10:30 and the nudge goes, the last call is due 2 h on
    engine.run_until(start + 90 * MINUTE)
    assert resume_number(engine.deps, number, engine.clock.now())
    engine.drain()
    _, answer = call(engine, "GET", f"/api/contacts/{lead.id}/upcoming")
    assert [(s["step"], s["by_hand"], s["paused"], s["local"]) for s in answer["steps"]] == [
        (1, True, False, "2026-11-24T10:30:00+07:00"),
        (2, False, False, "2026-11-24T12:30:00+07:00"),
    ]
    # And the ticks send the last call then, and no second nudge
    for hours in range(2, 6):
        engine.run_until(start + hours * HOUR)
        engine.tick()
    sent = [
        ((r.body or {}).get("text", {}).get("body"), r.received_at) for r in engine.sandbox.sent()
    ]
    last_call = datetime.fromisoformat("2026-11-24T12:30:00+07:00")
    assert sent == [(NUDGE, start + 90 * MINUTE), (LAST_CALL, last_call)]
