"""A contact's steps go in due order: one due later never keeps out one due sooner.

A contact holds one queued follow-up at a time. A lead who writes "busy" on a stage with an
hourly idle rule has two steps due before the next tick's horizon: the nudge in 5 minutes
and the idle rule's first step an hour after the message. The nudge must go first, whatever
the order the enrollments happen to be stored in.
"""

from __future__ import annotations

from datetime import timedelta

from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import follow_up_rule
from tests.support.builders import rule

LEADS = [f"62811000009{n:02d}" for n in range(8)]


def test_a_busy_nudge_goes_when_due_though_an_idle_rule_is_enrolled_ahead(
    engine: MemoryEngine,
) -> None:
    # Given a busy nudge 5 minutes after "busy", and an idle rule an hour into a silence
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    idle = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    engine.deps.rules.save_rule(rule("new-idle-1h", trigger=idle))
    # When eight new leads each write "lagi sibuk" (their own message ids, so their
    # enrollments land wherever their ids put them)
    for n, wa_id in enumerate(LEADS):
        engine.sandbox.record_inbound(wa_id, engine.clock.now())
        said = envelopes.text_message(wa_id, "lagi sibuk", engine.clock.now(), f"wamid.B{n}")
        assert engine.deliver(said) == 200
    # And the tick runs ten minutes later
    engine.clock.advance(timedelta(minutes=10))
    engine.tick()
    # Then every lead has had the nudge, now, and nothing else yet
    sent = [request.body for request in engine.sandbox.sent() if request.body is not None]
    assert sorted(body["to"] for body in sent) == LEADS
    assert {body["text"]["body"] for body in sent} == {"Hi again!"}
