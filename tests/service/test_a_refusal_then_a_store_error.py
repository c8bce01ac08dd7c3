"""A send WhatsApp refused sent nothing: a store error right after it (before the step's
template goes instead) queues the follow-up again, as any failure before a hand-over does,
instead of leaving it claimed until its deadline gives it up as `outcome_unknown`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


class StoreDown(Exception):
    """DynamoDB throttled a read past its retries."""


def test_the_template_goes_once_after_a_refusal_and_a_store_error(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead we think wrote two hours ago, whose window WhatsApp says is closed
    engine.deps.rules.save_rule(
        rule(trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}})
    )
    lead = quiet_contact(engine.deps, "6281100000611", engine.clock.now() - 2 * HOUR)
    # And the store failing once as the contact is read again after WhatsApp's refusal
    real = engine.deps.contacts.contact
    failed: list[str] = []

    def read(*args: Any, **kwargs: Any) -> Any:
        if len(engine.sandbox.requests) == 1 and not failed:
            failed.append("contact")
            raise StoreDown("contact")
        return real(*args, **kwargs)

    monkeypatch.setattr(engine.deps.contacts, "contact", read)
    # When the engine runs for a few hours, the send queue bringing back what failed
    engine.tick()
    engine.ticks(4, every=HOUR)
    # Then the lead got the step's template, once, and the follow-up shows it sent
    assert failed == ["contact"]
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert [(r.body or {}).get("type") for r in engine.sandbox.sent()] == ["template"]
