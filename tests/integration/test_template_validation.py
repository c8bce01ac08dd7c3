"""Saving a rule checks its steps' templates against the synced catalogue: each must exist
in the step's language and take as many parameters as the step gives. A 422 names the step."""

from __future__ import annotations

from typing import Any

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule


def _body(name: str = "apply_reminder", language: str = "en", params: int = 1) -> dict[str, Any]:
    body = rule().model_dump(mode="json", exclude={"version"})
    body["steps"][0]["template"] |= {
        "name": name,
        "language": language,
        "params": [{"field": "first_name", "default": "there"}] * params,
    }
    return body


def _synced(engine: LocalEngine) -> None:
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still applying?")
    assert call(engine, "POST", "/api/templates/sync")[0] == 200


def _problems(answer: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["field"], d["message"]) for d in answer["error"]["details"]]


def test_a_template_the_catalogue_holds_with_its_parameters_saves(engine: LocalEngine) -> None:
    _synced(engine)
    status, _ = call(engine, "POST", "/api/rules", _body())
    assert status == 201


def test_a_template_missing_from_the_catalogue_is_422_naming_the_step(
    engine: LocalEngine,
) -> None:
    _synced(engine)
    status, answer = call(engine, "POST", "/api/rules", _body(name="apply_remindr"))
    assert (status, answer["error"]["code"]) == (422, "invalid")
    [(field, message)] = _problems(answer)
    assert field == "steps.0.template"
    assert message.startswith("step 1: no template 'apply_remindr' in language 'en'")
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


def test_a_template_in_another_language_only_is_refused(engine: LocalEngine) -> None:
    _synced(engine)
    status, answer = call(engine, "POST", "/api/rules", _body(language="id"))
    assert status == 422
    assert [field for field, _ in _problems(answer)] == ["steps.0.template"]


def test_a_parameter_count_that_does_not_match_is_refused_on_edit_too(
    engine: LocalEngine,
) -> None:
    _synced(engine)
    assert call(engine, "POST", "/api/rules", _body())[0] == 201
    status, answer = call(engine, "PUT", "/api/rules/apply-remind-24h", _body(params=2))
    assert status == 422
    assert _problems(answer) == [
        (
            "steps.0.template.params",
            "step 1: template 'apply_reminder' takes 1 parameters, the step gives 2",
        )
    ]


def test_before_the_first_sync_templates_are_not_checked(engine: LocalEngine) -> None:
    status, _ = call(engine, "POST", "/api/rules", _body(name="not_synced_yet"))
    assert status == 201


def test_a_sibling_must_be_in_the_catalogue_with_the_same_parameters(
    engine: LocalEngine,
) -> None:
    _synced(engine)
    body = _body()
    body["steps"][0]["template"]["sibling"] = "apply_reminder_v2"
    status, answer = call(engine, "POST", "/api/rules", body)
    assert status == 422
    assert [field for field, _ in _problems(answer)] == ["steps.0.template.sibling"]
    engine.sandbox.templates.add("apply_reminder_v2", "en", "Hello {{1}}!")
    call(engine, "POST", "/api/templates/sync")
    assert call(engine, "POST", "/api/rules", body)[0] == 201
