"""A send's bookkeeping from the follow-up stream: the sender writes the follow-up alone,
then its contact counts the send and its enrollment moves on, once, whatever the stream
delivers again, and without losing a reply that lands in between."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.errors import Conflict
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.rule import Rule
from followup.domain.settings import FrequencyCap
from followup.services import sent_stream
from followup.services.manual import send_now
from followup.services.send import send_one
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact
from tests.support.stale import stale_reads

HOUR = timedelta(hours=1)
WA_ID = "6281100000971"


def two_steps(rule_id: str = "two-steps") -> Rule:
    """A template now, another two hours after it went out; a reply ends it."""
    return Rule.model_validate(
        {
            "id": rule_id,
            "name": rule_id,
            "trigger": {"stages": ["new"], "idle": {"amount": 24, "unit": "hours"}},
            "steps": [send("first", 0), send("second", 2)],
            "exit": {"on_reply": True},
        }
    )


def send(name: str, hours: int) -> dict[str, Any]:
    return {
        "wait": {"amount": hours, "unit": "hours"},
        "template": {"name": name, "language": "en"},
    }


def sent_by_the_sender_alone(engine: MemoryEngine, contact_id: str) -> FollowUp:
    """Queue and dispatch the lead's due step, then send it as the sender does, the stream's
    records not yet applied."""
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    [queued] = [
        f for f in engine.deps.followups.followups_of(contact_id) if f.status is Status.QUEUED
    ]
    send_one(engine.deps, queued.id)
    found = engine.deps.followups.followup(queued.id)
    assert found is not None
    assert found.status is Status.SENT
    return found


def enrollment(engine: MemoryEngine, contact_id: str) -> tuple[Enrollment, int]:
    [found] = engine.deps.followups.enrollments_of(contact_id)
    return found.item, found.revision


def test_the_sender_writes_the_follow_up_and_the_stream_moves_contact_and_journey(
    engine: MemoryEngine,
) -> None:
    # Given a lead due for the first of two steps
    engine.deps.rules.save_rule(two_steps())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    # When the sender sends it
    sent = sent_by_the_sender_alone(engine, lead.id)
    # Then it wrote the follow-up alone: the contact and the journey are as they were
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.followups_sent == 0
    waiting, _ = enrollment(engine, lead.id)
    assert (waiting.step_index, waiting.sends, waiting.next_due_at) == (0, 0, None)
    # And once the stream's record is applied, the contact counts it and the journey's
    # next step is due two hours after the send
    assert engine.pump_stream() == 1
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.followups_sent == 1
    assert contact.item.last_outbound_at == sent.sent_at
    assert contact.item.recent_sends == [sent.sent_at]
    moved, _ = enrollment(engine, lead.id)
    assert sent.sent_at is not None
    assert (moved.step_index, moved.sends) == (1, 1)
    assert moved.next_due_at == sent.sent_at + 2 * HOUR


def test_records_delivered_again_or_late_move_nothing_and_the_journey_goes_step_by_step(
    engine: MemoryEngine,
) -> None:
    # Given a journey whose two steps went out, each moved on from the stream
    engine.deps.rules.save_rule(two_steps())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [first] = engine.deps.followups.followups_of(lead.id)
    assert first.sent_at is not None
    assert enrollment(engine, lead.id)[0].step_index == 1
    engine.run_until(first.sent_at + 2 * HOUR)
    engine.tick()
    second = next(f for f in engine.deps.followups.followups_of(lead.id) if f.id != first.id)
    assert second.status is Status.SENT
    done, revision = enrollment(engine, lead.id)
    assert (done.state, done.sends) == (EnrollmentState.COMPLETED, 2)
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert contact.item.followups_sent == 2
    # When the stream delivers both records again, the older one last
    assert sent_stream.apply(engine.deps, [second, first, first]) == 0
    # Then nothing moved: the journey is not taken back nor counted again
    assert enrollment(engine, lead.id) == (done, revision)
    again = engine.deps.contacts.contact(lead.id)
    assert again == contact
    assert [r.body["template"]["name"] for r in engine.sandbox.sent() if r.body] == [
        "first",
        "second",
    ]


def test_a_reply_between_the_send_and_its_record_is_kept_and_ends_the_journey(
    engine: MemoryEngine,
) -> None:
    # Given the first step sent, its record still on its way
    engine.deps.rules.save_rule(two_steps())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    sent = sent_by_the_sender_alone(engine, lead.id)
    on_the_way = engine.stream.take()
    # When the lead replies, then the record arrives
    at = engine.clock.advance(timedelta(minutes=1))
    assert engine.deliver(envelopes.text_message(WA_ID, "Halo", at, "wamid.R1")) == 200
    assert sent_stream.apply(engine.deps, on_the_way) == 1
    # Then the contact keeps the reply and counts the send, the journey stays ended
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert (contact.item.last_inbound_at, contact.item.followups_sent) == (at, 1)
    ended, _ = enrollment(engine, lead.id)
    assert (ended.state, ended.exit_reason, ended.step_index) == (
        EnrollmentState.EXITED,
        Reason.REPLIED,
        0,
    )
    answered = engine.deps.followups.followup(sent.id)
    assert answered is not None
    assert answered.status is Status.RESPONDED
    # And no second step goes out
    engine.clock.advance(3 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_the_next_follow_up_waits_until_the_contact_counts_the_send(
    engine: MemoryEngine,
) -> None:
    # Given one send a day at most, and two rules due for the same lead
    deps = engine.deps
    settings = deps.rules.settings()
    gating = settings.gating.model_copy(update={"frequency_cap": FrequencyCap(max_sends=1)})
    deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    deps.rules.save_rule(two_steps("rule-a"))
    deps.rules.save_rule(two_steps("rule-b"))
    lead = quiet_contact(deps, WA_ID, engine.clock.now() - 25 * HOUR)
    deps.start_cold()
    # When one is sent and, before its record is applied, the next tick plans the other
    sent_by_the_sender_alone(engine, lead.id)
    on_the_way = engine.stream.take()
    engine.clock.advance(timedelta(seconds=30))
    engine.scheduled("enqueue")
    # Then the other waits for the contact to count the send
    assert len(deps.followups.followups_of(lead.id)) == 1
    # And once it does, the cap holds: the other is skipped, never sent
    sent_stream.apply(deps, on_the_way)
    engine.clock.advance(timedelta(seconds=30))
    engine.tick()
    other = [f for f in deps.followups.followups_of(lead.id) if f.sent_at is None]
    assert [(f.status, f.reason) for f in other] == [(Status.SKIPPED, Reason.FREQUENCY_CAP)]
    assert len(engine.sandbox.sent()) == 1


def test_send_now_right_after_a_send_asks_to_try_again_once_it_is_counted(
    engine: MemoryEngine,
) -> None:
    # Given a lead just sent a follow-up, its record still on its way
    deps = engine.deps
    deps.rules.save_rule(two_steps())
    deps.rules.save_rule(two_steps("by-hand"))
    lead = quiet_contact(deps, WA_ID, engine.clock.now() - 25 * HOUR)
    sent = sent_by_the_sender_alone(engine, lead.id)
    other = "two-steps" if sent.rule_id == "by-hand" else "by-hand"
    on_the_way = engine.stream.take()
    # When a counsellor sends the other rule now, then again once the send is counted
    with pytest.raises(Conflict, match="still being counted; try again in a minute"):
        send_now(deps, lead.id, other)
    sent_stream.apply(deps, on_the_way)
    queued = send_now(deps, lead.id, other)
    # Then the second request queues it
    assert queued.status is Status.QUEUED


def test_stale_reads_of_contact_and_journey_still_count_the_send_once_and_move_it_on(
    engine: MemoryEngine,
) -> None:
    # Given a lead just sent the first of two steps, and eventually consistent reads that
    # do not see the lead nor the journey yet, nor anything written after
    engine.deps.rules.save_rule(two_steps())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    sent = sent_by_the_sender_alone(engine, lead.id)
    assert sent.enrollment_id is not None
    stale = stale_reads(engine.deps)
    stale.copies.update({lead.id: None, sent.enrollment_id: None})
    # When the stream's record is applied, and delivered again
    assert engine.pump_stream() == 1
    assert sent_stream.apply(engine.deps, [sent]) == 0
    # Then the stale copies were read, yet the contact counts the send once and the
    # journey's next step is due two hours after it
    assert stale.served == 4
    contact = engine.deps.contacts.contact(lead.id)
    assert contact is not None
    assert (contact.item.followups_sent, contact.item.recent_sends) == (1, [sent.sent_at])
    moved, _ = enrollment(engine, lead.id)
    assert sent.sent_at is not None
    assert (moved.step_index, moved.sends) == (1, 1)
    assert moved.next_due_at == sent.sent_at + 2 * HOUR
