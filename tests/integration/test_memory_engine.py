"""The in-memory engine answers webhook deliveries as the webhook handler on moto does, so
service tests that deliver through it see what 360dialog would see."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

import pytest

from followup.domain.followup import Status
from followup.domain.whatsapp import OutboundMessage
from followup_local import envelopes
from followup_local.engine import LocalEngine, local_engine
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact, rule

Engine = LocalEngine | MemoryEngine


@pytest.fixture(params=["handlers on moto", "services in memory"])
def either(request: pytest.FixtureRequest) -> Iterator[Engine]:
    start: AbstractContextManager[Engine]
    if request.param == "handlers on moto":
        start = local_engine(TUESDAY_9AM_JAKARTA)
    else:
        start = memory_engine(TUESDAY_9AM_JAKARTA)
    with start as running:
        yield running


def test_a_delivery_gets_the_answer_the_webhook_handler_gives(
    either: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead about to get a follow-up, whose delivery report reaches the webhook
    # while the sender still waits for 360dialog's answer
    engine = either
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000401", engine.clock.now() - timedelta(hours=25))
    provider = engine.deps.whatsapp.send
    early: list[int] = []

    def send_then_report(outbound: OutboundMessage) -> str:
        wamid = provider(outbound)
        report = envelopes.status(
            wamid, "delivered", engine.clock.now(), outbound.to, outbound.callback_data
        )
        early.append(engine.deliver(report))
        return wamid

    monkeypatch.setattr(engine.deps.whatsapp, "send", send_then_report)
    engine.tick()
    # Then the early report is refused for a later retry, and a report after the record lands
    assert early == [503]
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.provider_message_id is not None
    at: datetime = engine.clock.now()
    report = envelopes.status(followup.provider_message_id, "read", at, lead.wa_id or "", None)
    assert engine.deliver(report) == 200
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.READ
    # And what WhatsApp could not have sent is refused, changing nothing
    assert engine.deliver({"object": "page", "entry": []}) == 400
    assert engine.deps.followups.followups_of(lead.id) == [followup]
