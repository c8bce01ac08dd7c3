"""A paused number says since when it is paused and what paused it, as a code the app words
in the reader's language: WhatsApp's later reports about the still-paused number leave
both as they were (only the time of the last report moves), and a resume clears them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from followup.domain.numbers import NumberHealth
from followup.services.numbers import NumberStatus, listing
from followup.services.webhook import resume_number
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact, rule
from tests.support.numbers import flagged
from tests.support.webhook import payload

HOUR = timedelta(hours=1)
NUMBER = BUSINESS_NUMBER["phone_number_id"]


@pytest.fixture
def engine() -> Iterator[MemoryEngine]:
    with memory_engine(TUESDAY_9AM_JAKARTA) as running:
        yield running


def reported(quality: str) -> dict[str, object]:
    """WhatsApp reports the number's quality (`flagged` names it by its display number)."""
    report = flagged(BUSINESS_NUMBER)
    report["entry"][0]["changes"][0]["value"]["event"] = quality
    return report


def shown(engine: MemoryEngine) -> NumberStatus:
    [number] = listing(engine.deps, engine.clock.now())
    return number


def test_later_reports_about_a_flagged_number_keep_since_when_and_why_it_is_paused(
    engine: MemoryEngine,
) -> None:
    # Given WhatsApp flagged the number at 9:00
    flagged_at = engine.clock.now()
    assert engine.deliver(reported("FLAGGED")) == 200
    # When it reports the number still flagged an hour later, then Meta's agent taking it
    # over an hour after that
    engine.clock.advance(HOUR)
    assert engine.deliver(reported("FLAGGED")) == 200
    engine.clock.advance(HOUR)
    assert engine.deliver(payload("standby.json")) == 200
    # Then the number is paused since 9:00, for its quality; only its last report moved
    number = shown(engine)
    assert number.paused
    assert number.paused_at == flagged_at
    assert number.paused_code == "quality:FLAGGED"
    assert "quality FLAGGED" in (number.paused_reason or "")
    assert number.updated_at == flagged_at + HOUR


def test_a_resume_clears_since_when_and_the_next_pause_starts_its_own(
    engine: MemoryEngine,
) -> None:
    # Given the number flagged, then resumed by an admin an hour later
    assert engine.deliver(reported("FLAGGED")) == 200
    engine.clock.advance(HOUR)
    assert resume_number(engine.deps, NUMBER, engine.clock.now())
    # Then it runs, paused since no time and for nothing
    running = shown(engine)
    assert (running.paused, running.paused_at, running.paused_code) == (False, None, None)
    # When WhatsApp rates it RED an hour later, then reports it still RED
    engine.clock.advance(HOUR)
    red_at = engine.clock.now()
    assert engine.deliver(reported("RED")) == 200
    engine.clock.advance(HOUR)
    assert engine.deliver(reported("RED")) == 200
    # Then it is paused since that rating, for it
    number = shown(engine)
    assert (number.paused, number.paused_at, number.paused_code) == (True, red_at, "quality:RED")


def test_a_standby_delivered_again_after_the_resume_leaves_the_number_running(
    engine: MemoryEngine,
) -> None:
    # Given Meta's agent took the number over at 9:00 (a standby, its message dated then),
    # and an admin resumed the number at 9:30 once the agent was off
    standby = payload("standby.json")
    assert engine.deliver(standby) == 200
    assert shown(engine).paused_code == "agent"
    engine.clock.advance(HOUR / 2)
    assert resume_number(engine.deps, NUMBER, engine.clock.now())
    # When 360dialog delivers that standby again at 9:40 (its answer was lost)
    engine.clock.advance(HOUR / 6)
    assert engine.deliver(standby) == 200
    # Then the number runs, and a lead due now is messaged from it
    assert not shown(engine).paused
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000972", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_send_refused_for_spam_pauses_the_number_since_then_with_whatsapps_code(
    engine: MemoryEngine,
) -> None:
    # Given a due lead and WhatsApp refusing the number for spam (131048)
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000971", engine.clock.now() - 25 * HOUR)
    engine.sandbox.fail_next(status=400, code=131048)
    refused_at = engine.clock.now()
    engine.tick()
    # When WhatsApp then rates the number FLAGGED an hour later
    engine.clock.advance(HOUR)
    assert engine.deliver(reported("FLAGGED")) == 200
    # Then it is paused since the refusal, for WhatsApp's error 131048
    number = shown(engine)
    assert (number.paused, number.paused_at) == (True, refused_at)
    assert number.paused_code == "whatsapp:131048"


def test_a_pause_stored_before_its_start_was_kept_says_no_time_after_a_later_report(
    engine: MemoryEngine,
) -> None:
    # Given a pause stored before the time it began was kept
    before = NumberHealth(
        phone_number_id=NUMBER,
        quality="FLAGGED",
        updated_at=engine.clock.now(),
        paused=True,
        paused_reason="WhatsApp rated the number's quality FLAGGED",
    )
    assert engine.deps.rules.save_numbers_from([before], 0)
    # When WhatsApp reports the number still flagged an hour later
    engine.clock.advance(HOUR)
    assert engine.deliver(reported("FLAGGED")) == 200
    # Then it is still paused, since no time said rather than since that report
    number = shown(engine)
    assert (number.paused, number.paused_at) == (True, None)
    assert number.paused_reason == f"number {NUMBER} paused: {before.paused_reason}"
