"""What the Stats page shows for a message the lead stopped before WhatsApp reported it
delivered, and what messages cost when a price comes late or a delivery is taken back:
each delivery and each price counted once, and a message that failed costs nothing."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from followup.domain.channels import sms_parts
from followup.domain.costs import rate_card
from followup.domain.followup import FollowUp, Reason, Status
from followup.services import crm_events
from followup.services.do_not_contact import stop_contacting
from followup.services.stats import cost_figures
from followup_local import envelopes
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.outbox import Outbox
from tests.support.sender import sent_followup

Engine = MemoryEngine | LocalEngine

RUDI = "6281100000561"
RULE = "apply-remind-24h"
FUNNEL = ("sent", "delivered", "read", "responded", "opted_out", "failed")
MARKETING = {"billable": True, "category": "marketing", "type": "regular"}
PRICE = rate_card().rate("indonesia", "marketing")
SMS_PRICE = rate_card().sms_rate("indonesia")
"""One SMS part to Indonesia: what SNS bills for the step's short text."""
HOUR = timedelta(hours=1)


def stats_page(engine: Engine, *names: str) -> dict[str, Any]:
    """The rule's counters since the send, and its messaging cost in dollars."""
    engine.pump_stream()
    total: Counter[str] = Counter()
    for row in engine.deps.stats.stats(TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()):
        if row.rule_id == RULE:
            total.update(row.counts)
    shown: dict[str, Any] = {name: total[name] for name in names}
    shown["messaging_cost_usd"] = pytest.approx(cost_figures(dict(total))["messaging_cost_usd"])
    return shown


def cost_by_channel(engine: Engine) -> dict[str, Any]:
    """The rule's messaging cost since the send, by channel, as the Stats page shows it."""
    engine.pump_stream()
    total: Counter[str] = Counter()
    for row in engine.deps.stats.stats(TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()):
        if row.rule_id == RULE:
            total.update(row.counts)
    shown = cost_figures(dict(total))["messaging_cost_by_channel"]
    return {channel: pytest.approx(cost) for channel, cost in shown.items()}


def sent_to_rudi(engine: Engine) -> FollowUp:
    """A follow-up sent to Rudi by the real loop, as the rule's approved template."""
    engine.sandbox.templates.approve_all([rule()])
    return sent_followup(engine, RUDI)


