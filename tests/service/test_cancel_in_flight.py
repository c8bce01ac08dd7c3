"""Turning a rule off with its queue canceled stops every sequence of it, also one whose
step is being sent or was sent moments ago (its bookkeeping still to come from the
follow-up stream): none is held and sent on when the rule is turned on again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.enrollment import EnrollmentState
from followup.domain.rule import Rule
from followup.services import rules
from followup.services.send import send_one
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
RULE = "apply-remind-24h"


def two_steps() -> Rule:
    body = rule(RULE).model_dump(mode="json")
    later = {**body["steps"][0], "wait": {"amount": 1, "unit": "days"}}
    later["template"] = {**later["template"], "name": "second"}
    return rule(RULE, steps=[*body["steps"], later])


def send_the_first_step(engine: MemoryEngine) -> None:
    """Enqueue and dispatch, then the sender sends the first step: the follow-up stream is
    not read yet, so the sequence still waits for that send's bookkeeping."""
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    engine.delays.release_due()
    for message in engine.queue.receive():
        send_one(engine.deps, message.followup_id, message.due)
        engine.queue.settle(message, handled=True)


def cancel(engine: MemoryEngine) -> None:
    rules.deactivate(engine.deps, RULE, cancel_queued=True)


def check_it_stops(
    engine: MemoryEngine,
    wa_id: str,
    *,
    during_the_send: bool,
    monkeypatch: pytest.MonkeyPatch | None,
) -> None:
    # Given a two-step sequence whose first step is sent
    rules.create(engine.deps, two_steps())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    if monkeypatch is not None:  # marketing turns it off while 360dialog takes the message
        provider = engine.deps.whatsapp.send

        def send_while_turned_off(outbound: Any) -> str:
            cancel(engine)
            return provider(outbound)

        monkeypatch.setattr(engine.deps.whatsapp, "send", send_while_turned_off)
    send_the_first_step(engine)
    assert len(engine.sandbox.sent()) == 1
    if not during_the_send:  # or right after the send
        cancel(engine)
    # When the bookkeeping runs, days pass, and the rule is turned on again
    engine.pump_stream()
    engine.ticks(3, every=DAY)
    rules.activate(engine.deps, RULE, confirmed=True)
    engine.tick()
    # Then the sequence ended, and its second step never went
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert enrollment.item.state is EnrollmentState.EXITED
    assert len(engine.sandbox.sent()) == 1


def test_a_sequence_just_sent_stops_when_its_rule_is_turned_off_with_its_queue(
    engine: MemoryEngine,
) -> None:
    check_it_stops(engine, "6281100000991", during_the_send=False, monkeypatch=None)


def test_a_sequence_being_sent_stops_when_its_rule_is_turned_off_with_its_queue(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    check_it_stops(engine, "6281100000992", during_the_send=True, monkeypatch=monkeypatch)
