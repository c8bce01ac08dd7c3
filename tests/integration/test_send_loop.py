"""The enqueue → dispatch → send → expire loop through the real handlers on moto."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup.services.inbound import record_inbound
from followup.services.ports import Change, FollowUpChange
from followup_local import envelopes
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
    for _ in range(5):
        engine.clock.advance(HOUR)
        engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_free_text_goes_inside_the_24_hour_window(engine: LocalEngine) -> None:
    # Given a rule that fires after 2 h of silence and a lead who wrote 3 h ago
    deps = engine.deps
    deps.rules.save_rule(rule(trigger={"stages": ["new"], "idle": {"amount": 2, "unit": "hours"}}))
    lead = quiet_contact(deps, "6281100000002", engine.clock.now() - 3 * HOUR)
    engine.sandbox.record_inbound(lead.wa_id or "", engine.clock.now() - 3 * HOUR)
    engine.tick()
    [request] = engine.sandbox.sent()
    assert request.body is not None
    assert request.body["type"] == "text"
    assert request.body["text"]["body"] == "Hi Rudi, still thinking about applying?"


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


def test_stop_landing_between_queue_and_send_is_honoured_by_the_sender(
    engine: LocalEngine,
) -> None:
    # Given a follow-up on SQS and a contact opted out without the queue being touched
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000006", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    from followup.services.contacts import update_contact

    update_contact(
        deps, lead.id, lambda c: c.model_copy(update={"opted_out": True}), engine.clock.now()
    )
    # When the sender runs, its consistent re-read sees the opt-out
    engine.drain()
    assert engine.sandbox.sent() == []
    assert followups(engine, lead.id)[0].status is Status.OPTED_OUT


def test_a_reply_marks_sent_responded_and_cancels_queued(engine: LocalEngine) -> None:
    # Given a two-step rule whose first step was sent
    deps = engine.deps
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
        {"wait": {"amount": 1, "unit": "hours"}, "template": {"name": "b", "language": "en"}},
    ]
    deps.rules.save_rule(rule(steps=steps))
    lead = quiet_contact(deps, "6281100000007", engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.clock.advance(HOUR)
    engine.scheduled("enqueue")  # the second step is queued, not yet dispatched
    statuses = sorted(f.status.value for f in followups(engine, lead.id))
    assert statuses == ["queued", "sent"]
    # When the lead replies
    record_inbound(deps, lead.wa_id or "", "yes, I will apply today", engine.clock.now())
    # Then the sent one is responded and the queued one canceled, and nothing more goes out
    statuses = sorted(f.status.value for f in followups(engine, lead.id))
    assert statuses == ["canceled", "responded"]
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_reply_restarts_cadence(engine: LocalEngine) -> None:
    # Given a lead who got a follow-up and replied
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000008", engine.clock.now() - 25 * HOUR)
    engine.tick()
    record_inbound(deps, lead.wa_id or "", "ok", engine.clock.now())
    # When they go quiet again for the rule's idle time (within business hours)
    engine.clock.advance(timedelta(hours=24))
    engine.tick()
    # Then the rule fires again, once, for the new silence
    assert len(engine.sandbox.sent()) == 2
    engine.clock.advance(HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 2


def test_a_crash_after_the_provider_call_is_never_resent(engine: LocalEngine) -> None:
    # Given the provider accepts the message but the connection drops before the answer
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000009", engine.clock.now() - 25 * HOUR)
    engine.sandbox.drop_connection_next()
    engine.tick()
    # Then the entry is failed with outcome_unknown and WhatsApp saw one request only
    [followup] = followups(engine, lead.id)
    assert followup.status is Status.FAILED
    assert followup.reason == "outcome_unknown"
    for _ in range(3):
        engine.clock.advance(HOUR)
        engine.tick()
    assert len(engine.sandbox.requests) == 1


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


def test_no_reply_in_72_hours_expires(engine: LocalEngine) -> None:
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000011", engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.clock.advance(timedelta(hours=71))
    engine.scheduled("expire")
    assert followups(engine, lead.id)[0].status is Status.SENT
    engine.clock.advance(timedelta(hours=2))
    engine.scheduled("expire")
    assert followups(engine, lead.id)[0].status is Status.EXPIRED


def test_a_rule_toggled_off_stops_new_entries_but_queued_ones_go_out(
    engine: LocalEngine,
) -> None:
    # Given a lead whose follow-up is queued for Monday (it is Saturday in Jakarta)
    deps = engine.deps
    deps.rules.save_rule(rule())
    engine.clock.advance(timedelta(days=4))  # Saturday 09:00 Jakarta
    first = quiet_contact(deps, "6281100000012", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert followups(engine, first.id)[0].status is Status.QUEUED
    # When marketing toggles the rule off and another lead goes quiet
    deps.rules.set_active("apply-remind-24h", False)
    deps.catalog.invalidate()
    second = quiet_contact(deps, "6281100000013", engine.clock.now() - 25 * HOUR)
    engine.clock.advance(timedelta(days=2))  # Monday 09:00
    engine.tick()
    # Then the queued one went out and the new lead got nothing
    assert followups(engine, first.id)[0].status is Status.SENT
    assert followups(engine, second.id) == []
    assert len(engine.sandbox.sent()) == 1


@pytest.mark.parametrize(
    ("text", "expected"), [("yes please!", "responded"), ("STOP", "opted_out")]
)
def test_a_reply_landing_while_the_send_is_in_flight_answers_it(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch, text: str, expected: str
) -> None:
    # Given a lead about to get a follow-up, who writes back while 360dialog is answering
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000099", engine.clock.now() - 25 * HOUR)
    provider = deps.whatsapp.send

    def send_then_reply(outbound: Any) -> str:
        wamid = provider(outbound)
        moment = engine.clock.advance(timedelta(seconds=1))
        engine.deliver(envelopes.text_message(lead.wa_id or "", text, moment, "wamid.in.1"))
        return wamid

    monkeypatch.setattr(deps.whatsapp, "send", send_then_reply)
    # When the tick sends it
    engine.tick()
    # Then the reply counts for it, as it would a moment later
    [followup] = followups(engine, lead.id)
    assert [h.status.value for h in followup.history][-2:] == ["sent", expected]
    day = deps.stats.stats(engine.clock.now().date(), engine.clock.now().date())
    counts = next(d.counts for d in day if d.rule_id == "apply-remind-24h")
    assert counts["sent"] == 1
    assert counts[expected] == 1


def test_a_stop_written_before_the_claim_but_heard_during_the_send_ends_it_opted_out(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead about to get a follow-up, whose STOP (written a few seconds before the
    # sender claimed it, WhatsApp stamps whole seconds) reaches the webhook mid-send
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000098", engine.clock.now() - 25 * HOUR)
    provider = deps.whatsapp.send

    def send_then_stop(outbound: Any) -> str:
        wamid = provider(outbound)
        written = engine.clock.now() - timedelta(seconds=3)
        engine.deliver(envelopes.text_message(lead.wa_id or "", "STOP", written, "wamid.in.2"))
        return wamid

    monkeypatch.setattr(deps.whatsapp, "send", send_then_stop)
    # When the tick sends it, and later the expire tick runs
    engine.tick()
    engine.clock.advance(73 * HOUR)
    engine.tick()
    # Then the follow-up counts as opted out, not expired, and so do the rule's stats
    [followup] = followups(engine, lead.id)
    assert [h.status.value for h in followup.history][-2:] == ["sent", "opted_out"]
    day = deps.stats.stats(followup.created_at.date(), engine.clock.now().date())
    counts: dict[str, int] = {}
    for row in day:
        for name, value in row.counts.items():
            counts[name] = counts.get(name, 0) + value
    assert (counts.get("sent"), counts.get("opted_out"), counts.get("expired")) == (1, 1, None)


def test_a_stop_heard_mid_send_counts_even_if_the_sender_dies_after_recording(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead whose STOP reaches the webhook while 360dialog is answering, and a
    # sender that dies right after recording the send, before it could settle it
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000097", engine.clock.now() - 25 * HOUR)
    provider = deps.whatsapp.send

    def send_then_stop(outbound: Any) -> str:
        wamid = provider(outbound)
        engine.deliver(envelopes.text_message(lead.wa_id or "", "STOP", engine.clock.now(), "w"))
        return wamid

    monkeypatch.setattr(deps.whatsapp, "send", send_then_stop)
    real = deps.transactions

    class DiesAfterRecording:
        def commit(self, changes: Sequence[Change], at: datetime) -> None:
            real.commit(changes, at)
            if any(
                isinstance(c, FollowUpChange) and c.followup.status is Status.SENT for c in changes
            ):
                raise RuntimeError("Lambda ran out of time")

    deps.transactions = DiesAfterRecording()
    engine.tick()
    deps.transactions = real
    # When the expire tick comes 73 h later
    engine.clock.advance(73 * HOUR)
    engine.tick()
    # Then the follow-up ends opted_out, not expired, and nothing more was sent
    [followup] = followups(engine, lead.id)
    assert [h.status.value for h in followup.history][-2:] == ["sent", "opted_out"]
    assert len(engine.sandbox.requests) == 1
