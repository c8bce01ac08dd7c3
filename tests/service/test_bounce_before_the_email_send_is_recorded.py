"""An email SES took and hard-bounced before its sender recorded the send (the sender
still writing, or gone before it wrote): the bounce fails the follow-up as it fails one
recorded sent, the email costs SES's price once, and the step goes by SMS once, whatever
comes after it."""

from __future__ import annotations

import copy
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.channels import OutboundEmail
from followup.domain.contact import Contact
from followup.domain.costs import Pricing
from followup.domain.followup import FollowUp, Status
from followup.services import email_feedback
from followup.services.stats import cost_figures
from followup.services.timeline import conversation
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.crashes import Died
from tests.support.events import load
from tests.support.outbox import Outbox

Engine = MemoryEngine | LocalEngine

HOUR = timedelta(hours=1)
ADDRESS = "rudi@example.com"
RULE = "apply-remind-24h"
EMAIL_PRICE = 0.0004
"""The workspace's price of an email (its settings' `email_rate`)."""


def bounce_of(message_id: str, followup_id: str, at: datetime) -> email_feedback.EmailFeedback:
    """SES's hard bounce of the email `message_id` sent for `followup_id`."""
    detail: dict[str, Any] = load("eventbridge-ses-bounce.json")["detail"]
    detail["mail"]["messageId"] = message_id
    detail["mail"]["tags"]["followup_id"] = [followup_id]
    detail["bounce"]["timestamp"] = at.isoformat()
    return email_feedback.EmailFeedback.model_validate(detail)


class _BouncedBeforeTheAnswer(Outbox):
    """SES taking the email, and its bounce heard before SES's answer reaches the sender."""

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
        self.bounces: list[email_feedback.EmailFeedback] = []

    def send(self, *message: Any) -> str:
        sent = super().send(*message)
        if isinstance(message[0], OutboundEmail):
            bounce = bounce_of(sent, message[0].followup_id, self.engine.clock.now())
            self.bounces.append(bounce)
            assert email_feedback.apply(self.engine.deps, bounce) == "bounce"
        return sent


class _DiedAfterTheEmail(Outbox):
    """SES taking the email, and the sender dying before it records the send."""

    def send(self, *message: Any) -> str:
        sent = super().send(*message)
        if isinstance(message[0], OutboundEmail):
            raise Died("after SES took the email")
        return sent


def emailed_lead(engine: Engine) -> Contact:
    """A lead due an email step that falls back to SMS, in a workspace with its own price
    of an email."""
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"email_rate": EMAIL_PRICE}))
    engine.deps.catalog.invalidate()
    engine.deps.rules.save_rule(rule(steps=[channel_step("email", fallbacks=["sms"])]))
    return quiet_contact(
        engine.deps, "6281100007201", engine.clock.now() - 25 * HOUR, email=ADDRESS
    )


def steps_of(engine: Engine, lead: Contact) -> dict[str, FollowUp]:
    return {f.channel: f for f in engine.deps.followups.followups_of(lead.id)}


def rule_counts(engine: Engine) -> dict[str, int]:
    """The rule's counters since the send."""
    engine.pump_stream()
    total: Counter[str] = Counter()
    for row in engine.deps.stats.stats(TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()):
        if row.rule_id == RULE:
            total.update(row.counts)
    return dict(total)


def stats_page(engine: Engine) -> dict[str, int]:
    """What the Stats page counts of the rule's sends."""
    total = rule_counts(engine)
    return {name: total.get(name, 0) for name in ("sent", "failed", "failed_after_send")}


def cost_by_channel(engine: Engine) -> dict[str, Any]:
    """The rule's messaging cost since the send, by channel, as the Stats page shows it."""
    shown = cost_figures(rule_counts(engine))["messaging_cost_by_channel"]
    return {channel: pytest.approx(cost) for channel, cost in shown.items()}


