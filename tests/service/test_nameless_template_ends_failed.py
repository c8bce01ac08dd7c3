"""A template message that lost its name on the way (a fault of ours: WhatsApp cannot
take it) is never handed over: its follow-up ends `failed` at once, saying what the
message lacks, rather than staying `sending` until its deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup.domain.messaging import compose
from followup.services import send
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


def test_a_template_without_its_name_ends_failed_and_nothing_is_sent(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead quiet for 25 h, whose step's template reaches the sender without a name
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000992", engine.clock.now() - 25 * HOUR)

    def nameless(*args: Any, **kwargs: Any) -> Any:
        message = compose(*args, **kwargs)
        return message and message.model_copy(update={"template_name": None})

    monkeypatch.setattr(send, "compose", nameless)
    # When the tick sends it
    engine.tick()
    # Then WhatsApp is asked for nothing, and the follow-up ends failed with why
    assert engine.sandbox.requests == []
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.reason) == (
        Status.FAILED,
        "rule_error: a template message without its name or language",
    )
