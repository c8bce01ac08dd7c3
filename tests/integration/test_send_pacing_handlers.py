"""Pacing through the sender handler on moto: the recipient's marker in the pacing table
holds a second message back on the queue, and the send that goes moves it on."""

from __future__ import annotations

from datetime import timedelta

from followup.adapters.dynamo_pacing import DynamoPacing
from followup.domain.followup import Status
from followup.services.pacing import BUSY_RECIPIENT, Pacer
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule
from tests.support.sender import send_batch

HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
WA_ID = "6281100000901"


def test_a_recipient_messaged_by_another_sender_is_held_then_sent(engine: LocalEngine) -> None:
    # Given the sender paced on DynamoDB, and another sender messaged this lead just now
    clock, pacing = engine.clock, DynamoPacing()
    number = engine.deps.sending_number
    engine.deps.pacer = Pacer(
        pacing, number, 80, clock, lambda seconds: clock.advance(timedelta(seconds=seconds))
    )
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, clock.now() - 25 * HOUR)
    marker = f"{number}#to#{WA_ID}"
    pacing.space(marker, clock.now(), clock.now() + 6 * SECOND)
    # When its follow-up reaches the sender
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    metrics = send_batch(engine)
    # Then it is back on the queue, nothing sent, and the sender counted it paced
    [held] = engine.deps.followups.followups_of(lead.id)
    assert (held.status, held.reason, held.attempt) == (Status.QUEUED, BUSY_RECIPIENT, 0)
    assert metrics["send_paced"] == 1
    assert engine.sandbox.requests == []
    # And 6 seconds later it goes, and the marker holds the next one for another 6
    clock.advance(6 * SECOND)
    engine.drain()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert len(engine.sandbox.sent()) == 1
    assert pacing.space(marker, clock.now(), clock.now() + 6 * SECOND) is not None
