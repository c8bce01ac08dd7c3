"""One sending number left after another was removed from D360_NUMBERS while WhatsApp had
it paused: the removed number's stored report pauses nothing, the number left sends (the
follow-ups the removed number held too), and its own reports still pause it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup_local.engine import LOCAL_API_KEY
from followup_local.envelopes import BUSINESS_NUMBER, SECOND_NUMBER
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact, rule
from tests.support.numbers import TWO_NUMBERS, configured, flagged, keep_first, sent_with

HOUR = timedelta(hours=1)
LEFT, GONE = BUSINESS_NUMBER["phone_number_id"], SECOND_NUMBER["phone_number_id"]


@pytest.fixture
def two_numbers() -> Iterator[MemoryEngine]:
    with memory_engine(TUESDAY_9AM_JAKARTA, configured(TWO_NUMBERS)) as running:
        yield running


def test_a_removed_numbers_paused_report_does_not_hold_the_one_number_left(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given WhatsApp flagged the second number, and that number then removed
    assert engine.deliver(flagged(SECOND_NUMBER)) == 200
    keep_first(engine, 1)
    assert engine.deps.catalog.removed_paused() == [GONE]
    # When a lead of the number left is due and the tick runs
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, "6281100000981", quiet, phone_number_id=LEFT)
    engine.tick()
    # Then it is sent from the number left, with its key; nothing says it is paused
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.held_by) == (Status.SENT, None)
    assert sent_with(engine) == {"6281100000981": LOCAL_API_KEY}
    assert engine.deps.catalog.sending_paused(LEFT) is None
    assert engine.deps.catalog.sending_paused() is None


def test_a_follow_up_the_removed_number_held_goes_from_the_one_number_left(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given a lead tied to the second number, held while WhatsApp had that number flagged
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, "6281100000982", quiet, phone_number_id=GONE)
    assert engine.deliver(flagged(SECOND_NUMBER)) == 200
    engine.tick()
    [held] = engine.deps.followups.followups_of(lead.id)
    assert (held.status, held.held_by) == (Status.QUEUED, GONE)
    # When the second number is removed and the next tick runs
    keep_first(engine, 1)
    engine.clock.advance(HOUR)
    engine.tick()
    # Then the follow-up is sent from the number left, not held again
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert (found.status, found.held_by) == (Status.SENT, None)
    assert sent_with(engine) == {"6281100000982": LOCAL_API_KEY}


def test_the_number_left_is_still_paused_by_its_own_report_and_only_for_it(
    two_numbers: MemoryEngine,
) -> None:
    engine = two_numbers
    # Given the removed second number's paused report, and WhatsApp flagging the number left
    assert engine.deliver(flagged(SECOND_NUMBER)) == 200
    keep_first(engine, 1)
    assert engine.deliver(flagged(BUSINESS_NUMBER)) == 200
    # When a lead of the number left is due and the tick runs
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, "6281100000983", quiet, phone_number_id=LEFT)
    engine.tick()
    # Then it waits, unsent, for the number left's own pause; the removed number is not named
    [waiting] = engine.deps.followups.followups_of(lead.id)
    assert waiting.status is Status.QUEUED
    assert engine.sandbox.sent() == []
    assert engine.deps.catalog.sending_paused(LEFT) == (
        f"number {LEFT} paused: WhatsApp rated the number's quality FLAGGED"
    )
