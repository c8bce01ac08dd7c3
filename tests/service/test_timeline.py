"""The conversation built from stored lines and sent follow-ups, and delivery statuses
found by the follow-up id WhatsApp echoes back."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import FollowUp, Status
from followup.services.manual import send_now
from followup.services.timeline import conversation, outbound_line
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

RUDI = "6281100000601"


def _sent(engine: MemoryEngine, wa_id: str = RUDI) -> FollowUp:
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, wa_id, engine.clock.now() - timedelta(hours=30))
    queued = send_now(deps, lead.id, "apply-remind-24h")
    engine.drain()
    found = deps.followups.followup(queued.id)
    assert found is not None
    assert found.status is Status.SENT
    return found


def test_a_send_whose_line_was_stored_before_the_upgrade_shows_once(
    engine: MemoryEngine,
) -> None:
    # Given a send whose line the sender stored, as it did before lines were built
    sent = _sent(engine)
    assert sent.rendered is not None
    assert sent.provider_message_id is not None
    assert sent.sent_at is not None
    stored = outbound_line(
        sent.id, sent.contact_id, sent.provider_message_id, sent.sent_at, sent.rendered
    )
    engine.deps.contacts.add_message(stored)
    # When the conversation is read, Then that send is one line
    assert conversation(engine.deps, sent.contact_id, 50) == [stored]


def test_a_status_echoing_the_id_of_a_follow_up_sent_as_another_message_changes_nothing(
    engine: MemoryEngine,
) -> None:
    sent = _sent(engine)
    at = engine.clock.advance(timedelta(seconds=30))
    stray = envelopes.status("wamid.ELSEWHERE", "delivered", at, RUDI, sent.id)
    assert engine.deliver(stray) == 200
    assert engine.deps.followups.followup(sent.id) == sent
    echoed = envelopes.status(str(sent.provider_message_id), "delivered", at, RUDI, sent.id)
    assert engine.deliver(echoed) == 200
    found = engine.deps.followups.followup(sent.id)
    assert found is not None
    assert found.status is Status.DELIVERED


def test_a_send_whatsapp_reported_undelivered_is_no_line_of_the_conversation(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up that went out
    sent = _sent(engine)
    assert [m.followup_id for m in conversation(engine.deps, sent.contact_id, 50)] == [sent.id]
    # When WhatsApp reports it could not deliver it (131026: the user cannot receive it)
    at = engine.clock.advance(timedelta(seconds=30))
    failed = envelopes.status(str(sent.provider_message_id), "failed", at, RUDI, sent.id)
    failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": 131026, "title": "Message undeliverable"}
    ]
    assert engine.deliver(failed) == 200
    found = engine.deps.followups.followup(sent.id)
    assert found is not None
    assert found.status is Status.FAILED
    # Then the conversation (the contact page's, the AI writer's history) no longer shows
    # it as something the lead was told
    assert conversation(engine.deps, sent.contact_id, 50) == []
