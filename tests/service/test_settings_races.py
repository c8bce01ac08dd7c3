"""The engine's own settings changes read again when someone saved meanwhile: a pause
keeps an admin's save made while it was being written, and the admin's save keeps it."""

from __future__ import annotations

from typing import cast

from followup.services.pausing import pause_workspace
from followup.services.ports import RuleRepository
from followup_local.memory_engine import MemoryEngine
from tests.support.races import AdminSavesFirst


def test_a_pause_keeps_an_admins_save_made_while_it_was_written(engine: MemoryEngine) -> None:
    # Given an admin who saves a new time zone while the engine pauses sending
    racing = AdminSavesFirst(engine.deps.rules, {"timezone": "Asia/Makassar"})
    engine.deps.rules = cast(RuleRepository, racing)

    # When our API key is refused and the engine pauses everything
    pause_workspace(engine.deps, "the API key was refused")

    # Then both stand: the pause read the settings again and kept the admin's change
    assert racing.raced
    saved = engine.deps.rules.settings()
    assert (saved.timezone, saved.paused) == ("Asia/Makassar", True)
    assert saved.paused_reason == "the API key was refused"
    assert engine.deps.catalog.sending_paused()
