"""A status that comes ahead of its send's record waits for it (the POST is answered 503
and delivered again), but the other events of its POST are heard at once, and heard
again they change nothing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import Status
from followup_local import envelopes
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from followup_local.sandbox import SandboxRequest
from tests.service.test_intents_flow import follow_up_rule
from tests.service.test_sent_after_all import sender_died
from tests.support.builders import quiet_contact

EARLY = "6281100000911"
STOPPER = "6281100000912"
REPLIER = "6281100000913"
KEY = "sk-ant-local-test"


def beside_early_status(request: SandboxRequest, at: datetime, message: dict[str, Any]) -> Any:
    """One POST, as WhatsApp batches them: the `sent` status of the message `request`
    handed over, then the entry of `message`."""
    assert request.wamid is not None
    delivery = envelopes.status(request.wamid, "sent", at, EARLY, request.followup_id)
    delivery["entry"].append(message["entry"][0])
    return delivery


def test_a_stop_beside_an_early_status_is_heard_before_the_next_send(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead whose follow-up 360dialog took from a sender that died before recording
    # it (so for a minute the webhook waits for that record), and another lead whose own
    # follow-up is due two minutes on
    now = engine.clock.now()
    stopper = quiet_contact(engine.deps, STOPPER, now - timedelta(hours=24) + timedelta(minutes=2))
    early, request = sender_died(engine, monkeypatch, EARLY)
    [claimed] = engine.deps.followups.followups_of(early.id)
    assert claimed.status is Status.SENDING
    # When one POST brings the first lead's `sent` status and the second lead's STOP
    stop = envelopes.text_message(STOPPER, "STOP", now + timedelta(seconds=2), "wamid.in.stop")
    assert engine.deliver(beside_early_status(request, now, stop)) == 503
    # Then the STOP is heard at once: the second lead is opted out, and the next tick,
    # before 360dialog delivers the POST again, sends them nothing
    contact = engine.deps.contacts.contact(stopper.id)
    assert contact is not None
    assert contact.item.opted_out
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    assert [r.body.get("to") for r in engine.sandbox.sent() if r.body] == [EARLY]


def test_a_reply_beside_an_early_status_is_read_at_once_and_once(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, fake: FakeAnthropic
) -> None:
    # Given the AI reads replies, a rule follows up `busy` ones, and a lead's follow-up
    # 360dialog took from a sender that died before recording it
    engine.deps.classifier = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url)
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    _, request = sender_died(engine, monkeypatch, EARLY)
    now = engine.clock.now()
    reply = envelopes.text_message(REPLIER, "nanti ya kak, lagi di jalan", now, "wamid.in.busy")
    delivery = beside_early_status(request, now, reply)
    # When one POST brings that `sent` status and another lead's reply, read as `busy`
    fake.tool_input_next({"intent": "busy", "confidence": 0.9, "local_time": None})
    assert engine.deliver(delivery) == 503
    # Then the reply is followed up at once
    replier = engine.deps.contacts.contact_by_wa_id(REPLIER)
    assert replier is not None
    enrolled = [e.item.rule_id for e in engine.deps.followups.enrollments_of(replier.item.id)]
    assert enrolled == ["busy-nudge"]
    # When 360dialog delivers the POST again once no sender can be running
    engine.clock.advance(timedelta(seconds=61))
    assert engine.deliver(delivery) == 200
    # Then the AI was asked once, and the lead is followed up once
    enrolled = [e.item.rule_id for e in engine.deps.followups.enrollments_of(replier.item.id)]
    assert (len(fake.requests), enrolled) == (1, ["busy-nudge"])
