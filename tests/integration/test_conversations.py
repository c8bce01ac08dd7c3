"""Open and closed conversations: closed by an agent or a help desk, reopened by a message."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from followup.domain.contact import Contact
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup.domain.rule import Rule
from followup.services.contacts import update_contact
from followup.services.conversations import close_conversation, journey
from followup.services.inbound import record_inbound
from followup.services.ports import Change, FollowUpChange
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.events import load

IDLE_RULE = "apply-remind-24h"
CLOSED_TOO = "closed-too"


def closed_too_rule() -> Rule:
    """Like `rule()`, but it sends into closed conversations too."""
    trigger = {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}, "include_closed": True}
    return rule(CLOSED_TOO, trigger=trigger)


def queued_lead(engine: LocalEngine, wa_id: str) -> Contact:
    """A lead quiet for 25 h whose follow-up the enqueue tick queued (not yet sent)."""
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    return lead


def test_an_agent_closing_the_conversation_ends_its_sequence(engine: LocalEngine) -> None:
    # Given a lead with a queued follow-up
    engine.deps.rules.save_rule(rule())
    lead = queued_lead(engine, "6281100000601")
    # When a counsellor closes the conversation
    status, closed = call(
        engine, "POST", f"/api/contacts/{lead.id}/conversation/close", role="counselor"
    )
    # Then the contact shows who closed it and when
    assert status == 200
    assert closed["conversation_open"] is False
    assert closed["conversation_changed_by"] == "user-counselor"
    assert datetime.fromisoformat(closed["conversation_changed_at"]) == engine.clock.now()
    # And the queued follow-up is canceled and the sequence ended, both saying why
    _, queue = call(engine, "GET", f"/api/queue?contact={lead.id}")
    assert [(f["status"], f["reason"]) for f in queue["followups"]] == [
        ("canceled", "conversation_closed")
    ]
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert enrollment.item.state is EnrollmentState.EXITED
    assert enrollment.item.exit_reason == "conversation_closed"
    # And nothing is sent, now or later
    engine.tick()
    engine.clock.advance(timedelta(days=3))
    engine.tick()
    assert engine.sandbox.sent() == []


def test_a_rule_that_includes_closed_conversations_keeps_going(engine: LocalEngine) -> None:
    # Given two rules on the same silence, one of which sends into closed conversations
    engine.deps.rules.save_rule(rule())
    engine.deps.rules.save_rule(closed_too_rule())
    lead = quiet_contact(engine.deps, "6281100000602", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    # When the conversation is closed
    assert call(engine, "POST", f"/api/contacts/{lead.id}/conversation/close")[0] == 200
    # Then only the rule that says so keeps its sequence
    states = {e.item.rule_id: e.item.state for e in engine.deps.followups.enrollments_of(lead.id)}
    assert states == {IDLE_RULE: EnrollmentState.EXITED, CLOSED_TOO: EnrollmentState.ACTIVE}
    engine.tick()
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    sent = [f for f in engine.deps.followups.followups_of(lead.id) if f.status is Status.SENT]
    assert [f.rule_id for f in sent] == [CLOSED_TOO]
    assert len(engine.sandbox.sent()) == 1


def test_closing_and_reopening_are_idempotent(engine: LocalEngine) -> None:
    lead = quiet_contact(engine.deps, "6281100000603", engine.clock.now() - timedelta(hours=2))
    path = f"/api/contacts/{lead.id}/conversation"
    first = call(engine, "POST", f"{path}/close")
    engine.clock.advance(timedelta(minutes=10))
    again = call(engine, "POST", f"{path}/close", role="marketing")
    # A second close changes nothing: it still shows the first one
    assert first == again
    assert first[1]["conversation_open"] is False
    status, reopened = call(engine, "POST", f"{path}/reopen", role="marketing")
    assert (status, reopened["conversation_open"]) == (200, True)
    assert reopened["conversation_changed_by"] == "user-marketing"
    assert call(engine, "POST", f"{path}/reopen") == (200, reopened)


def test_reopening_lets_a_rule_follow_up_the_silence_it_passed_while_closed(
    engine: LocalEngine,
) -> None:
    # Given a lead quiet for 20 h whose conversation is closed
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000620", engine.clock.now() - timedelta(hours=20))
    call(engine, "POST", f"/api/contacts/{lead.id}/conversation/close")
    # And a tick that passed the rule's idle time while it was closed
    engine.clock.advance(timedelta(hours=5))
    engine.tick()
    assert engine.sandbox.sent() == []
    # When it is reopened
    assert call(engine, "POST", f"/api/contacts/{lead.id}/conversation/reopen")[0] == 200
    # Then the rule follows up the silence on the next tick
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_journey_closes_the_conversation_through_the_service(engine: LocalEngine) -> None:
    # Given a lead with a queued follow-up
    engine.deps.rules.save_rule(rule())
    lead = queued_lead(engine, "6281100000621")
    # When a journey's action closes the conversation
    now = engine.clock.now()
    closed = close_conversation(engine.deps, lead.id, journey("post-service"), now)
    # Then it is closed by that journey, and the queued follow-up is canceled
    assert (closed.conversation_open, closed.conversation_changed_by) == (
        False,
        "journey:post-service",
    )
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.reason) == (Status.CANCELED, "conversation_closed")


def test_an_unknown_contact_is_404(engine: LocalEngine) -> None:
    for action in ("close", "reopen"):
        status, answer = call(engine, "POST", f"/api/contacts/ct_nobody/conversation/{action}")
        assert (status, answer["error"]["code"]) == (404, "not_found")


def test_a_help_desk_closes_and_reopens_by_event(engine: LocalEngine) -> None:
    # Given a lead with a queued follow-up
    engine.deps.rules.save_rule(rule())
    lead = queued_lead(engine, "6281100000604")
    # When the help desk reports the ticket closed, by wa_id
    status, closed = call(
        engine,
        "POST",
        "/api/events",
        {"type": "conversation_closed", "contact": lead.wa_id},
        role="marketing",
    )
    # Then the conversation is closed by an event and its sequence ended
    assert (status, closed["conversation_open"], closed["conversation_changed_by"]) == (
        200,
        False,
        "event",
    )
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.reason) == (Status.CANCELED, "conversation_closed")
    # And a reopen event opens it again
    engine.clock.advance(timedelta(minutes=1))
    status, reopened = call(
        engine, "POST", "/api/events", {"type": "conversation_reopened", "contact": lead.id}
    )
    assert (status, reopened["conversation_open"]) == (200, True)


def test_a_late_close_event_does_not_undo_a_newer_message(engine: LocalEngine) -> None:
    # Given a lead who wrote a minute ago
    now = engine.clock.now()
    lead = quiet_contact(engine.deps, "6281100000605", now - timedelta(minutes=1))
    # When a close that happened before that message arrives only now
    earlier = (now - timedelta(minutes=5)).isoformat()
    status, answer = call(
        engine,
        "POST",
        "/api/events",
        {"type": "conversation_closed", "contact": lead.id, "at": earlier},
    )
    # Then the conversation stays open: the message came after the close
    assert (status, answer["conversation_open"]) == (200, True)


def test_a_help_desk_closes_through_the_bus(engine: LocalEngine) -> None:
    # Given a lead with a queued follow-up
    engine.deps.rules.save_rule(rule())
    lead = queued_lead(engine, "6281100000502")
    # When the help desk puts a conversation_closed event on the bus
    answer = engine.invoke("bus_events", load("eventbridge-conversation-closed.json"))
    # Then the conversation is closed and the follow-up canceled
    assert answer == {"applied": True, "contact_id": lead.id}
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.conversation_open is False
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.reason) == (Status.CANCELED, "conversation_closed")
    # And a reopen on the bus opens it again
    reopen = load("eventbridge-conversation-closed.json") | {"detail-type": "conversation_reopened"}
    assert engine.invoke("bus_events", reopen)["applied"] is True
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.conversation_open is True


def test_a_new_message_reopens_and_the_idle_rule_fires_again(engine: LocalEngine) -> None:
    # Given a closed conversation
    engine.deps.rules.save_rule(rule())
    lead = queued_lead(engine, "6281100000606")
    call(engine, "POST", f"/api/contacts/{lead.id}/conversation/close")
    # When the lead writes again
    engine.clock.advance(timedelta(hours=1))
    record_inbound(engine.deps, lead.wa_id or "", "masih bisa daftar?", engine.clock.now())
    # Then the conversation is open again, reopened by the contact
    _, read = call(engine, "GET", f"/api/contacts/{lead.id}")
    assert (read["conversation_open"], read["conversation_changed_by"]) == (True, "contact")
    # And once quiet for the rule's idle time again, the rule follows up this new silence
    engine.clock.advance(timedelta(hours=25))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_late_message_does_not_reopen_a_later_close(engine: LocalEngine) -> None:
    # Given a conversation closed now
    lead = quiet_contact(engine.deps, "6281100000607", engine.clock.now() - timedelta(hours=2))
    call(engine, "POST", f"/api/contacts/{lead.id}/conversation/close")
    # When a message written before the close is delivered late
    written = engine.clock.now() - timedelta(minutes=10)
    record_inbound(engine.deps, lead.wa_id or "", "ok", written, "wamid.late")
    # Then the conversation stays closed
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.conversation_open is False


class CloseMeanwhile:
    """Real transactions, except that the conversation is closed (through the API) just
    before or just after the sender's claim: a close racing the send, made deterministic."""

    def __init__(self, engine: LocalEngine, contact_id: str, after_claim: bool) -> None:
        self._engine, self._real = engine, engine.deps.transactions
        self._contact_id, self._after_claim = contact_id, after_claim
        self.raced = False

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        claim = any(
            isinstance(c, FollowUpChange) and c.followup.status is Status.SENDING for c in changes
        )
        if claim and not self.raced and not self._after_claim:
            self._close()
        self._real.commit(changes, at)
        if claim and not self.raced and self._after_claim:
            self._close()

    def _close(self) -> None:
        self.raced = True
        path = f"/api/contacts/{self._contact_id}/conversation/close"
        assert call(self._engine, "POST", path)[0] == 200


