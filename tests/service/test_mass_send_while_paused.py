"""Turning a rule on while a pause holds its leads still asks before a mass send: the tick
enrolls and queues them at once, and the resume hands them all to the sender together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from followup.services import rules
from followup.services.pausing import pause_number
from followup.services.resume import save_settings
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.memory_engine import MemoryEngine
from tests.service.test_preview_silence_served import LIMIT, RULE, limit_mass_sends
from tests.support.builders import quiet_contact, rule

NUMBER = BUSINESS_NUMBER["phone_number_id"]


def pause_everything(engine: MemoryEngine) -> None:
    read = engine.deps.rules.versioned_settings()
    save_settings(engine.deps, read.item.model_copy(update={"paused": True}), read.revision)


def pause_their_number(engine: MemoryEngine) -> None:
    assert pause_number(engine.deps, NUMBER, "quality FLAGGED", engine.clock.now())


@pytest.mark.parametrize("pause", [pause_everything, pause_their_number])
def test_a_rule_switched_on_while_paused_asks_before_messaging_its_held_leads(
    engine: MemoryEngine, pause: Callable[[MemoryEngine], None]
) -> None:
    # Given a mass-send limit of 2, a rule that is off, and 5 leads on the business number
    # quiet for 30 hours, whom it would enroll at once
    limit_mass_sends(engine)
    rules.create(engine.deps, rule().model_copy(update={"active": False}))
    quiet_since = engine.clock.now() - timedelta(hours=30)
    for n in range(5):
        quiet_contact(engine.deps, f"62811000096{n:02d}", quiet_since, phone_number_id=NUMBER)
    # And sending paused
    pause(engine)
    # When marketing switches the rule on without confirming, it is asked to confirm
    with pytest.raises(rules.MassSend) as asked:
        rules.activate(engine.deps, RULE, confirmed=False)
    assert (asked.value.count, asked.value.limit) == (5, LIMIT)
