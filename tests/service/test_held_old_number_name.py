"""A single-number workspace that sent before `D360_PHONE_NUMBER_ID` was set: the number
went by its display number (`D360_NUMBER`), or by the default name when neither was given.
What its pause held then goes once the number, configured by its id since, is resumed;
while it stays paused, its pause stored under that name is its own, not a removed
number's, and what it held stays held, untouched by the ticks, its queue counted once."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup.domain.numbers import DEFAULT_NUMBER, Numbers, SendingNumber
from followup.services import rules
from followup.services import settings as workspace
from followup.services.number_pause import held_names
from followup.services.ports import Change, FollowUpChange
from followup.services.webhook import resume_number
from followup_local.engine import LOCAL_API_KEY
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_contact, rule
from tests.support.numbers import flagged, sent_with

HOUR = timedelta(hours=1)
NUMBER_ID = BUSINESS_NUMBER["phone_number_id"]
DISPLAY = BUSINESS_NUMBER["display_phone_number"]


@pytest.fixture(params=[DISPLAY, DEFAULT_NUMBER], ids=["by its display number", "unnamed"])
def without_its_id(request: pytest.FixtureRequest) -> Iterator[MemoryEngine]:
    """The one number configured without `D360_PHONE_NUMBER_ID`: it goes by `D360_NUMBER`
    (its display number), or by the default name when that is not given either."""
    settings = {"D360_PHONE_NUMBER_ID": "", "D360_NUMBER": request.param}
    with memory_engine(TUESDAY_9AM_JAKARTA, settings) as running:
        assert running.deps.numbers.ids == [request.param]
        yield running


def configure_its_id(engine: MemoryEngine) -> None:
    """A new deploy: D360_PHONE_NUMBER_ID names the number, D360_NUMBER its display number."""
    number = SendingNumber(phone_number_id=NUMBER_ID, display_phone_number=DISPLAY)
    engine.deps.numbers = Numbers((number,))
    engine.deps.start_cold()


def held_while_flagged(engine: MemoryEngine, wa_id: str) -> FollowUp:
    """A lead's follow-up, held while WhatsApp had the number flagged."""
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, wa_id, quiet)
    assert engine.deliver(flagged(BUSINESS_NUMBER)) == 200
    engine.tick()
    [held] = engine.deps.followups.followups_of(lead.id)
    assert held.status is Status.QUEUED
    assert engine.sandbox.sent() == []
    return held


def test_a_follow_up_held_before_the_number_had_its_id_goes_when_the_number_is_resumed(
    without_its_id: MemoryEngine,
) -> None:
    engine = without_its_id
    # Given a follow-up held while the number, not yet configured by its id, was flagged
    held = held_while_flagged(engine, "6281100000991")
    # And a deploy that configures the number's id, the number still paused
    configure_its_id(engine)
    engine.clock.advance(HOUR)
    # When an admin resumes the number by its id, before the next tick
    assert resume_number(engine.deps, NUMBER_ID, engine.clock.now())
    engine.drain()
    # Then the follow-up goes out at once, with the number's key
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert (found.status, found.held_by) == (Status.SENT, None)
    assert sent_with(engine) == {"6281100000991": LOCAL_API_KEY}


def test_a_follow_up_held_under_the_old_name_goes_at_the_next_tick_once_the_number_sends(
    without_its_id: MemoryEngine,
) -> None:
    engine = without_its_id
    # Given a follow-up held while the number, not yet configured by its id, was flagged
    held = held_while_flagged(engine, "6281100000992")
    # And a deploy that configures the number's id, then the number resumed, the container
    # stopping before it released what the number held
    configure_its_id(engine)
    workspace.change_numbers(
        engine.deps,
        lambda reports: [r.model_copy(update={"paused": False}) for r in reports],
    )
    assert engine.deps.catalog.sending_paused(NUMBER_ID) is None
    # When the next tick runs
    engine.clock.advance(HOUR)
    engine.tick()
    # Then the follow-up goes out, with the number's key
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert (found.status, found.held_by) == (Status.SENT, None)
    assert sent_with(engine) == {"6281100000992": LOCAL_API_KEY}