@pytest.mark.parametrize("after_claim", [False, True], ids=["before-claim", "after-claim"])
def test_a_close_racing_the_sender_stops_the_send(engine: LocalEngine, after_claim: bool) -> None:
    # Given a follow-up queued and handed to the sender
    engine.deps.rules.save_rule(rule())
    lead = queued_lead(engine, f"628110000061{int(after_claim)}")
    engine.scheduled("dispatch")
    racing = CloseMeanwhile(engine, lead.id, after_claim)
    engine.deps.transactions = racing
    # When the conversation is closed just before, or just after, the sender claims it
    engine.drain()
    # Then nothing goes out, and the follow-up and its sequence end saying why
    assert racing.raced
    assert engine.sandbox.sent() == []
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.reason) == (Status.CANCELED, "conversation_closed")
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert enrollment.item.exit_reason == "conversation_closed"


def test_a_tick_ends_a_sequence_whose_conversation_closed_unseen(engine: LocalEngine) -> None:
    # Given a lead enrolled in a two-step rule whose first step went out
    step = rule().steps[0].model_dump()
    later = step | {"wait": {"amount": 1, "unit": "days"}}
    engine.deps.rules.save_rule(rule(steps=[step, later]))
    lead = quiet_contact(engine.deps, "6281100000608", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    # And a close written to the contact by a writer that stopped before it swept the
    # contact's sequences (the contact write is what counts)
    now = engine.clock.now()
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(update={"conversation_open": False, "conversation_changed_at": now}),
        now,
    )
    # When the second step comes due
    engine.clock.advance(timedelta(days=1, minutes=5))
    engine.tick()
    # Then it is not sent and the sequence ends because the conversation closed
    assert len(engine.sandbox.sent()) == 1
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert enrollment.item.exit_reason == "conversation_closed"


def test_send_now_into_a_closed_conversation_is_refused(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000609", engine.clock.now() - timedelta(hours=2))
    call(engine, "POST", f"/api/contacts/{lead.id}/conversation/close")
    _, offered = call(engine, "GET", f"/api/contacts/{lead.id}/rules")
    assert offered["rules"] == []
    status, answer = call(
        engine, "POST", f"/api/contacts/{lead.id}/followups", {"rule_id": IDLE_RULE}
    )
    assert (status, answer["error"]["code"]) == (409, "conversation_closed")
    assert "closed" in answer["error"]["message"]
    engine.drain()
    assert engine.sandbox.sent() == []
