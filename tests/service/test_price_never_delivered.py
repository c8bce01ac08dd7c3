"""What a rule's messages cost on the Stats page when WhatsApp names a price on a message's
`sent` status and never delivers it: WhatsApp bills a message when it is delivered, so the
price counts only for a message delivered (or read, or answered), once, whether the
follow-up then expires or ends opted out because its lead stopped the channel otherwise."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from followup.domain.costs import rate_card
from followup.domain.followup import FollowUp, Reason, Status
from followup.services.do_not_contact import stop_contacting
from followup.services.journey_stats import journey_stats
from followup.services.stats import cost_figures, totals
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.service.test_sent_after_all import answer_lost
from tests.support.builders import rule
from tests.support.sender import sent_followup

RUDI = "6281100000571"
RULE = "apply-remind-24h"
MARKETING = {"billable": True, "category": "marketing", "type": "regular"}
PRICE = rate_card().rate("indonesia", "marketing")
HOUR = timedelta(hours=1)


def rule_cost(engine: MemoryEngine) -> dict[str, Any]:
    """The rule's sends, deliveries and messaging cost since the send, as `GET /api/stats`
    sums them, and the messaging cost its journey's page (`/api/rules/{id}/stats`) shows."""
    engine.pump_stream()
    since, until = TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()
    row = totals(engine.deps.stats.stats(since, until))[RULE].counts
    journey = journey_stats(engine.deps, RULE, since, until)
    return {
        "sent": row.get("sent", 0),
        "delivered": row.get("delivered", 0),
        "messaging_cost_usd": pytest.approx(cost_figures(row)["messaging_cost_usd"]),
        "journey_messaging_cost_usd": pytest.approx(journey.messaging_cost_usd),
    }


def costs(sent: int, delivered: int, dollars: float) -> dict[str, Any]:
    """What `rule_cost` should read."""
    return {
        "sent": sent,
        "delivered": delivered,
        "messaging_cost_usd": pytest.approx(dollars),
        "journey_messaging_cost_usd": pytest.approx(dollars),
    }


def reported(
    engine: MemoryEngine, wamid: str, followup_id: str, state: str, pricing: Any = MARKETING
) -> None:
    """WhatsApp's `state` status about message `wamid` to Rudi, priced, 30 s later."""
    at = engine.clock.advance(timedelta(seconds=30))
    document = envelopes.status(wamid, state, at, RUDI, followup_id, pricing)
    assert engine.deliver(document) == 200


def current(engine: MemoryEngine, followup_id: str) -> FollowUp:
    found = engine.deps.followups.followup(followup_id)
    assert found is not None
    return found


def expires(engine: MemoryEngine, followup_id: str) -> None:
    """No answer: the expire tick ends the follow-up at the end of its window."""
    engine.clock.advance(73 * HOUR)
    engine.tick()
    ended = current(engine, followup_id)
    assert (ended.status, ended.reason) == (Status.EXPIRED, Reason.NO_REPLY)


def stopped_elsewhere(engine: MemoryEngine, followup_id: str) -> None:
    """Staff mark the lead do-not-contact; the expire tick then ends the follow-up opted
    out, an opt-out that did not answer this message."""
    followup = current(engine, followup_id)
    stop_contacting(engine.deps, followup.contact_id, "staff@example.com", engine.clock.now())
    engine.clock.advance(73 * HOUR)
    engine.tick()
    ended = current(engine, followup_id)
    assert (ended.status, ended.reason) == (Status.OPTED_OUT, Reason.OPTED_OUT_ELSEWHERE)


ENDINGS: dict[str, Callable[[MemoryEngine, str], None]] = {
    "expired": expires,
    "opted_out_elsewhere": stopped_elsewhere,
}


def sent_to_rudi(engine: MemoryEngine) -> FollowUp:
    """A follow-up sent to Rudi by the real loop, as the rule's approved template."""
    engine.sandbox.templates.approve_all([rule()])
    return sent_followup(engine, RUDI)


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_priced_sent_status_heard_after_an_undelivered_message_ended_costs_nothing(
    engine: MemoryEngine, ending: str
) -> None:
    # Given a follow-up sent to a lead, never reported delivered, that the expire tick
    # ended (expired, or opted out because the lead stopped the channel otherwise)
    followup = sent_to_rudi(engine)
    ENDINGS[ending](engine, followup.id)
    # When WhatsApp's `sent` status about it comes only now (delivered again after its
    # webhook failed), naming a marketing price
    reported(engine, followup.provider_message_id or "", followup.id, "sent")
    # Then the rule counts the send and no delivery, and the message costs nothing:
    # WhatsApp bills a message when it is delivered
    assert rule_cost(engine) == costs(sent=1, delivered=0, dollars=0)


@pytest.mark.parametrize("ending", ENDINGS)
def test_a_send_found_sent_by_a_priced_sent_status_costs_nothing_when_never_delivered(
    engine: MemoryEngine, ending: str
) -> None:
    # Given a follow-up 360dialog took without answering, found sent by WhatsApp's `sent`
    # status about it, which names a marketing price
    engine.sandbox.templates.approve_all([rule()])
    contact_id, request = answer_lost(engine, RUDI)
    followup_id = request.followup_id or ""
    reported(engine, request.wamid or "", followup_id, "sent")
    assert current(engine, followup_id).status is Status.SENT
    # When no delivery is ever reported, and the expire tick ends it (expired, or opted
    # out because the lead stopped the channel otherwise)
    ENDINGS[ending](engine, followup_id)
    # Then the rule counts the send and no delivery, and the message costs nothing
    assert current(engine, followup_id).contact_id == contact_id
    assert rule_cost(engine) == costs(sent=1, delivered=0, dollars=0)


def test_a_delivered_message_that_expires_costs_its_price_once(engine: MemoryEngine) -> None:
    # Given a follow-up WhatsApp reported sent, then delivered, both statuses priced
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    reported(engine, wamid, followup.id, "sent")
    reported(engine, wamid, followup.id, "delivered")
    # When the lead never answers, the expire tick ends it, and its `sent` status comes
    # again after that
    expires(engine, followup.id)
    reported(engine, wamid, followup.id, "sent")
    # Then the rule counts its delivery and its price, once
    assert rule_cost(engine) == costs(sent=1, delivered=1, dollars=PRICE)


def test_a_message_reported_delivered_only_after_it_expired_costs_its_price_once(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up the expire tick ended before any status about it came
    followup = sent_to_rudi(engine)
    wamid = followup.provider_message_id or ""
    expires(engine, followup.id)
    # When WhatsApp's `sent` status, then its `delivered` status come, both priced
    reported(engine, wamid, followup.id, "sent")
    reported(engine, wamid, followup.id, "delivered")
    # Then the message costs its price, once: WhatsApp delivered it, so billed it
    shown = rule_cost(engine)
    assert shown["messaging_cost_usd"] == PRICE
    assert shown["journey_messaging_cost_usd"] == PRICE
