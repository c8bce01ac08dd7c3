"""A number removed from D360_NUMBERS while it was paused: the follow-ups it held go at the
next dispatch tick from the number the contact may still be sent from (the default), or
end with the reason when the rule sends only from the removed number."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup.domain.numbers import OTHER_NUMBER
from followup.services.pausing import pause_number
from followup_local.engine import LOCAL_API_KEY
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact, rule
from tests.support.numbers import TWO_NUMBERS, configured, keep_first, sent_with

HOUR = timedelta(hours=1)
THIRD = {"display_phone_number": "6281234567892", "phone_number_id": "109876543210989"}
GONE = THIRD["phone_number_id"]
NUMBERS = [
    *TWO_NUMBERS,
    {**THIRD, "api_key": "third-number-key"},
]


@pytest.fixture
def three_numbers() -> Iterator[MemoryEngine]:
    with memory_engine(TUESDAY_9AM_JAKARTA, configured(NUMBERS)) as running:
        yield running


def held_on_the_third_number(engine: MemoryEngine, **rule_fields: Any) -> FollowUp:
    """A lead tied to the third number, whose follow-up that number's pause holds."""
    engine.deps.rules.save_rule(rule(**rule_fields))
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, "6281100000951", quiet, phone_number_id=GONE)
    assert pause_number(engine.deps, GONE, "quality FLAGGED", engine.clock.now())
    engine.tick()
    [held] = engine.deps.followups.followups_of(lead.id)
    assert (held.status, held.held_by) == (Status.QUEUED, GONE)
    return held


def test_a_follow_up_held_for_a_removed_number_goes_from_the_default_at_the_next_tick(
    three_numbers: MemoryEngine,
) -> None:
    engine = three_numbers
    # Given a follow-up held while the third number was paused, and that number removed
    held = held_on_the_third_number(engine)
    keep_first(engine, 2)
    # When the next dispatch tick runs
    engine.clock.advance(HOUR)
    engine.tick()
    # Then it is sent from the default number, with its key
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert (found.status, found.held_by) == (Status.SENT, None)
    assert sent_with(engine) == {"6281100000951": LOCAL_API_KEY}


def test_a_follow_up_held_for_a_removed_number_its_rule_keeps_to_ends_saying_why(
    three_numbers: MemoryEngine,
) -> None:
    engine = three_numbers
    # Given a rule that sends only from the third number, one of its follow-ups held while
    # that number was paused, and the number removed
    held = held_on_the_third_number(engine, numbers=[GONE])
    keep_first(engine, 2)
    # When the next dispatch tick runs
    engine.clock.advance(HOUR)
    engine.tick()
    # Then it ends, skipped, saying the rule's number is no longer configured; nothing is sent
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert found.status is Status.SKIPPED
    assert found.reason is not None
    assert found.reason.startswith(f"{OTHER_NUMBER}:")
    assert "no longer configured" in found.reason
    assert engine.sandbox.sent() == []
