"""The workspace's pause says since when: set when an admin's save or the engine pauses
sending, kept by every later save while it stays paused (whatever the save carried back),
and gone once sending resumes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from followup.domain.settings import WorkspaceSettings
from followup.services.pausing import pause_workspace
from followup.services.resume import save_settings
from followup_local.memory_engine import MemoryEngine

HOUR = timedelta(hours=1)
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def admin_saves(engine: MemoryEngine, **changes: Any) -> WorkspaceSettings:
    """An admin's save of the settings as read now, with `changes`: what is saved."""
    read = engine.deps.rules.versioned_settings()
    save_settings(engine.deps, read.item.model_copy(update=changes), read.revision)
    return engine.deps.rules.settings()


def test_an_admins_pause_is_since_the_save_that_made_it_until_sending_resumes(
    engine: MemoryEngine,
) -> None:
    # Given sending on
    assert engine.deps.rules.settings().paused_at is None
    # When an admin pauses everything
    paused_at = engine.clock.now()
    assert admin_saves(engine, paused=True).paused_at == paused_at
    # And an hour later saves another setting, from a page read before and carrying
    # another time back
    engine.clock.advance(HOUR)
    saved = admin_saves(engine, max_attempts=9, paused_at=LONG_AGO)
    # Then the pause is still since the first save
    assert (saved.paused, saved.max_attempts, saved.paused_at) == (True, 9, paused_at)
    # When the admin resumes sending
    resumed = admin_saves(engine, paused=False)
    # Then the pause and its time are gone
    assert (resumed.paused, resumed.paused_at) == (False, None)


def test_a_save_that_pauses_takes_its_own_time_not_the_one_it_carries(
    engine: MemoryEngine,
) -> None:
    # When an admin's save pauses sending, carrying a time of its own
    saved = admin_saves(engine, paused=True, paused_at=LONG_AGO)
    # Then the pause is since the save
    assert saved.paused_at == engine.clock.now()


def test_a_save_while_not_paused_stores_no_time(engine: MemoryEngine) -> None:
    # When a save that leaves sending on carries a time
    saved = admin_saves(engine, max_attempts=9, paused_at=LONG_AGO)
    # Then no pause time is stored
    assert (saved.paused, saved.paused_at) == (False, None)


def test_the_engines_pause_is_since_it_paused_and_an_admins_save_keeps_it(
    engine: MemoryEngine,
) -> None:
    # When our API key is refused and the engine pauses everything
    paused_at = engine.clock.now()
    pause_workspace(engine.deps, "the API key was refused")
    # Then the pause says why and since when
    paused = engine.deps.rules.settings()
    assert (paused.paused_reason, paused.paused_at) == ("the API key was refused", paused_at)
    # And an admin's save of another setting a day later keeps both
    engine.clock.advance(24 * HOUR)
    saved = admin_saves(engine, max_attempts=9)
    assert (saved.paused_reason, saved.paused_at) == ("the API key was refused", paused_at)
    # And resuming clears both
    resumed = admin_saves(engine, paused=False)
    assert (resumed.paused_reason, resumed.paused_at) == (None, None)


def test_a_pause_stored_without_a_time_stays_without_one_while_it_holds(
    engine: MemoryEngine,
) -> None:
    # Given a pause stored before its time was kept
    engine.deps.rules.save_settings(WorkspaceSettings(paused=True, paused_reason="by hand"))
    # When an admin saves another setting
    saved = admin_saves(engine, max_attempts=9)
    # Then it is still paused, since no time the engine knows
    assert (saved.paused, saved.paused_reason, saved.paused_at) == (True, "by hand", None)
