"""A lead replies, or another status finds the send sent or shows it delivered, while
WhatsApp's status about the message is being written: the status is applied to the
follow-up as that left it, as if it had come just after, so its price is kept (or a
failure takes it back) and the rule counts each outcome and the price once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Reason, Status
from followup.services import webhook
from followup_local import envelopes
from tests.support.builders import quiet_contact, rule
from tests.support.races import AfterFirstRead
from tests.support.three_leads import (
    HOUR,
    LEADS,
    MARKETING,
    Engine,
    counted,
    current,
    heard,
    messaging_cost,
    sent_to_three,
    status_of,
    writes,
)


def delivered(engine: Engine, followup: FollowUp) -> webhook.Applied:
    """WhatsApp's priced `delivered` status about `followup`'s message, 10 s later."""
    at = engine.clock.advance(timedelta(seconds=10))
    status = status_of(followup, "delivered", at)
    return heard(engine, status, at)


def test_a_priced_status_read_before_a_reply_keeps_its_price(either: Engine) -> None:
    # Given a rule sent to three leads
    first, *_ = sent_to_three(either)
    # When WhatsApp's priced `delivered` status about the first lead's message comes, and
    # the lead's reply is heard just after the status read the follow-up
    replying = AfterFirstRead(
        either.deps.followups, "followup", lambda: writes(either, "who is this?")
    )
    either.deps.followups = replying
    applied = delivered(either, first)
    # Then the follow-up stays responded and keeps the price, as a status heard just after
    # the reply keeps it
    assert replying.heard
    either.deps.followups = replying.inner
    found = current(either, first)
    assert found.status is Status.RESPONDED
    assert found.pricing is not None
    assert found.pricing.cost_usd > 0
    assert applied.outcome["status_priced"] == 1
    # And the Stats page counts the reply, the delivery and the price once
    counts = counted(either)
    assert (counts["sent"], counts["responded"], counts["delivered"]) == (3, 1, 1)
    assert messaging_cost(either) == pytest.approx(found.pricing.cost_usd)
    # And the status delivered again changes nothing
    delivered(either, first)
    assert current(either, first) == found
    assert counted(either) == counts


def test_a_priced_status_read_while_the_send_is_found_sent_keeps_its_price(
    either: Engine,
) -> None:
    # Given a lead's follow-up handed to 360dialog, whose answer never came back
    lost = answer_lost(either)
    # When WhatsApp's priced `delivered` status comes, and its `sent` status finds the
    # send sent just after the `delivered` one read the follow-up (each on its own call)
    applied = found_sent_meanwhile(either, lost, "delivered", MARKETING)
    # Then the follow-up is delivered with its price, and the Stats page counts the send,
    # its delivery and its price once
    found = current(either, lost)
    assert (found.status, found.sent_at) == (Status.DELIVERED, lost.claimed_at)
    assert found.pricing is not None
    assert messaging_cost(either) == pytest.approx(found.pricing.cost_usd)
    counts = counted(either)
    assert (counts["sent"], counts["delivered"], counts["failed"]) == (1, 1, 0)
    assert applied.outcome["status_delivered"] == 1


def test_a_failure_read_while_the_send_is_found_sent_fails_it(either: Engine) -> None:
    # Given a lead's follow-up handed to 360dialog, whose answer never came back
    lost = answer_lost(either)
    # When WhatsApp reports it failed, and its `sent` status finds the send sent just
    # after the failure read the follow-up (each on its own call)
    applied = found_sent_meanwhile(either, lost, "failed")
    # Then the follow-up went, then failed, as if the failure had come just after: the
    # Stats page counts the send and its failure once
    found = current(either, lost)
    assert [change.status for change in found.history][-2:] == [Status.SENT, Status.FAILED]
    assert found.reason != Reason.OUTCOME_UNKNOWN
    counts = counted(either)
    assert (counts["sent"], counts["failed"], counts["delivered"]) == (1, 1, 0)
    assert applied.outcome["status_failed"] == 1


def test_a_failure_read_before_the_delivery_lands_fails_the_message(either: Engine) -> None:
    # Given a rule sent to three leads
    first, *_ = sent_to_three(either)
    # When WhatsApp reports the first lead's message failed, and its priced `delivered`
    # status, stamped before the failure, is heard just after the failure read the
    # follow-up (each on its own call)
    failed_at = either.clock.advance(timedelta(seconds=30))
    delivering = AfterFirstRead(
        either.deps.followups,
        "followup",
        lambda: reported(either, first, "delivered", failed_at - timedelta(seconds=10)),
    )
    either.deps.followups = delivering
    applied = reported(either, first, "failed", failed_at)
    assert delivering.heard
    either.deps.followups = delivering.inner
    # Then the message went, was delivered, then failed, as when the failure comes just
    # after its delivery: it costs nothing, and the Stats page counts its failure once and
    # takes its delivery and its price back
    found = current(either, first)
    assert [change.status for change in found.history][-3:] == [
        Status.SENT,
        Status.DELIVERED,
        Status.FAILED,
    ]
    assert (found.pricing, found.error_code) == (None, 131026)
    assert applied.outcome["status_failed"] == 1
    counts = counted(either)
    assert (counts["sent"], counts["delivered"], counts["failed"]) == (3, 0, 1)
    assert messaging_cost(either) == 0
    # And the failure delivered again changes nothing
    reported(either, first, "failed", failed_at)
    assert current(either, first) == found
    assert counted(either) == counts


def reported(engine: Engine, followup: FollowUp, state: str, at: datetime) -> webhook.Applied:
    """WhatsApp's `state` status about `followup`'s message, stamped `at`: a `delivered`
    one priced as marketing, a `failed` one undeliverable (131026)."""
    status = status_of(followup, state, at, MARKETING if state == "delivered" else None)
    if state == "failed":
        status["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
            {"code": 131026, "title": "Message undeliverable"}
        ]
    received = engine.clock.now()
    return heard(engine, status, received)


def answer_lost(engine: Engine) -> FollowUp:
    """The first lead's follow-up handed to 360dialog, whose answer never came back."""
    saved = rule()
    engine.deps.rules.save_rule(saved)
    engine.sandbox.templates.approve_all([saved])
    lead = quiet_contact(engine.deps, LEADS[0], engine.clock.now() - 25 * HOUR)
    engine.sandbox.drop_connection_next()
    engine.tick()
    [lost] = engine.deps.followups.followups_of(lead.id)
    assert (lost.status, lost.reason) == (Status.SENDING, Reason.OUTCOME_UNKNOWN)
    return lost


def found_sent_meanwhile(
    engine: Engine, lost: FollowUp, state: str, pricing: dict[str, Any] | None = None
) -> webhook.Applied:
    """WhatsApp's `state` status about `lost`'s message, a second later; its `sent` status
    (on a webhook call of its own) finds the send sent just after this one read it."""
    [request] = engine.sandbox.requests
    wamid = request.wamid or ""

    def found_sent() -> None:
        status = envelopes.status(wamid, "sent", engine.clock.now(), LEADS[0], lost.id)
        assert engine.deliver(status) == 200

    sending = AfterFirstRead(engine.deps.followups, "followup", found_sent)
    engine.deps.followups = sending
    at = engine.clock.advance(timedelta(seconds=1))
    status = envelopes.status(wamid, state, at, LEADS[0], lost.id, pricing)
    if state == "failed":
        status["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
            {"code": 131026, "title": "Message undeliverable"}
        ]
    applied = heard(engine, status, at)
    engine.deps.followups = sending.inner
    assert sending.heard
    return applied