def reported(
    engine: Engine, followup: FollowUp, state: str, pricing: Any = None, code: int = 131026
) -> None:
    """WhatsApp's `state` status about `followup`'s message, 30 s later (a `failed` one
    with error `code`)."""
    at = engine.clock.advance(timedelta(seconds=30))
    wamid = followup.provider_message_id or ""
    document = envelopes.status(wamid, state, at, RUDI, followup.id, pricing)
    if state == "failed":
        error = {"code": code, "title": "Message undeliverable", "message": "undeliverable"}
        document["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [error]
    assert engine.deliver(document) == 200


def writes(engine: Engine, text: str) -> None:
    """The lead writes `text`, 10 s later."""
    at = engine.clock.advance(timedelta(seconds=10))
    message_id = f"wamid.IN{int(at.timestamp())}"
    assert engine.deliver(envelopes.text_message(RUDI, text, at, message_id)) == 200


def current(engine: Engine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


@pytest.mark.parametrize("delivered_first", [False, True])
def test_a_stop_answering_a_message_counts_it_delivered_once(
    engine: MemoryEngine, delivered_first: bool
) -> None:
    # Given a follow-up sent to a lead, WhatsApp's `delivered` status about it coming
    # before or after the lead's STOP
    followup = sent_to_rudi(engine)
    if delivered_first:
        reported(engine, followup, "delivered")
    # When the lead answers it with STOP, and the statuses come late
    writes(engine, "STOP")
    reported(engine, followup, "delivered")
    reported(engine, followup, "read")
    # Then the follow-up is opted out, and the Stats page counts it delivered, once: the
    # STOP answered a message that reached the lead
    assert current(engine, followup).status is Status.OPTED_OUT
    counts = stats_page(engine, *FUNNEL)
    assert counts == {
        "sent": 1,
        "delivered": 1,
        "read": 0,
        "responded": 0,
        "opted_out": 1,
        "failed": 0,
        "messaging_cost_usd": 0,
    }


def test_a_message_the_expire_tick_ends_opted_out_counts_no_delivery(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up sent to a lead who never answered it, and staff then marked the
    # lead do-not-contact
    followup = sent_to_rudi(engine)
    at = engine.clock.advance(HOUR)
    stop_contacting(engine.deps, followup.contact_id, "staff@example.com", at)
    # When the expire tick comes at the end of its attribution window
    engine.clock.advance(73 * HOUR)
    engine.tick()
    # Then it ends opted out, marked as an opt-out that did not answer this message, and
    # the Stats page counts no delivery for it
    ended = current(engine, followup)
    assert (ended.status, ended.reason) == (Status.OPTED_OUT, Reason.OPTED_OUT_ELSEWHERE)
    counts = stats_page(engine, "sent", "delivered", "opted_out", "expired")
    assert counts == {
        "sent": 1,
        "delivered": 0,
        "opted_out": 1,
        "expired": 0,
        "messaging_cost_usd": 0,
    }


def test_a_failure_after_a_priced_delivery_takes_its_cost_back(either: Engine) -> None:
    # Given a follow-up WhatsApp reported delivered, priced as marketing
    followup = sent_to_rudi(either)
    reported(either, followup, "delivered", MARKETING)
    assert stats_page(either, "delivered") == {"delivered": 1, "messaging_cost_usd": PRICE}
    # When WhatsApp then reports it failed
    reported(either, followup, "failed")
    # Then the follow-up shows failed and costs nothing, and so does the Stats page: its
    # delivery and its price are both taken back
    failed = current(either, followup)
    assert (failed.status, failed.pricing) == (Status.FAILED, None)
    counts = stats_page(either, "sent", "delivered", "failed")
    assert counts == {"sent": 1, "delivered": 0, "failed": 1, "messaging_cost_usd": 0}


def test_a_price_named_after_the_lead_replied_is_counted_once(either: Engine) -> None:
    # Given a follow-up the lead answered before any status about it came
    followup = sent_to_rudi(either)
    writes(either, "yes, how do I apply?")
    assert current(either, followup).status is Status.RESPONDED
    # When WhatsApp's `delivered` status comes, priced, then its `read` status, priced too
    reported(either, followup, "delivered", MARKETING)
    reported(either, followup, "read", MARKETING)
    # Then the Stats page counts the message's price, once
    counts = stats_page(either, "sent", "delivered", "responded")
    assert counts == {"sent": 1, "delivered": 1, "responded": 1, "messaging_cost_usd": PRICE}


def test_a_withheld_message_delivered_on_its_second_try_counts_one_send(
    engine: MemoryEngine,
) -> None:
    # Given a marketing follow-up Meta withheld after WhatsApp took it (131049), so the
    # engine sends it again a day later
    followup = sent_to_rudi(engine)
    at = engine.clock.advance(timedelta(seconds=30))
    withheld = envelopes.status(followup.provider_message_id or "", "failed", at, RUDI, followup.id)
    error = {
        "code": 131049,
        "title": "This message was not delivered to maintain healthy ecosystem engagement.",
    }
    withheld["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [error]
    assert engine.deliver(withheld) == 200
    # When the second try goes out and WhatsApp reports it delivered
    engine.ticks(13, every=2 * HOUR)
    [again] = [
        f for f in engine.deps.followups.followups_of(followup.contact_id) if f.id != followup.id
    ]
    assert again.status is Status.SENT
    reported(engine, again, "delivered", MARKETING)
    # Then the Stats page shows one message sent and delivered, no failure (the withheld
    # try was not the lead's outcome: its retry was), and the journey no error
    counts = stats_page(engine, "sent", "delivered", "failed", "failed_after_send")
    assert counts == {
        "sent": 1,
        "delivered": 1,
        "failed": 0,
        "failed_after_send": 0,
        "messaging_cost_usd": PRICE,
    }
    since, until = TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()
    steps = engine.deps.stats.journey_stats(RULE, since, until).steps
    assert sum(step.counts.get("errors", 0) for step in steps) == 0


def test_a_send_refused_after_the_lead_stopped_marketing_counts_an_opt_out(
    either: Engine,
) -> None:
    # Given a follow-up WhatsApp took
    followup = sent_to_rudi(either)
    # When WhatsApp reports it failed: the lead stopped marketing from this business (131050)
    reported(either, followup, "failed", code=131050)
    # Then the Stats page counts the send and the lead's opt-out, no failure, and the
    # journey no error
    counts = stats_page(either, "sent", "opted_out", "failed", "failed_after_send")
    assert counts == {
        "sent": 1,
        "opted_out": 1,
        "failed": 0,
        "failed_after_send": 0,
        "messaging_cost_usd": 0,
    }
    since, until = TUESDAY_9AM_JAKARTA.date(), either.clock.now().date()
    steps = either.deps.stats.journey_stats(RULE, since, until).steps
    assert sum(step.counts.get("errors", 0) for step in steps) == 0


def sent_with_sms_fallback(
    engine: MemoryEngine, *, no_reply: bool = False, exit_events: tuple[str, ...] = ()
) -> FollowUp:
    """A follow-up sent to Rudi by WhatsApp, of a one-step rule whose step falls back to
    SMS when WhatsApp cannot deliver it (and, with `no_reply`, when no reply comes within
    a day) and whose journey ends on any of `exit_events`."""
    within = {"no_reply_within": {"amount": 24, "unit": "hours"}} if no_reply else {}
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "fallbacks": ["sms"],
        "fallback_when": within,
        "text": "Hi {first_name|there}, still thinking about applying?",
        "template": rule().steps[0].model_dump(mode="json")["template"],
    }
    engine.deps.rules.save_rule(rule(steps=[step], exit={"events": list(exit_events)}))
    engine.sandbox.templates.approve_all([rule()])
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    return followup


def step_sends(engine: MemoryEngine) -> tuple[int, int]:
    """The journey's one step, over its days: its sends and its errors."""
    since, until = TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()
    days = engine.deps.stats.journey_stats(RULE, since, until).steps
    assert {(day.version, day.index) for day in days} == {(1, 0)}
    return sum(d.counts.get("sent", 0) for d in days), sum(d.counts.get("errors", 0) for d in days)


def step_counts(engine: MemoryEngine, *names: str) -> tuple[int, ...]:
    """The journey's one step, over its days: the counters `names`."""
    since, until = TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()
    days = engine.deps.stats.journey_stats(RULE, since, until).steps
    return tuple(sum(d.counts.get(name, 0) for d in days) for name in names)


@pytest.mark.parametrize("no_reply", [False, True])
def test_an_undeliverable_whatsapp_sent_again_by_sms_counts_one_send(
    engine: MemoryEngine, outbox: Outbox, no_reply: bool
) -> None:
    # Given a step that falls back to SMS when WhatsApp cannot deliver it (and, or not,
    # when no reply comes within a day), sent to Rudi
    followup = sent_with_sms_fallback(engine, no_reply=no_reply)
    # When WhatsApp reports it undeliverable (131026) and the step goes out by SMS
    reported(engine, followup, "failed")
    engine.ticks(3, every=timedelta(minutes=1))
    assert len(outbox.sent) == 1
    # Then the Stats page and the journey's step count one send, no failure and no error,
    # and what the SMS cost
    counts = stats_page(engine, "sent", "failed", "failed_after_send")
    assert counts == {
        "sent": 1,
        "failed": 0,
        "failed_after_send": 0,
        "messaging_cost_usd": SMS_PRICE,
    }
    assert step_sends(engine) == (1, 0)


@pytest.mark.parametrize("no_reply", [False, True])
def test_a_send_refused_after_the_lead_stopped_marketing_goes_by_no_sms_and_counts_an_opt_out(
    engine: MemoryEngine, outbox: Outbox, no_reply: bool
) -> None:
    # Given a step that falls back to SMS when WhatsApp cannot deliver it (and, or not,
    # when no reply comes within a day), sent to Rudi
    followup = sent_with_sms_fallback(engine, no_reply=no_reply)
    # When WhatsApp reports it failed: Rudi stopped marketing from this business (131050),
    # and a day goes by
    reported(engine, followup, "failed", code=131050)
    engine.ticks(26, every=HOUR)
    # Then the marketing message does not reach Rudi by SMS either, and the Stats page and
    # the journey's step count the step's one send and Rudi's opt-out, no failure or error
    assert outbox.sent == []
    counts = stats_page(engine, "sent", "opted_out", "failed", "failed_after_send")
    assert counts == {
        "sent": 1,
        "opted_out": 1,
        "failed": 0,
        "failed_after_send": 0,
        "messaging_cost_usd": 0,
    }
    assert step_sends(engine) == (1, 0)


def test_a_whatsapp_message_followed_by_sms_for_no_reply_counts_one_send(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a step that goes on by SMS when no reply comes within a day, its WhatsApp
    # message delivered to Rudi, priced as marketing
    followup = sent_with_sms_fallback(engine, no_reply=True)
    reported(engine, followup, "delivered", MARKETING)
    # When no reply comes, the step goes on by SMS, and Rudi then answers
    engine.ticks(26, every=HOUR)
    assert len(outbox.sent) == 1
    writes(engine, "ok, how do I apply?")
    # Then the Stats page and the journey's step count the step's one send, delivered and
    # answered once: the SMS followed on the same message; and what each message cost
    counts = stats_page(engine, "sent", "delivered", "responded", "failed")
    assert counts == {
        "sent": 1,
        "delivered": 1,
        "responded": 1,
        "failed": 0,
        "messaging_cost_usd": PRICE + SMS_PRICE,
    }
    assert step_sends(engine) == (1, 0)
    assert cost_by_channel(engine) == {"whatsapp": PRICE, "sms": SMS_PRICE, "email": 0}


@pytest.mark.parametrize("no_reply", [False, True])
def test_a_whatsapp_message_failing_after_its_journey_ended_counts_its_send_and_failure(
    engine: MemoryEngine, outbox: Outbox, no_reply: bool
) -> None:
    # Given a step that falls back to SMS when WhatsApp cannot deliver it (and, or not,
    # when no reply comes within a day), sent to Rudi, whose journey ends when he cancels
    # his booking
    followup = sent_with_sms_fallback(engine, no_reply=no_reply, exit_events=("booking_cancelled",))
    # When the booking tool reports the cancellation, then WhatsApp reports the message
    # undeliverable (131026)
    event = {"type": "custom", "name": "booking_cancelled", "contact": RUDI}
    crm_events.apply(engine.deps, crm_events.Event.model_validate(event).root)
    reported(engine, followup, "failed")
    engine.ticks(3, every=timedelta(minutes=1))
    # Then no SMS goes to Rudi, and the Stats page and the journey's step count what
    # happened: the send, and its failure after it
    assert outbox.sent == []
    counts = stats_page(engine, "sent", "failed", "failed_after_send")
    assert counts == {"sent": 1, "failed": 1, "failed_after_send": 1, "messaging_cost_usd": 0}
    assert step_sends(engine) == (1, 1)


@pytest.mark.parametrize(
    ("text", "answer"), [("ok, how do I apply?", "responded"), ("STOP", "opted_out")]
)
def test_an_answer_to_the_sms_after_the_whatsapp_message_expired_counts_for_the_step(
    engine: MemoryEngine, outbox: Outbox, text: str, answer: str
) -> None:
    # Given a step that goes on by SMS when no reply comes within a day, its WhatsApp
    # message delivered to Rudi, and no reply: the SMS goes, and the WhatsApp message
    # expires three days after its send
    followup = sent_with_sms_fallback(engine, no_reply=True)
    reported(engine, followup, "delivered")
    engine.ticks(74, every=HOUR)
    assert len(outbox.sent) == 1
    assert current(engine, followup).status is Status.EXPIRED
    # When Rudi answers (a reply, or STOP) within three days of the SMS, and WhatsApp
    # delivers his message twice
    at = engine.clock.advance(timedelta(seconds=10))
    message = envelopes.text_message(RUDI, text, at, "wamid.IN-late")
    assert engine.deliver(message) == 200
    assert engine.deliver(message) == 200
    # Then the Stats page and the journey's step count the step's one send, and his answer
    # once, the message no longer expired; and what the SMS cost
    counts = stats_page(engine, "sent", "delivered", "responded", "opted_out", "expired")
    assert counts == {
        "sent": 1,
        "delivered": 1,
        "responded": 0,
        "opted_out": 0,
        "expired": 0,
        answer: 1,
        "messaging_cost_usd": SMS_PRICE,
    }
    assert step_sends(engine) == (1, 0)
    assert step_counts(engine, answer, "expired") == (1, 0)


LONG_SMS = "Hi {first_name|there}, " + "your place in the March intake is still open. " * 4
"""A text SNS sends as two SMS parts (GSM-7, over 160 characters)."""


def sent_by_sms_or_email(engine: Engine, channel: str) -> FollowUp:
    """A follow-up sent to Rudi by the real loop on `channel` (SMS or email), with SNS and
    SES set up (the in-memory engine's outbox; moto's on the other)."""
    if isinstance(engine, MemoryEngine):
        engine.deps.sms = engine.deps.email = Outbox()
    engine.deps.rules.save_rule(rule(steps=[channel_step(channel, LONG_SMS)]))
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, RUDI, quiet, email="rudi@example.com")
    engine.tick()
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert (sent.status, sent.channel) == (Status.SENT, channel)
    return sent


def test_an_sms_costs_its_markets_sms_price_per_part_once(either: Engine) -> None:
    # Given a step that goes by SMS, its text two SMS parts long
    followup = sent_by_sms_or_email(either, "sms")
    assert followup.rendered is not None
    assert sms_parts(followup.rendered.text or "").parts == 2
    # When Rudi answers it
    writes(either, "ok, how do I apply?")
    # Then the Stats page counts the send, and its cost: two SMS at Indonesia's price,
    # counted once
    per_part = rate_card().sms_rate("indonesia")
    assert per_part > 0
    counts = stats_page(either, "sent", "responded")
    assert counts == {"sent": 1, "responded": 1, "messaging_cost_usd": 2 * per_part}
    assert cost_by_channel(either) == {"whatsapp": 0, "sms": 2 * per_part, "email": 0}
    # And the follow-up shows what it cost
    answered = current(either, followup)
    assert answered.pricing is not None
    assert (answered.pricing.category, answered.pricing.market) == ("sms", "indonesia")
    assert answered.pricing.cost_usd == pytest.approx(2 * per_part)


def test_an_email_costs_the_email_price_once(either: Engine) -> None:
    # Given a step that goes by email, sent to Rudi, who never answers it
    sent_by_sms_or_email(either, "email")
    either.clock.advance(73 * HOUR)
    either.tick()
    # Then the Stats page counts the send and its cost, SES's price for one email, once
    counts = stats_page(either, "sent", "expired")
    email = rate_card().email_rate
    assert counts == {"sent": 1, "expired": 1, "messaging_cost_usd": email}
    assert cost_by_channel(either) == {"whatsapp": 0, "sms": 0, "email": email}


@pytest.mark.parametrize(("channel", "cost"), [("sms", 2 * 0.03), ("email", 0.0004)])
def test_workspace_prices_cost_sms_and_email(
    engine: MemoryEngine, channel: str, cost: float
) -> None:
    # Given the workspace's own prices for an SMS part to Indonesia and for an email
    settings = engine.deps.rules.settings()
    update = {"message_rates": {"indonesia": {"sms": 0.03}}, "email_rate": 0.0004}
    engine.deps.rules.save_settings(settings.model_copy(update=update))
    engine.deps.catalog.invalidate()
    # When a step sends Rudi a two-part SMS, or an email
    sent_by_sms_or_email(engine, channel)
    # Then the Stats page counts them at the workspace's prices
    assert stats_page(engine, "sent") == {"sent": 1, "messaging_cost_usd": cost}
