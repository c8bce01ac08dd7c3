"""PUT /api/settings names the revision its page read: a save made from a stale read is
refused with 409 and says so, so two admins (or an admin and the engine pausing) never
silently overwrite each other's change."""

from __future__ import annotations

from followup.adapters.tables import StateItem
from followup.domain.numbers import NumberHealth
from followup.domain.settings import WorkspaceSettings
from followup.services.pausing import pause_number, pause_workspace
from followup_local.engine import LocalEngine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA as T0
from tests.support.api import call


def test_a_save_from_a_stale_read_is_refused_and_the_other_save_stands(
    engine: LocalEngine,
) -> None:
    # Given two admins who opened the settings at the same revision
    _, first = call(engine, "GET", "/api/settings")
    _, second = call(engine, "GET", "/api/settings")
    assert first["revision"] == second["revision"]

    # When the first saves a new time zone, then the second saves a new attempt count
    status, saved = call(engine, "PUT", "/api/settings", {**first, "timezone": "Asia/Makassar"})
    assert status == 200
    assert saved["revision"] == first["revision"] + 1
    status, refused = call(engine, "PUT", "/api/settings", {**second, "max_attempts": 9})

    # Then the second is refused in words, and the first one's change is what is saved
    assert status == 409
    assert refused["error"]["code"] == "stale_settings"
    assert "changed since you read them" in refused["error"]["message"]
    _, now = call(engine, "GET", "/api/settings")
    assert (now["timezone"], now["max_attempts"]) == ("Asia/Makassar", first["max_attempts"])
    assert now["revision"] == saved["revision"]

    # And a save made from the fresh read goes through
    status, again = call(engine, "PUT", "/api/settings", {**now, "max_attempts": 9})
    assert status == 200
    assert (again["timezone"], again["max_attempts"]) == ("Asia/Makassar", 9)


def test_a_save_with_no_change_saves_nothing_and_leaves_a_colleague_s_edit_standing(
    engine: LocalEngine,
) -> None:
    # Given two admins who opened the settings at the same revision
    _, mine = call(engine, "GET", "/api/settings")
    _, theirs = call(engine, "GET", "/api/settings")
    # When one presses Save with no change, and sends it again (its answer was lost)
    for _ in range(2):
        status, saved = call(engine, "PUT", "/api/settings", mine)
        assert (status, saved["revision"]) == (200, mine["revision"])
    # Then the other's change, made on the same read, is saved
    status, answer = call(engine, "PUT", "/api/settings", {**theirs, "max_attempts": 9})
    assert (status, answer["max_attempts"]) == (200, 9)
    # And the audit log holds that change alone, no empty entry
    _, log = call(engine, "GET", "/api/audit")
    entries = [e for e in log["entries"] if e["action"] == "settings.updated"]
    assert [e["after"] for e in entries] == ["max_attempts: 9"]
    # While the first admin's save, now from a stale read with a change, is still refused
    status, refused = call(engine, "PUT", "/api/settings", {**mine, "max_attempts": 8})
    assert (status, refused["error"]["code"]) == (409, "stale_settings")


def test_an_admin_save_read_before_the_engine_paused_does_not_resume_sending(
    engine: LocalEngine,
) -> None:
    # Given an admin's page read while sending was on
    _, read = call(engine, "GET", "/api/settings")
    assert read["paused"] is False

    # When the engine pauses everything (our API key was refused), then the admin saves
    pause_workspace(engine.deps, "the API key was refused")
    status, _ = call(engine, "PUT", "/api/settings", {**read, "max_attempts": 9})

    # Then the save is refused and sending stays paused, with the engine's reason
    assert status == 409
    _, now = call(engine, "GET", "/api/settings")
    assert (now["paused"], now["paused_reason"]) == (True, "the API key was refused")
    assert now["max_attempts"] == read["max_attempts"]


def test_settings_saved_before_revisions_were_kept_can_be_changed(engine: LocalEngine) -> None:
    # Given settings stored by an earlier release, with no revision on the item
    legacy = WorkspaceSettings(timezone="Asia/Makassar").model_dump_json()
    StateItem("settings", doc=legacy).save()
    _, read = call(engine, "GET", "/api/settings")
    assert (read["timezone"], read["revision"]) == ("Asia/Makassar", 0)

    # When the engine pauses everything, and an admin then saves from a fresh read
    pause_workspace(engine.deps, "the API key was refused")
    _, paused = call(engine, "GET", "/api/settings")
    status, saved = call(engine, "PUT", "/api/settings", {**paused, "max_attempts": 9})

    # Then both writes went through, each from the revision read
    assert paused["paused"] is True
    assert status == 200
    assert (saved["timezone"], saved["paused"], saved["max_attempts"]) == ("Asia/Makassar", True, 9)
    assert saved["revision"] == 2


def test_numbers_reported_on_before_revisions_were_kept_can_be_paused(
    engine: LocalEngine,
) -> None:
    # Given a number's report stored by an earlier release, with no revision on the item
    good = NumberHealth(
        phone_number_id="109876543210987", quality="GREEN", updated_at=T0, paused=False
    )
    StateItem("numbers", doc=f"[{good.model_dump_json()}]").save()
    # When a send error pauses it
    assert pause_number(engine.deps, "109876543210987", "spam (131048)", T0)
    # Then it is paused, saying why
    [paused] = engine.deps.rules.numbers()
    assert (paused.quality, paused.paused, paused.paused_reason) == ("GREEN", True, "spam (131048)")
