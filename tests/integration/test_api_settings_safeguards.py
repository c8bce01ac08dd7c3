"""Settings that would switch a safeguard off are refused by field, on a check and on a save,
and nothing saved changes; the least values that still work are taken."""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date, timedelta
from typing import Any

import pytest

from followup.adapters.tables import StateItem
from followup_local.engine import LocalEngine
from tests.support.api import call

NONE = {"amount": 0, "unit": "hours"}
AN_HOUR = {"amount": 60, "unit": "minutes"}


def _changed(settings: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    changed = deepcopy(settings)
    *parents, last = path.split(".")
    held = changed
    for part in parents:
        held = held[part]
    held[last] = value
    return changed


REFUSED = [
    pytest.param("gating.frequency_cap.per", NONE, "1 hour", id="a frequency cap over 0 hours"),
    pytest.param("expire_after", NONE, "1 hour", id="expiry after 0 hours"),
    pytest.param("trigger_lookback", NONE, "1 hour", id="a lookback of 0 hours"),
    pytest.param(
        "opt_out_keywords", ["", "  "], "no reply would match", id="blank opt-out keywords"
    ),
    pytest.param(
        "opt_out_keywords",
        ["Cukup", "cukup", "CUKUP"],
        "keyword 1 again",
        id="an opt-out keyword again in other capitals",
    ),
    pytest.param(
        "opt_out_keywords",
        [f"k{n}" for n in range(10_000)],
        "at most 50",
        id="10,000 opt-out keywords",
    ),
    pytest.param(
        "opt_out_keywords",
        ["x" * 100_000],
        "at most 64",
        id="an opt-out keyword of 100,000 characters",
    ),
    pytest.param(
        "message_rates",
        {"atlantis": {"marketing": 0.1}},
        "unknown market 'atlantis'",
        id="a rate for a market the rate card does not name",
    ),
    pytest.param(
        "send_window.blackout_days",
        ["sat", "sun", "sat"],
        "sat is listed twice",
        id="a blackout day twice",
    ),
    pytest.param(
        "send_window.custom_holidays",
        ["2026-12-25", "2026-12-31", "2026-12-25"],
        "2026-12-25 is listed twice",
        id="a holiday twice",
    ),
    pytest.param(
        "send_window.holiday_countries",
        ["ID", "BR", "id"],
        "ID is listed twice",
        id="a holiday country twice, once in small letters",
    ),
    pytest.param("attribution_window", NONE, "1 hour", id="an attribution window of 0 hours"),
    pytest.param(
        "send_window.custom_holidays",
        [(date(2026, 1, 1) + timedelta(days=n)).isoformat() for n in range(1001)],
        "at most 1,000 dates",
        id="1,001 custom holidays",
    ),
    pytest.param(
        "ai.forbidden_phrases", ["guaranteed", "  "], "phrase 2 holds no words", id="a blank phrase"
    ),
    pytest.param(
        "ai.forbidden_phrases",
        [f"phrase {n}" for n in range(51)],
        "at most 50",
        id="51 forbidden phrases",
    ),
    pytest.param(
        "ai.forbidden_phrases",
        ["x" * 201],
        "at most 200",
        id="a forbidden phrase of 201 characters",
    ),
]


@pytest.mark.parametrize(("path", "value", "said"), REFUSED)
def test_a_setting_that_switches_a_safeguard_off_is_refused_by_its_field(
    engine: LocalEngine, path: str, value: Any, said: str
) -> None:
    # Given the saved settings
    _, saved = call(engine, "GET", "/api/settings")
    changed = _changed(saved, path, value)
    # When an admin checks, then saves, them with the safeguard switched off
    status, checked = call(engine, "POST", "/api/settings/check", changed)
    # Then the check names the field and says what would work
    assert (status, [p["field"] for p in checked["problems"]]) == (200, [path])
    assert said in checked["problems"][0]["message"]
    # And the save is refused the same way, and nothing saved changes
    status, answer = call(engine, "PUT", "/api/settings", changed)
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, [path])
    assert answer["error"]["details"][0]["message"] == checked["problems"][0]["message"]
    assert call(engine, "GET", "/api/settings") == (200, saved)


def test_an_hour_is_the_least_the_frequency_cap_expiry_and_lookback_take(
    engine: LocalEngine,
) -> None:
    _, saved = call(engine, "GET", "/api/settings")
    least = _changed(saved, "gating.frequency_cap.per", AN_HOUR)
    least |= {"expire_after": AN_HOUR, "trigger_lookback": AN_HOUR, "attribution_window": AN_HOUR}
    assert call(engine, "POST", "/api/settings/check", least) == (200, {"problems": []})
    status, answer = call(engine, "PUT", "/api/settings", least)
    assert status == 200, answer
    assert call(engine, "GET", "/api/settings")[1] == {**least, "revision": answer["revision"]}


def test_fifty_opt_out_keywords_of_64_characters_in_any_language_are_taken(
    engine: LocalEngine,
) -> None:
    _, saved = call(engine, "GET", "/api/settings")
    words = ["cukup", "jangan kirim lagi", "não quero", "ya no más", "🙅 basta"]
    words += [f"{n:02d} " + "x" * 61 for n in range(45)]
    status, answer = call(engine, "PUT", "/api/settings", saved | {"opt_out_keywords": words})
    assert (status, answer.get("opt_out_keywords")) == (200, words)


def test_settings_stored_before_these_bounds_still_load_and_are_put_right_on_the_next_save(
    engine: LocalEngine,
) -> None:
    # Given settings an earlier release stored with every value now refused
    _, fresh = call(engine, "GET", "/api/settings")
    old = {key: value for key, value in fresh.items() if key != "revision"}
    for path, value, _ in (param.values for param in REFUSED):
        old = _changed(old, str(path), value)
    StateItem("settings", doc=json.dumps(old)).save()
    # When the engine ticks and an admin reads them
    engine.tick()
    status, read = call(engine, "GET", "/api/settings")
    # Then they load as stored (a country's code in capitals, as ever)
    assert status == 200
    loaded = _changed(old, "send_window.holiday_countries", ["ID", "BR", "ID"])
    assert {**read, "revision": None} == {**loaded, "revision": None}
    # And saving them back names each value to put right, and changes nothing
    status, answer = call(engine, "PUT", "/api/settings", read)
    paths = {str(param.values[0]) for param in REFUSED}
    assert (status, {d["field"] for d in answer["error"]["details"]}) == (422, paths)
    assert call(engine, "GET", "/api/settings") == (200, read)
    # And once put right, they are saved
    status, _ = call(engine, "PUT", "/api/settings", fresh | {"revision": read["revision"]})
    assert status == 200
