"""GET /api/settings says since when sending is paused (`paused_at`): the server sets it
when a save or the engine pauses the workspace, keeps it through later saves, whatever
they carry back, and clears it once sending resumes."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup.services.pausing import pause_workspace
from followup_local.engine import LocalEngine
from tests.support.api import call

LONG_AGO = "2020-01-01T00:00:00Z"


def since(answer: dict[str, object]) -> datetime | None:
    at = answer["paused_at"]
    return None if at is None else datetime.fromisoformat(str(at))


def test_an_admins_pause_says_since_when_until_sending_resumes(engine: LocalEngine) -> None:
    # Given sending on
    _, read = call(engine, "GET", "/api/settings")
    assert read["paused_at"] is None
    # When an admin pauses everything, the page sending back a time of its own
    paused_at = engine.clock.now()
    status, paused = call(
        engine, "PUT", "/api/settings", {**read, "paused": True, "paused_at": LONG_AGO}
    )
    # Then the pause is since the save, in the answer and when read again
    assert status == 200
    assert since(paused) == paused_at
    _, shown = call(engine, "GET", "/api/settings")
    assert since(shown) == paused_at
    # When, an hour later, the admin saves another setting carrying another time back
    engine.clock.advance(timedelta(hours=1))
    changed = {**shown, "max_attempts": 9, "paused_at": LONG_AGO}
    status, saved = call(engine, "PUT", "/api/settings", changed)
    # Then the pause is still since the first save
    assert status == 200
    assert (saved["paused"], saved["max_attempts"], since(saved)) == (True, 9, paused_at)
    # When the admin resumes sending
    status, resumed = call(engine, "PUT", "/api/settings", {**saved, "paused": False})
    # Then the time is gone with the pause
    assert status == 200
    assert (resumed["paused"], resumed["paused_at"]) == (False, None)
    assert call(engine, "GET", "/api/settings")[1]["paused_at"] is None


def test_the_engines_pause_says_since_when_and_an_admins_save_keeps_it(
    engine: LocalEngine,
) -> None:
    # When our API key is refused and the engine pauses everything
    paused_at = engine.clock.now()
    pause_workspace(engine.deps, "the API key was refused")
    # Then the settings say why and since when
    _, paused = call(engine, "GET", "/api/settings")
    assert (paused["paused_reason"], since(paused)) == ("the API key was refused", paused_at)
    # And an admin's save of another setting a day later keeps both
    engine.clock.advance(timedelta(days=1))
    status, saved = call(engine, "PUT", "/api/settings", {**paused, "max_attempts": 9})
    assert status == 200
    assert (saved["paused_reason"], since(saved)) == ("the API key was refused", paused_at)
