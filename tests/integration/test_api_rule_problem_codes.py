"""A refused rule's problems each carry a stable code and, in `values`, what the message
names (a stage, a field, a template and its language, the parameters wanted and given), so
the admin app says them in the reader's language without reading the English sentence."""

from __future__ import annotations

from typing import Any

import pytest

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule


def body(**overrides: Any) -> dict[str, Any]:
    return rule(**overrides).model_dump(mode="json", exclude={"version"})


def with_step(**changes: Any) -> dict[str, Any]:
    """The rule with its one step changed by `changes` (a None drops the member)."""
    step = {**body()["steps"][0], **changes}
    return {**body(), "steps": [{k: v for k, v in step.items() if v is not None}]}


def with_params(params: list[dict[str, Any]]) -> dict[str, Any]:
    step = body()["steps"][0]
    return {**body(), "steps": [{**step, "template": {**step["template"], "params": params}}]}


NOTIFY = {"kind": "action", "do": "notify", "payload": {"source": "follow-up"}}


def coded(answer: dict[str, Any]) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [(d["field"], d["code"], d.get("values")) for d in answer["error"]["details"]]


def synced(engine: LocalEngine) -> None:
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still applying?")
    assert call(engine, "POST", "/api/templates/sync")[0] == 200


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        (
            {
                **body(),
                "trigger": {"stages": ["new", "prospect"], "idle": {"amount": 1, "unit": "days"}},
            },
            ("trigger.stages.1", "unknown_stage", {"stage": "prospect"}),
        ),
        (
            with_step(text="Hi {nickname|there}"),
            ("steps.0.text", "unknown_contact_field", {"contact_field": "nickname"}),
        ),
        (
            with_params([{"field": "nickname", "default": "there"}]),
            (
                "steps.0.template.params.0.field",
                "unknown_contact_field",
                {"contact_field": "nickname"},
            ),
        ),
        (
            with_step(text="Hi {{first_name}}"),
            (
                "steps.0.text",
                "placeholder_meant",
                {"fragment": "{{first_name}}", "meant": "{first_name}"},
            ),
        ),
        (
            with_step(text="Hi {first_name, see you"),
            ("steps.0.text", "placeholder_unclosed", {"fragment": "{first_name, see you"}),
        ),
        (with_step(text=None, template=None), ("steps.0", "no_message", None)),
        (
            {**body(), "steps": [*body()["steps"], {"kind": "wait"}]},
            ("steps.1", "wait_target", None),
        ),
        (
            {
                **body(),
                "steps": [*body()["steps"], NOTIFY | {"webhook": "https://crm..example.com"}],
            },
            ("steps.1.webhook", "webhook_host", None),
        ),
    ],
)
def test_a_refused_rule_names_each_problem_by_its_code_and_values(
    engine: LocalEngine, sent: dict[str, Any], expected: tuple[str, str, dict[str, Any] | None]
) -> None:
    # When marketing saves a rule with one thing wrong
    status, answer = call(engine, "POST", "/api/rules", sent, role="marketing")
    # Then that one problem is refused by its field, its code, and what it names
    assert (status, coded(answer)) == (422, [expected])


def test_a_template_problem_names_the_template_its_language_and_the_parameters(
    engine: LocalEngine,
) -> None:
    # Given a synced catalogue holding apply_reminder in English, with one parameter
    synced(engine)
    # When a rule names a template the catalogue lacks
    status, answer = call(
        engine,
        "POST",
        "/api/rules",
        with_step(
            template={
                "name": "apply_remindr",
                "language": "en",
                "params": [{"field": "first_name"}],
            }
        ),
    )
    # Then the problem names the template and the language
    named = {"template": "apply_remindr", "language": "en"}
    assert (status, coded(answer)) == (422, [("steps.0.template", "unknown_template", named)])
    # When it names apply_reminder without its parameter
    status, answer = call(engine, "POST", "/api/rules", with_params([]))
    # Then the problem says how many the template takes and how many the step gives
    counted = {"template": "apply_reminder", "wanted": 1, "given": 0}
    assert (status, coded(answer)) == (
        422,
        [("steps.0.template.params", "template_params", counted)],
    )


def test_the_id_of_a_deleted_rule_is_refused_naming_that_id(engine: LocalEngine) -> None:
    # Given a rule saved, then deleted
    assert call(engine, "POST", "/api/rules", body())[0] == 201
    assert call(engine, "DELETE", "/api/rules/apply-remind-24h")[0] in (200, 204)
    # When a new rule is created under its id
    status, answer = call(engine, "POST", "/api/rules", body())
    # Then the refusal names that id in its values
    assert (status, coded(answer)) == (
        409,
        [("id", "deleted_rule_id", {"id": "apply-remind-24h"})],
    )


def test_a_rule_saved_with_warnings_names_each_by_its_code_and_values(
    engine: LocalEngine,
) -> None:
    # Given a WhatsApp step of free text only, its placeholder without a default, and an SMS
    # step whose text, with a name in it, goes as Unicode for six characters
    now = {"amount": 0, "unit": "minutes"}
    sms = "It’s “João” ça 🙂 {first_name|there} " + "a" * 60
    steps = [
        {"wait": now, "text": "Hi {first_name}, still applying?"},
        {"wait": now, "channel": "sms", "text": sms},
    ]
    # When marketing saves the rule
    status, saved = call(engine, "POST", "/api/rules", {**body(), "steps": steps})
    # Then it is saved, each warning named by its field, its code and what it names
    unicode = {
        "characters": "’ “ ã",
        "others": 3,
        "parts": 2,
        "gsm7_parts": 1,
        "placeholders": 1,
    }
    assert status == 201
    assert [(w["field"], w["code"], w.get("values")) for w in saved["warnings"]] == [
        ("steps.0.text", "no_default", {"placeholder": "first_name"}),
        ("steps.0", "free_text_only", None),
        ("steps.1.text", "sms_unicode", unicode),
    ]
