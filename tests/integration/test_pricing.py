"""The price WhatsApp puts on each message, recorded from its status webhooks, on moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from benchmarks.cost import KB, Bill, Meter, item_size, metered_engine
from followup.domain.followup import FollowUp, Status
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.sender import sent_followup
from tests.support.webhook import payload, post

RUDI = "6281100000521"
MARKETING = {"billable": True, "category": "marketing", "type": "regular"}
WHATSAPP_SAID = {"billable", "category", "type"}


def status_of(
    engine: LocalEngine, followup: FollowUp, state: str, pricing: dict[str, object] | None = None
) -> int:
    """Deliver a `state` status (with `pricing`) for `followup`, 30 s on."""
    at = engine.clock.advance(timedelta(seconds=30))
    wamid = followup.provider_message_id or ""
    return engine.deliver(envelopes.status(wamid, state, at, RUDI, followup.id, pricing))


def current(engine: LocalEngine, followup: FollowUp) -> FollowUp:
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    return found


def test_a_delivered_status_records_its_pricing(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    document = payload("status-delivered.json")
    status = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["id"], status["biz_opaque_callback_data"] = followup.provider_message_id, followup.id
    assert post(engine, document)["statusCode"] == 200
    delivered = current(engine, followup)
    assert delivered.status is Status.DELIVERED
    assert delivered.pricing is not None
    assert delivered.pricing.model_dump(include=WHATSAPP_SAID) == MARKETING


def test_a_free_service_message_is_recorded_not_billable(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    free = {"billable": False, "category": "service", "type": "free_customer_service"}
    assert status_of(engine, followup, "read", free) == 200
    pricing = current(engine, followup).pricing
    assert pricing is not None
    assert pricing.model_dump(include=WHATSAPP_SAID) == free


def test_pricing_heard_after_the_reply_is_recorded_too(engine: LocalEngine) -> None:
    # Given a follow-up the contact answered before its delivered status came
    followup = sent_followup(engine, RUDI)
    at = engine.clock.advance(timedelta(seconds=10))
    assert engine.deliver(envelopes.text_message(RUDI, "ok", at, "wamid.IN1")) == 200
    assert current(engine, followup).status is Status.RESPONDED
    # When the delivered status arrives, priced
    assert status_of(engine, followup, "delivered", MARKETING) == 200
    # Then it stays responded and its price is known
    answered = current(engine, followup)
    assert answered.status is Status.RESPONDED
    assert answered.pricing is not None
    assert answered.pricing.model_dump(include=WHATSAPP_SAID) == MARKETING


def test_a_message_meta_then_kept_for_its_experiment_costs_nothing(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    assert status_of(engine, followup, "delivered", MARKETING) == 200
    document = payload("status-failed-131047.json")
    status = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    status["id"], status["biz_opaque_callback_data"] = followup.provider_message_id, followup.id
    status["timestamp"] = str(int(engine.clock.advance(timedelta(seconds=5)).timestamp()))
    status["errors"][0]["code"] = 130472
    assert post(engine, document)["statusCode"] == 200
    skipped = current(engine, followup)
    assert (skipped.status, skipped.pricing) == (Status.SKIPPED, None)


@pytest.fixture
def metered() -> Iterator[tuple[LocalEngine, Meter]]:
    with metered_engine(Bill()) as running:
        yield running


def test_a_priced_read_follow_up_is_still_under_one_kilobyte(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    followup = sent_followup(engine, RUDI)
    assert status_of(engine, followup, "delivered", MARKETING) == 200
    assert status_of(engine, followup, "read", MARKETING) == 200
    stored = meter.item("followups", {"id": {"S": followup.id}})
    assert stored["status"] == {"S": "read"}
    assert item_size(stored) < KB