def flagged_under_its_id_too(engine: MemoryEngine) -> None:
    """WhatsApp flags the number again, now reported under its id."""
    at = engine.clock.now()

    def also_by_id(reports: list[Any]) -> list[Any]:
        [old] = reports
        by_id = old.model_copy(update={"phone_number_id": NUMBER_ID, "updated_at": at})
        return [old, by_id]

    workspace.change_numbers(engine.deps, also_by_id)


def writes_to(engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, followup_id: str) -> list[str]:
    """Each status the follow-up is written in from now on (a release, a hold)."""
    written: list[str] = []
    commit = engine.deps.commit

    def counting(changes: Sequence[Change], at: datetime) -> None:
        commit(changes, at)
        for change in changes:
            if isinstance(change, FollowUpChange) and change.followup.id == followup_id:
                written.append(f"{change.followup.status}:{change.followup.held_by}")

    monkeypatch.setattr(engine.deps, "commit", counting)
    return written


@pytest.mark.parametrize("by_id", [False, True], ids=["its old report", "reported by id too"])
def test_a_number_paused_under_its_old_name_keeps_what_it_held_tick_after_tick(
    without_its_id: MemoryEngine, monkeypatch: pytest.MonkeyPatch, by_id: bool
) -> None:
    engine = without_its_id
    # Given a follow-up held while the number, not yet configured by its id, was flagged
    held = held_while_flagged(engine, "6281100000981")
    # And a deploy that configures the number's id, the number still paused
    configure_its_id(engine)
    if by_id:
        flagged_under_its_id_too(engine)
    assert engine.deps.catalog.sending_paused(NUMBER_ID) is not None
    written = writes_to(engine, monkeypatch, held.id)
    # When the ticks run for a day
    for _ in range(24):
        engine.clock.advance(HOUR)
        engine.tick()
        engine.drain()
    # Then nothing is sent, the follow-up still waits for the number, never released and
    # held again, and the queue counts it once
    assert engine.sandbox.sent() == []
    found = engine.deps.followups.followup(held.id)
    assert found is not None
    assert found.status is Status.QUEUED
    assert found.held_by is not None
    assert written == []
    names = [*held_names(engine.deps), *engine.deps.catalog.removed_paused()]
    assert engine.deps.followups.unsent_count(names) == 1


def test_a_rule_limited_to_the_number_by_its_display_number_sends_once_it_has_its_id() -> None:
    settings = {"D360_PHONE_NUMBER_ID": "", "D360_NUMBER": DISPLAY}
    with memory_engine(TUESDAY_9AM_JAKARTA, settings) as engine:
        # Given a rule limited to the one number as it went then, by its display number,
        # and a lead whose follow-up is queued for tomorrow 08:00 (18:00 now, after hours)
        engine.deps.rules.save_rule(rule(numbers=[DISPLAY]))
        engine.clock.advance(9 * HOUR)
        lead = quiet_contact(engine.deps, "6281100000961", engine.clock.now() - 25 * HOUR)
        engine.tick()
        [queued] = engine.deps.followups.followups_of(lead.id)
        # When a deploy sets the number's id, and the hourly ticks run to the morning
        configure_its_id(engine)
        for _ in range(16):
            engine.clock.advance(HOUR)
            engine.tick()
            engine.drain()
        # Then the follow-up went from the number, and the rule still saves as it is
        found = engine.deps.followups.followup(queued.id)
        assert found is not None
        assert (found.status, found.reason) == (Status.SENT, None)
        saved = engine.deps.catalog.rule(found.rule_id, found.rule_version)
        assert saved is not None
        assert rules.problems(engine.deps, saved)[0] == []
