"""What a rule's messages cost on the Stats page when WhatsApp sends no `delivered` status:
a message read (or answered) at once may get none, and its `read` status names no price,
so the price its `sent` status named is the only one. The message was delivered, so
WhatsApp billed it: it costs that price, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.service.test_price_never_delivered import (
    ENDINGS,
    PRICE,
    RUDI,
    costs,
    current,
    expires,
    reported,
    rule_cost,
    sent_to_rudi,
)
from tests.service.test_sent_after_all import answer_lost
from tests.support.builders import rule


def replied(engine: MemoryEngine, text: str) -> None:
    """Rudi writes `text` back, a minute later."""
    at = engine.clock.advance(timedelta(minutes=1))
    assert engine.deliver(envelopes.text_message(RUDI, text, at, "wamid.rudi.1", "Rudi")) == 200


def test_a_message_read_without_a_delivered_status_costs_the_price_its_sent_status_named(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up WhatsApp reported sent, naming a marketing price
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    reported(engine, wamid, followup.id, "sent")
    # When the lead reads it at once: no `delivered` status, and the `read` one names no price
    reported(engine, wamid, followup.id, "read", pricing=None)
    # Then the rule counts it delivered, and it costs its price
    assert current(engine, followup.id).status is Status.READ
    assert rule_cost(engine) == costs(sent=1, delivered=1, dollars=PRICE)


def test_a_send_found_by_its_priced_sent_status_then_read_costs_its_price(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up 360dialog took without answering, found sent by WhatsApp's `sent`
    # status about it, which names a marketing price
    engine.sandbox.templates.approve_all([rule()])
    _, request = answer_lost(engine, RUDI)
    followup_id, wamid = request.followup_id or "", request.wamid or ""
    reported(engine, wamid, followup_id, "sent")
    assert current(engine, followup_id).status is Status.SENT
    # When the lead reads it at once, with no `delivered` status and no price on `read`
    reported(engine, wamid, followup_id, "read", pricing=None)
    # Then the rule counts it sent and delivered, and it costs its price
    assert current(engine, followup_id).status is Status.READ
    assert rule_cost(engine) == costs(sent=1, delivered=1, dollars=PRICE)


def test_a_message_answered_without_a_delivered_status_costs_its_price(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up WhatsApp reported sent, naming a marketing price
    followup = sent_to_rudi(engine)
    reported(engine, followup.provider_message_id or "", followup.id, "sent")
    # When the lead answers before any `delivered` or `read` status comes
    replied(engine, "boleh kak, info dong")
    # Then the rule counts it delivered and answered, and it costs its price
    assert current(engine, followup.id).status is Status.RESPONDED
    assert rule_cost(engine) == costs(sent=1, delivered=1, dollars=PRICE)


def test_a_message_read_then_reported_delivered_late_and_expired_costs_its_price_once(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up reported sent (priced), then read with no `delivered` status
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    reported(engine, wamid, followup.id, "sent")
    reported(engine, wamid, followup.id, "read", pricing=None)
    # When its `delivered` status comes late, priced too, and then the lead never answers
    reported(engine, wamid, followup.id, "delivered")
    expires(engine, followup.id)
    # Then the rule counts one delivery and the price once
    assert rule_cost(engine) == costs(sent=1, delivered=1, dollars=PRICE)


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_message_reported_only_sent_costs_nothing_when_it_ends_undelivered(
    engine: MemoryEngine, ending: str
) -> None:
    # Given a follow-up WhatsApp reported sent, naming a marketing price, and nothing more
    followup = sent_to_rudi(engine)
    reported(engine, followup.provider_message_id or "", followup.id, "sent")
    # When the expire tick ends it (expired, or opted out because the lead stopped the
    # channel otherwise), never shown delivered
    ENDINGS[ending](engine, followup.id)
    # Then the rule counts the send and no delivery, and the message costs nothing
    assert rule_cost(engine) == costs(sent=1, delivered=0, dollars=0)


def test_a_message_answered_only_after_it_expired_costs_the_price_its_sent_status_named(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up WhatsApp reported sent (priced), whose lead answered within its
    # window, and no `delivered` or `read` status about it
    followup = sent_to_rudi(engine)
    reported(engine, followup.provider_message_id or "", followup.id, "sent")
    written = engine.clock.advance(timedelta(hours=1))
    # When the expire tick ends it before the answer is heard, and the answer comes late
    expires(engine, followup.id)
    late = envelopes.text_message(RUDI, "iya kak, boleh", written, "wamid.rudi.2", "Rudi")
    assert engine.deliver(late) == 200
    # Then it counts as answered and delivered, and costs its price once
    assert current(engine, followup.id).status is Status.RESPONDED
    assert rule_cost(engine) == costs(sent=1, delivered=1, dollars=PRICE)
