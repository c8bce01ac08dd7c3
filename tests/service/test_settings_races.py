"""The engine's own changes to the settings and the numbers' health read again when
someone saved meanwhile: a pause keeps an admin's save made while it was being written,
and a quality report keeps a pause."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from followup.domain.numbers import NumberHealth
from followup.services.pausing import pause_number, pause_workspace
from followup.services.ports import RuleRepository
from followup_local.memory_engine import MemoryEngine
from tests.support.races import AdminSavesFirst
from tests.support.webhook import payload


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


class PausedMeanwhile:
    """The real rules repository, except that another container pauses `number` just
    before the first write of the numbers' health made through it."""

    def __init__(self, real: RuleRepository, pause: Callable[[], object]) -> None:
        self._real, self._pause = real, pause
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def save_numbers_from(self, reports: list[NumberHealth], revision: int) -> bool:
        if not self.raced:
            self.raced = True
            self._pause()
        return self._real.save_numbers_from(reports, revision)


def test_a_quality_report_keeps_a_pause_made_while_it_was_written(engine: MemoryEngine) -> None:
    # Given a send error pausing the number while WhatsApp's quality report about it
    # (unflagged) is being recorded
    deps = engine.deps
    number = deps.sending_number
    other_container = replace(deps)
    racing = PausedMeanwhile(
        deps.rules,
        lambda: pause_number(other_container, number, "spam (131048)", engine.clock.now()),
    )
    deps.rules = cast(RuleRepository, racing)
    unflagged = payload("quality-flagged.json")
    unflagged["entry"][0]["changes"][0]["value"]["event"] = "UNFLAGGED"

    # When the report is recorded
    assert engine.deliver(unflagged) == 200

    # Then both stand: the report read the health again and kept the pause
    assert racing.raced
    [health] = deps.rules.numbers()
    assert (health.quality, health.paused) == ("UNFLAGGED", True)
    assert health.paused_reason == "spam (131048)"
    assert deps.catalog.sending_paused(number) is not None