def assert_failed_by_its_bounce_and_sent_by_sms(engine: Engine, ses: Outbox, lead: Contact) -> None:
    """The email failed with the bounce, carrying SES's price, the step went by SMS once,
    and the Stats page counts as it does for a bounce of an email recorded sent: one send
    (the SMS), no failure, and the cost of the email and of the SMS, each once."""
    assert ses.sent == [("email", ADDRESS), ("sms", "+6281100007201")]
    by_channel = steps_of(engine, lead)
    email, sms = by_channel["email"], by_channel["sms"]
    assert (email.status, email.reason) == (Status.FAILED, email_feedback.BOUNCED)
    assert email.error_title == "smtp; 550 5.1.1 user unknown"
    assert email.pricing == Pricing(billable=True, category="email", cost_usd=EMAIL_PRICE)
    assert sms.status is Status.SENT
    assert sms.pricing is not None
    assert stats_page(engine) == {"sent": 1, "failed": 0, "failed_after_send": 0}
    sms_price = sms.pricing.cost_usd
    assert cost_by_channel(engine) == {"whatsapp": 0, "sms": sms_price, "email": EMAIL_PRICE}
    lines = conversation(engine.deps, lead.id, 10)
    assert [line.followup_id for line in lines] == [sms.id]


def test_a_bounce_heard_before_the_sender_records_the_email_fails_it_once(
    either: Engine,
) -> None:
    # Given an email step with an SMS fallback, and SES's bounce of the email heard before
    # its answer reaches the sender
    ses = either.deps.email = either.deps.sms = _BouncedBeforeTheAnswer(either)
    lead = emailed_lead(either)
    # When the step goes, and the scheduler ticks again
    either.tick()
    either.clock.advance(HOUR)
    either.tick()
    # Then the sender's record of the send leaves the email failed by its bounce, and the
    # SMS went once
    assert_failed_by_its_bounce_and_sent_by_sms(either, ses, lead)
    # And the bounce heard again changes nothing
    assert email_feedback.apply(either.deps, copy.deepcopy(ses.bounces[0])) == "stale"
    either.clock.advance(HOUR)
    either.tick()
    assert_failed_by_its_bounce_and_sent_by_sms(either, ses, lead)


def test_a_bounce_of_an_email_whose_sender_died_before_recording_it_fails_it_once(
    either: Engine,
) -> None:
    # Given an email step with an SMS fallback, and a sender that dies once SES took it
    ses = either.deps.email = either.deps.sms = _DiedAfterTheEmail()
    lead = emailed_lead(either)
    either.tick()
    [unrecorded] = either.deps.followups.followups_of(lead.id)
    assert (unrecorded.status, unrecorded.provider_message_id) == (Status.SENDING, None)
    # When SES's bounce of it is heard, then heard again, and the scheduler ticks on past
    # the send's deadline
    bounce = bounce_of("provider-1", unrecorded.id, either.clock.now())
    assert email_feedback.apply(either.deps, bounce) == "bounce"
    either.tick()
    assert email_feedback.apply(either.deps, copy.deepcopy(bounce)) == "stale"
    either.clock.advance(HOUR)
    either.tick()
    # Then the email failed by its bounce, and the SMS went once
    assert_failed_by_its_bounce_and_sent_by_sms(either, ses, lead)


def test_a_bounce_of_an_email_recorded_sent_ends_the_same(either: Engine) -> None:
    # Given an email step with an SMS fallback, sent and recorded
    ses = either.deps.email = either.deps.sms = Outbox()
    lead = emailed_lead(either)
    either.tick()
    sent = steps_of(either, lead)["email"]
    assert sent.status is Status.SENT
    # When SES's bounce of it is heard, and the scheduler ticks again
    bounce = bounce_of("provider-1", sent.id, either.clock.now())
    assert email_feedback.apply(either.deps, bounce) == "bounce"
    either.clock.advance(HOUR)
    either.tick()
    # Then it ends as one bounced before its record
    assert_failed_by_its_bounce_and_sent_by_sms(either, ses, lead)
    # And the bounce heard again changes nothing
    assert email_feedback.apply(either.deps, copy.deepcopy(bounce)) == "stale"
    assert_failed_by_its_bounce_and_sent_by_sms(either, ses, lead)
