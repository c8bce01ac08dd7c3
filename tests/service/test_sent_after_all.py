"""A send whose outcome nobody recorded (360dialog's answer lost, or the sender dead after
handing it over) is found sent by WhatsApp's own status about it: never sent again, and
not left failed when the lead got it."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import FollowUp, Reason, Status
from followup.services.inbound import record_inbound
from followup.services.manual import send_now
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from followup_local.sandbox import SandboxRequest
from tests.support.builders import quiet_contact, rule
from tests.support.crashes import Died

HOUR = timedelta(hours=1)
RULE = "apply-remind-24h"
TWO_STEPS = [
    {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
    {"wait": {"amount": 2, "unit": "hours"}, "template": {"name": "b", "language": "en"}},
]


def only_followup(engine: MemoryEngine, contact_id: str) -> FollowUp:
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup


def report(engine: MemoryEngine, request: SandboxRequest, state: str, at: datetime) -> int:
    """WhatsApp's status about the message `request` handed over, as the webhook gets it."""
    assert request.wamid is not None
    to = str(request.body["to"]) if request.body else ""
    return engine.deliver(envelopes.status(request.wamid, state, at, to, request.followup_id))


def lead_in_journey(
    engine: MemoryEngine, wa_id: str, steps: list[dict[str, Any]] | None = None
) -> Contact:
    """A lead quiet for a day, and a rule (one step unless `steps`) about to message them."""
    engine.deps.rules.save_rule(rule(steps=steps) if steps else rule())
    return quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)


def answer_lost(
    engine: MemoryEngine, wa_id: str, steps: list[dict[str, Any]] | None = None
) -> tuple[str, SandboxRequest]:
    """A lead's follow-up handed to 360dialog, whose answer never came back: the lead's
    contact id and what 360dialog took."""
    lead = lead_in_journey(engine, wa_id, steps)
    engine.sandbox.drop_connection_next()
    engine.tick()
    [request] = engine.sandbox.requests
    return lead.id, request


def sender_died(
    engine: MemoryEngine,
    monkeypatch: pytest.MonkeyPatch,
    wa_id: str,
    steps: list[dict[str, Any]] | None = None,
) -> tuple[Contact, SandboxRequest]:
    """A lead's follow-up whose sender died as soon as 360dialog had taken it, recording
    nothing: the lead and what 360dialog took."""
    lead = lead_in_journey(engine, wa_id, steps)
    provider = engine.deps.whatsapp.send

    def hand_over_then_die(outbound: Any) -> str:
        provider(outbound)
        raise Died("the sender died after 360dialog took the message")

    monkeypatch.setattr(engine.deps.whatsapp, "send", hand_over_then_die)
    engine.tick()
    monkeypatch.undo()
    [request] = engine.sandbox.requests
    return lead, request


def counts(engine: MemoryEngine, since: date) -> Counter[str]:
    """The rule's counters, summed over the days since `since`."""
    total: Counter[str] = Counter()
    for row in engine.deps.stats.stats(since, engine.clock.now().date()):
        if row.rule_id == RULE:
            total.update(row.counts)
    return total


def given_up(engine: MemoryEngine) -> None:
    """No word from WhatsApp by the sending deadline: the expire tick gives it up."""
    engine.clock.advance(engine.deps.timings.sending_deadline + timedelta(minutes=1))
    engine.scheduled("expire")


def test_a_send_whose_answer_was_lost_is_sent_once_whatsapp_reports_it(
    engine: MemoryEngine,
) -> None:
    # Given a two-step journey whose first message 360dialog took without answering
    contact_id, request = answer_lost(engine, "6281100000701", TWO_STEPS)
    lost = only_followup(engine, contact_id)
    assert (lost.status, lost.reason) == (Status.SENDING, Reason.OUTCOME_UNKNOWN)
    # When WhatsApp reports the message sent, a second later
    at = engine.clock.advance(timedelta(seconds=1))
    assert report(engine, request, "sent", at) == 200
    engine.pump_stream()
    # Then it is sent as of its claim, and the journey goes on: the second step goes two
    # hours later; the rule's stats count two sends and no failure
    found = only_followup(engine, contact_id)
    assert (found.status, found.reason) == (Status.SENT, Reason.SENT_UNRECORDED)
    assert (found.provider_message_id, found.sent_at) == (request.wamid, lost.claimed_at)
    engine.clock.advance(2 * HOUR)
    engine.tick()
    assert len(engine.sandbox.requests) == 2
    day = counts(engine, lost.created_at.date())
    assert (day["sent"], day["failed"]) == (2, 0)


