"""What a rule's messages cost on the Stats page when WhatsApp reports a message sent
(naming its price), the follow-up ends never shown delivered (expired, or opted out because
its lead stopped the channel otherwise), and only then reports it delivered or read. The
message was delivered, so WhatsApp billed it: it costs its price, once, and the follow-up
stays as it ended."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Reason, Status
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.service.test_price_never_delivered import (
    ENDINGS,
    MARKETING,
    PRICE,
    RUDI,
    costs,
    current,
    expires,
    reported,
    rule_cost,
    sent_to_rudi,
)


def message_cost(engine: MemoryEngine) -> float:
    """The rule's messaging cost, the same on the Stats page and its journey's page."""
    shown = rule_cost(engine)
    assert shown["messaging_cost_usd"] == shown["journey_messaging_cost_usd"]
    return float(shown["journey_messaging_cost_usd"].expected)


LATE = {"delivered": MARKETING, "read": None}
"""The statuses that show a message delivered, with the price each names (`read` names
none: WhatsApp names it on `sent` and `delivered`)."""


@pytest.mark.parametrize("status", LATE)
@pytest.mark.parametrize("ending", ENDINGS)
def test_a_message_reported_delivered_or_read_after_it_ended_costs_the_price_its_sent_status_named(
    engine: MemoryEngine, ending: str, status: str
) -> None:
    # Given a follow-up WhatsApp reported sent, naming a marketing price, that the expire
    # tick ended before any delivered or read status came
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    reported(engine, wamid, followup.id, "sent")
    ENDINGS[ending](engine, followup.id)
    ended = current(engine, followup.id)
    # When its `delivered` (priced) or `read` (naming no price) status comes late
    reported(engine, wamid, followup.id, status, pricing=LATE[status])
    # Then the follow-up stays as it ended, and the message costs its price
    late = current(engine, followup.id)
    assert (late.status, late.reason) == (ended.status, ended.reason)
    assert message_cost(engine) == PRICE


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_message_delivered_and_read_after_it_ended_and_reported_again_costs_its_price_once(
    engine: MemoryEngine, ending: str
) -> None:
    # Given a follow-up WhatsApp reported sent, priced, that the expire tick ended
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    reported(engine, wamid, followup.id, "sent")
    ENDINGS[ending](engine, followup.id)
    # When its `delivered` and `read` statuses come late, and each is delivered again
    reported(engine, wamid, followup.id, "delivered")
    reported(engine, wamid, followup.id, "read", pricing=None)
    reported(engine, wamid, followup.id, "delivered")
    reported(engine, wamid, followup.id, "read", pricing=None)
    # Then the message costs its price once
    assert message_cost(engine) == PRICE


def test_a_message_delivered_after_it_expired_then_answered_late_counts_one_delivery(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up WhatsApp reported sent (priced), whose lead answered within its
    # window, that the expire tick ended before the answer or any delivered status came
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    reported(engine, wamid, followup.id, "sent")
    written = engine.clock.advance(timedelta(hours=1))
    expires(engine, followup.id)
    # When its `delivered` status comes late, then the answer
    reported(engine, wamid, followup.id, "delivered")
    late = envelopes.text_message(RUDI, "iya kak, boleh", written, "wamid.rudi.2", "Rudi")
    assert engine.deliver(late) == 200
    # Then it counts as answered, delivered once, and costs its price once
    answered = current(engine, followup.id)
    assert answered.status is Status.RESPONDED
    assert rule_cost(engine) == costs(sent=1, delivered=1, dollars=PRICE)


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_message_sent_again_after_it_ended_still_costs_nothing(
    engine: MemoryEngine, ending: str
) -> None:
    # Given a follow-up WhatsApp reported sent, priced, that the expire tick ended
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    reported(engine, wamid, followup.id, "sent")
    ENDINGS[ending](engine, followup.id)
    # When only its `sent` status comes again
    reported(engine, wamid, followup.id, "sent")
    # Then it is never shown delivered: no delivery, and it costs nothing
    assert current(engine, followup.id).reason in (Reason.NO_REPLY, Reason.OPTED_OUT_ELSEWHERE)
    assert rule_cost(engine) == costs(sent=1, delivered=0, dollars=0)
