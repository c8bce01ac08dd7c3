"""A save that names no `active` never undoes a switch someone made meanwhile, also one
made while the save is checked (after it read the rule, before it wrote)."""

from __future__ import annotations

from typing import Any

import pytest

from followup.services import rules
from followup_local.engine import LocalEngine
from tests.integration.test_api_rules import body
from tests.support.api import call

RULE_PATH = "/api/rules/apply-remind-24h"


def test_a_switch_off_made_while_a_save_is_checked_is_not_undone_by_it(
    engine: LocalEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an active rule
    assert call(engine, "POST", "/api/rules", body())[0] == 201
    store = type(engine.deps.rules)
    save_rule, switched = store.save_rule, list[bool]()

    def switched_off_meanwhile(self: Any, rule: Any, *args: Any, **kwargs: Any) -> Any:
        # An admin switches the rule off while marketing's save is being checked
        if not switched:
            switched.append(True)
            rules.deactivate(engine.deps, "apply-remind-24h", cancel_queued=False)
        return save_rule(self, rule, *args, **kwargs)

    monkeypatch.setattr(store, "save_rule", switched_off_meanwhile)
    # When marketing saves a new name, naming no `active` (as the editor does)
    edit = {k: v for k, v in body(name="gentler").items() if k != "active"}
    status, answer = call(engine, "PUT", RULE_PATH, edit, role="marketing")
    # Then the save is refused, saying the rule was switched off meanwhile
    assert switched
    assert (status, answer["error"]["code"]) == (409, "switched_meanwhile")
    assert "switched off" in answer["error"]["message"]
    _, now = call(engine, "GET", RULE_PATH)
    assert (now["active"], now["version"], now["name"]) == (False, 1, body()["name"])
    # And sent again, the edit is saved and the rule stays off
    status, saved = call(engine, "PUT", RULE_PATH, edit, role="marketing")
    assert (status, saved["rule"]["version"], saved["rule"]["active"]) == (200, 2, False)
    _, now = call(engine, "GET", RULE_PATH)
    assert (now["active"], now["name"]) == (False, "gentler")
