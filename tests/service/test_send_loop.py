"""The enqueue → dispatch → send → expire loop through the services, on the in-memory store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from followup.domain.followup import FollowUp, Status
from followup.services.inbound import record_inbound
from followup.services.ports import Change, FollowUpChange
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.sender import reply_mid_send

HOUR = timedelta(hours=1)


def followups(engine: MemoryEngine, contact_id: str) -> list[FollowUp]:
    return engine.deps.followups.followups_of(contact_id)


def test_free_text_goes_inside_the_24_hour_window(engine: MemoryEngine) -> None:
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


def test_stop_landing_between_queue_and_send_is_honoured_by_the_sender(
    engine: MemoryEngine,
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


def test_a_reply_marks_sent_responded_and_cancels_queued(engine: MemoryEngine) -> None:
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


def test_a_reply_restarts_cadence(engine: MemoryEngine) -> None:
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


def test_a_crash_after_the_provider_call_is_never_resent(engine: MemoryEngine) -> None:
    # Given the provider accepts the message but the connection drops before the answer
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000009", engine.clock.now() - 25 * HOUR)
    engine.sandbox.drop_connection_next()
    engine.tick()
    # Then the entry waits for WhatsApp's word on it, and with none by its sending deadline
    # it is failed with outcome_unknown; WhatsApp saw one request only
    [followup] = followups(engine, lead.id)
    assert (followup.status, followup.reason) == (Status.SENDING, "outcome_unknown")
    engine.ticks(3, every=HOUR)
    [followup] = followups(engine, lead.id)
    assert (followup.status, followup.reason) == (Status.FAILED, "outcome_unknown")
    assert len(engine.sandbox.requests) == 1


def test_no_reply_in_72_hours_expires(engine: MemoryEngine) -> None:
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
    engine: MemoryEngine,
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
    ("text", "expected", "stops_all"),
    [
        ("yes please!", "responded", True),
        ("STOP", "opted_out", True),
        ("STOP", "opted_out", False),
    ],
    ids=["reply", "stop", "stop-of-whatsapp-alone"],
)
def test_a_reply_landing_while_the_send_is_in_flight_answers_it(
    engine: MemoryEngine,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    expected: str,
    stops_all: bool,
) -> None:
    # Given a lead about to get a follow-up, who writes back while 360dialog is answering
    # (a STOP stopping every channel, or WhatsApp alone, as the workspace says)
    deps = engine.deps
    settings = deps.rules.settings().model_copy(update={"whatsapp_stop_stops_all": stops_all})
    deps.rules.save_settings(settings)
    deps.catalog.invalidate()
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000099", engine.clock.now() - 25 * HOUR)
    reply_mid_send(engine, monkeypatch, lead, text, took=timedelta(seconds=1))
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
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead about to get a follow-up, whose STOP (written a few seconds before the
    # sender claimed it, WhatsApp stamps whole seconds) reaches the webhook mid-send
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000098", engine.clock.now() - 25 * HOUR)
    reply_mid_send(engine, monkeypatch, lead, written_ago=timedelta(seconds=3))
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


@pytest.mark.parametrize("stops_all", [True, False])
def test_a_stop_heard_mid_send_counts_even_if_the_sender_dies_after_recording(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, stops_all: bool
) -> None:
    # Given a lead whose STOP (of everything, or of WhatsApp alone) reaches the webhook
    # while 360dialog is answering, and a sender that dies right after recording the send,
    # before it could settle it
    deps = engine.deps
    settings = deps.rules.settings().model_copy(update={"whatsapp_stop_stops_all": stops_all})
    deps.rules.save_settings(settings)
    deps.catalog.invalidate()
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000097", engine.clock.now() - 25 * HOUR)
    reply_mid_send(engine, monkeypatch, lead)
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
    [followup] = [f for f in followups(engine, lead.id) if f.sent_at is not None]
    assert [h.status.value for h in followup.history][-2:] == ["sent", "opted_out"]
    assert len(engine.sandbox.requests) == 1


def test_a_reply_stamped_in_the_second_of_the_send_answers_it(engine: MemoryEngine) -> None:
    # Given a follow-up sent half a second into a second, on a two-step rule whose second
    # step is queued the same moment
    deps = engine.deps
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
        {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "b", "language": "en"}},
    ]
    deps.rules.save_rule(rule(steps=steps))
    lead = quiet_contact(deps, "6281100000096", engine.clock.now() - 25 * HOUR)
    engine.clock.advance(timedelta(milliseconds=500))
    engine.tick()
    engine.scheduled("enqueue")
    assert sorted(f.status.value for f in followups(engine, lead.id)) == ["queued", "sent"]
    # When the lead answers within that second (WhatsApp stamps it to the whole second,
    # so the stamp reads earlier than the send)
    moment = engine.clock.advance(timedelta(milliseconds=300))
    engine.deliver(envelopes.text_message(lead.wa_id or "", "yes please", moment, "wamid.in.3"))
    # Then it answers the send and cancels the step planned in that second
    statuses = sorted(f.status.value for f in followups(engine, lead.id))
    assert statuses == ["canceled", "responded"]