def test_a_send_given_up_before_whatsapp_reported_it_is_found_delivered(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up whose answer was lost and that WhatsApp's statuses reached only
    # after the expire tick had given it up as unknown (its journey ended with it)
    contact_id, request = answer_lost(engine, "6281100000702")
    given_up(engine)
    failed = only_followup(engine, contact_id)
    assert (failed.status, failed.reason) == (Status.FAILED, Reason.OUTCOME_UNKNOWN)
    # When WhatsApp reports it delivered
    assert report(engine, request, "delivered", engine.clock.now()) == 200
    engine.pump_stream()
    # Then it is delivered as of its claim, counted sent and delivered, its failure taken
    # back; the lead's answer counts as a reply to it; its journey stays ended, and
    # nothing went twice
    found = only_followup(engine, contact_id)
    assert (found.status, found.sent_at) == (Status.DELIVERED, failed.claimed_at)
    day = failed.created_at.date()
    assert {k: counts(engine, day)[k] for k in ("sent", "delivered", "failed")} == {
        "sent": 1,
        "delivered": 1,
        "failed": 0,
    }
    [enrollment] = engine.deps.followups.enrollments_of(contact_id)
    assert enrollment.item.state is EnrollmentState.EXITED
    record_inbound(engine.deps, "6281100000702", "ok, send me the form", engine.clock.now())
    assert only_followup(engine, contact_id).status is Status.RESPONDED
    engine.clock.advance(3 * HOUR)
    engine.tick()
    assert len(engine.sandbox.requests) == 1


def test_a_status_that_skips_sent_still_counts_the_send(engine: MemoryEngine) -> None:
    # Given a follow-up whose answer was lost, and whose `sent` status never comes
    contact_id, request = answer_lost(engine, "6281100000703")
    # When the first status that comes says it was read
    assert report(engine, request, "read", engine.clock.now()) == 200
    engine.pump_stream()
    # Then it is read, and counted sent and read
    assert only_followup(engine, contact_id).status is Status.READ
    day = engine.clock.now().date()
    assert {k: counts(engine, day)[k] for k in ("sent", "read", "failed")} == {
        "sent": 1,
        "read": 1,
        "failed": 0,
    }


def test_a_failure_reported_for_a_send_whose_answer_was_lost_fails_it_with_its_reason(
    engine: MemoryEngine,
) -> None:
    contact_id, request = answer_lost(engine, "6281100000704")
    assert report(engine, request, "failed", engine.clock.now()) == 200
    engine.pump_stream()
    # It went, then failed, as any other: failed with WhatsApp's reason, and its journey
    # (one step) completed from the send rather than left waiting for it
    found = only_followup(engine, contact_id)
    assert [c.status for c in found.history][-2:] == [Status.SENT, Status.FAILED]
    assert found.reason != Reason.OUTCOME_UNKNOWN
    assert found.provider_message_id == request.wamid
    [enrollment] = engine.deps.followups.enrollments_of(contact_id)
    assert enrollment.item.state is EnrollmentState.COMPLETED


def test_a_failure_reported_for_a_send_given_up_leaves_it_as_it_was(
    engine: MemoryEngine,
) -> None:
    contact_id, request = answer_lost(engine, "6281100000705")
    given_up(engine)
    assert report(engine, request, "failed", engine.clock.now()) == 200
    found = only_followup(engine, contact_id)
    assert (found.status, found.reason) == (Status.FAILED, Reason.OUTCOME_UNKNOWN)
    assert len(engine.sandbox.requests) == 1


def test_a_send_whose_answer_was_lost_holds_back_no_other_send_to_the_lead(
    engine: MemoryEngine,
) -> None:
    # Given a lead's follow-up whose answer was lost, WhatsApp silent on it so far
    contact_id, _ = answer_lost(engine, "6281100000708")
    # When a counsellor sends the lead another rule's message by hand meanwhile
    engine.deps.rules.save_rule(rule("offer", steps=[{**TWO_STEPS[0], "text": "Offer"}]))
    send_now(engine.deps, contact_id, "offer")
    engine.drain()
    # Then it goes at once: the lost one is never sent again, so it is not pending
    assert len(engine.sandbox.sent()) == 2


def test_a_sender_that_died_after_handing_over_is_waited_for_then_its_status_taken(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a two-step journey whose sender dies after 360dialog took the first message,
    # before it could record the send
    deps = engine.deps
    lead, request = sender_died(engine, monkeypatch, "6281100000706", TWO_STEPS)
    claimed = only_followup(engine, lead.id)
    assert claimed.status is Status.SENDING
    # When WhatsApp's `sent` status comes while that sender could still be running
    # Then the webhook asks for it again later (5xx), changing nothing
    assert report(engine, request, "sent", engine.clock.now()) == 503
    assert only_followup(engine, lead.id).status is Status.SENDING
    # When it comes again once no sender can be running any more
    engine.clock.advance(timedelta(seconds=61))
    assert report(engine, request, "sent", engine.clock.now() - timedelta(seconds=61)) == 200
    engine.pump_stream()
    # Then the follow-up is sent, the journey moves on to its second step, which goes two
    # hours after the first; the expire tick does not give the first up as unknown
    found = only_followup(engine, lead.id)
    assert (found.status, found.sent_at) == (Status.SENT, claimed.claimed_at)
    [enrollment] = deps.followups.enrollments_of(lead.id)
    assert (enrollment.item.state, enrollment.item.step_index) == (EnrollmentState.ACTIVE, 1)
    engine.clock.advance(2 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 2
    statuses = sorted(f.status.value for f in deps.followups.followups_of(lead.id))
    assert statuses == ["sent", "sent"]
    assert counts(engine, claimed.created_at.date())["failed"] == 0


def test_a_failure_reported_after_the_sender_died_fails_it_with_whatsapp_s_reason(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead, request = sender_died(engine, monkeypatch, "6281100000707")
    engine.clock.advance(2 * timedelta(minutes=1))
    assert report(engine, request, "failed", engine.clock.now()) == 200
    found = only_followup(engine, lead.id)
    assert found.status is Status.FAILED
    assert found.reason != Reason.OUTCOME_UNKNOWN
    assert found.provider_message_id == request.wamid


@pytest.mark.parametrize(
    ("text", "settled", "stops_all"),
    [
        ("ok, thanks", Status.RESPONDED, True),
        ("STOP", Status.OPTED_OUT, True),
        ("STOP", Status.OPTED_OUT, False),
    ],
    ids=["reply", "stop", "stop-of-whatsapp-alone"],
)
def test_a_reply_heard_before_the_send_was_found_sent_answers_it(
    engine: MemoryEngine,
    monkeypatch: pytest.MonkeyPatch,
    text: str,
    settled: Status,
    stops_all: bool,
) -> None:
    # Given a sender that died after 360dialog took the message (a STOP stopping every
    # channel, or WhatsApp alone, as the workspace says)
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(
        settings.model_copy(update={"whatsapp_stop_stops_all": stops_all})
    )
    engine.deps.catalog.invalidate()
    lead, request = sender_died(engine, monkeypatch, "6281100000709")
    # And the lead answers it half a minute later, before WhatsApp's status gets through
    written = engine.clock.advance(timedelta(seconds=30))
    engine.deliver(envelopes.text_message(lead.wa_id or "", text, written, "wamid.in.709"))
    assert only_followup(engine, lead.id).status is Status.SENDING
    # When the status comes once no sender can record the send
    engine.clock.advance(timedelta(seconds=31))
    assert report(engine, request, "delivered", written) == 200
    engine.pump_stream()
    # Then the send is recorded, answered by that reply, and counted so
    assert only_followup(engine, lead.id).status is settled
    assert counts(engine, written.date())[settled.value] == 1


def awaiting_its_retry(engine: MemoryEngine, wa_id: str) -> tuple[Contact, FollowUp]:
    """A lead's follow-up whose try 360dialog answered with a 500, back in the queue to
    retry, two seconds later: the lead and the follow-up."""
    lead = lead_in_journey(engine, wa_id)
    engine.sandbox.fail_next(status=500)
    engine.tick()
    retrying = only_followup(engine, lead.id)
    assert retrying.status is Status.QUEUED
    engine.clock.advance(timedelta(seconds=2))
    return lead, retrying


def reported(
    engine: MemoryEngine, lead: Contact, followup: FollowUp, wamid: str, state: str
) -> None:
    """WhatsApp reports `state` for a message `wamid` of `followup`, then an hour goes by."""
    at = engine.clock.now()
    report = envelopes.status(wamid, state, at, lead.wa_id or "", followup.id)
    assert engine.deliver(report) == 200
    engine.run_until(at + HOUR)


def test_a_try_answered_with_an_error_that_went_all_the_same_is_not_sent_again(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up back in the queue after a 500, WhatsApp reporting a message of it
    # sent all the same before the retry
    lead, retrying = awaiting_its_retry(engine, "6281100000710")
    reported(engine, lead, retrying, "wamid.WENT", "sent")
    # Then it is sent, once: the retry finds it sent and sends nothing
    found = only_followup(engine, lead.id)
    assert (found.status, found.provider_message_id) == (Status.SENT, "wamid.WENT")
    assert [r.status for r in engine.sandbox.requests] == [500]
    assert counts(engine, engine.clock.now().date())["sent"] == 1


def test_a_failure_reported_for_a_try_awaiting_its_retry_leaves_the_retry_to_go(
    engine: MemoryEngine,
) -> None:
    lead, retrying = awaiting_its_retry(engine, "6281100000711")
    reported(engine, lead, retrying, "wamid.LOST", "failed")
    assert only_followup(engine, lead.id).status is Status.SENT
    assert [r.status for r in engine.sandbox.requests] == [500, 200]


def test_a_send_found_sent_after_its_expiry_time_expires_at_the_next_tick(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up whose answer was lost, given up as unknown, and the expire ticks
    # running hourly for days past its 72 hours
    contact_id, request = answer_lost(engine, "6281100000709")
    for _ in range(80):
        engine.clock.advance(HOUR)
        engine.scheduled("expire")
    assert only_followup(engine, contact_id).status is Status.FAILED
    # When WhatsApp's read status about it arrives at last (Meta retries for days)
    assert report(engine, request, "read", engine.clock.now()) == 200
    assert only_followup(engine, contact_id).status is Status.READ
    # Then, unanswered, it expires at the next expire tick, as any send past its 72 hours
    engine.clock.advance(HOUR)
    engine.scheduled("expire")
    assert only_followup(engine, contact_id).status is Status.EXPIRED
