"""The whole loop through the real handlers on moto, and what SQS and Lambda add to it: a
message delivered twice, enqueue ticks overlapping, STOP while a message waits in SQS, a
sender dying mid-batch."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from followup.domain.followup import FollowUp, Status
from followup.services.inbound import record_inbound
from followup.services.ports import Change, FollowUpChange
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


def followups(engine: LocalEngine, contact_id: str) -> list[FollowUp]:
    return engine.deps.followups.followups_of(contact_id)


def test_a_quiet_lead_gets_one_follow_up_through_the_whole_loop(engine: LocalEngine) -> None:
    # Given a 24 h reminder rule and a lead who wrote 25 h ago (window closed)
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000001", engine.clock.now() - 25 * HOUR)
    # When the scheduler ticks
    engine.tick()
    # Then the sandbox received one template (free text is not allowed after 24 h)
    sent = engine.sandbox.sent()
    assert len(sent) == 1
    assert sent[0].body is not None
    assert sent[0].body["type"] == "template"
    assert sent[0].body["template"]["components"][0]["parameters"][0]["text"] == "Rudi"
    # And the follow-up is recorded as sent with the provider's message id
    [followup] = followups(engine, lead.id)
    assert followup.status is Status.SENT
    assert followup.provider_message_id == sent[0].wamid
    assert sent[0].followup_id == followup.id
    # And later ticks do not send again for the same silence
    engine.ticks(5, every=HOUR)
    assert len(engine.sandbox.sent()) == 1


def test_the_same_queue_message_delivered_twice_sends_once(engine: LocalEngine) -> None:
    # Given a follow-up dispatched to SQS
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000003", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    [followup] = followups(engine, lead.id)
    # When SQS delivers the same message again (at-least-once)
    deps.queue.enqueue([followup.id])
    engine.drain()
    # Then one message reached WhatsApp
    assert len(engine.sandbox.sent()) == 1
    assert followups(engine, lead.id)[0].status is Status.SENT


def test_overlapping_ticks_create_one_follow_up(engine: LocalEngine) -> None:
    # Given a lead due for a rule
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000004", engine.clock.now() - 25 * HOUR)
    # When two enqueue ticks run at the same time (a retried scheduled event)
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda _: engine.scheduled("enqueue"), range(2)))
    engine.scheduled("enqueue")
    # Then one follow-up exists, and one send happens
    assert len(followups(engine, lead.id)) == 1
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_stop_while_the_message_waits_in_the_queue_prevents_the_send(engine: LocalEngine) -> None:
    # Given a follow-up already on SQS
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000005", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    # When the lead sends STOP before the sender picks it up
    result = record_inbound(deps, lead.wa_id or "", "Stop!", engine.clock.now())
    assert result.opted_out
    engine.drain()
    # Then nothing was sent and the entry ends opted_out
    assert engine.sandbox.sent() == []
    [followup] = followups(engine, lead.id)
    assert followup.status is Status.OPTED_OUT
    # And no later silence brings a follow-up
    engine.clock.advance(timedelta(days=3))
    engine.tick()
    assert engine.sandbox.sent() == []


def test_a_sender_that_dies_after_sending_leaves_the_entry_to_the_next_tick(
    engine: LocalEngine,
) -> None:
    # Given a sender that crashes right after the provider accepted the message
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000010", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    real = deps.transactions

    class DiesBeforeRecording:
        def commit(self, changes: Sequence[Change], at: datetime) -> None:
            if any(
                isinstance(c, FollowUpChange) and c.followup.status is Status.SENT for c in changes
            ):
                raise RuntimeError("Lambda ran out of time")
            real.commit(changes, at)

    deps.transactions = DiesBeforeRecording()
    engine.drain()  # the batch item fails; SQS delivers it again; the sender ignores it
    deps.transactions = real
    engine.drain()
    assert len(engine.sandbox.requests) == 1
    assert followups(engine, lead.id)[0].status is Status.SENDING
    # When the sending deadline passes, the expire tick gives up on it
    engine.clock.advance(deps.timings.sending_deadline + timedelta(minutes=1))
    engine.tick()
    [followup] = followups(engine, lead.id)
    assert followup.status is Status.FAILED
    assert followup.reason == "outcome_unknown"
    assert len(engine.sandbox.requests) == 1
