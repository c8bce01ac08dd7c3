"""A template's body: how many parameters it asks for, and how it reads filled in."""

from __future__ import annotations

from datetime import UTC, datetime

from followup.domain.templates import Template, TemplateCatalogue, placeholders_in, rule_problems
from tests.support.builders import rule


def template(body: str, status: str = "APPROVED", quality: str = "UNKNOWN") -> Template:
    return Template(
        name="t",
        language="en",
        category="marketing",
        status=status,
        quality=quality,
        components=[{"type": "HEADER", "text": "Hi"}, {"type": "BODY", "text": body}],
        placeholders=placeholders_in(body),
        updated_at=datetime(2026, 11, 24, tzinfo=UTC),
    )


def test_placeholders_count_each_distinct_name_once() -> None:
    assert placeholders_in("Hi {{1}}, {{2}} and {{ 1 }} again") == 2
    assert placeholders_in("Hi {{first_name}}, {{program}}") == 2
    assert placeholders_in("No parameters") == 0


def test_the_body_renders_with_its_parameters_in_order_of_first_use() -> None:
    assert template("Hi {{1}}, {{2}} closes soon, {{1}}!").render(["Budi", "MBA"]) == (
        "Hi Budi, MBA closes soon, Budi!"
    )
    assert template("Hi {{1}} and {{2}}").render(["Ana"]) == "Hi Ana and {{2}}"


def test_flagged_still_sends_and_flagged_or_red_are_at_risk() -> None:
    assert template("x", "FLAGGED").sendable
    assert template("x", "FLAGGED").at_risk
    assert template("x", quality="RED").at_risk
    assert not template("x", "PAUSED").sendable
    assert not template("x", quality="YELLOW").at_risk


def test_a_value_outside_the_body_is_found_where_it_is() -> None:
    def with_parts(*parts: dict[str, object]) -> Template:
        return template("Hi {{1}}").model_copy(
            update={"components": [*parts, {"type": "BODY", "text": "Hi {{1}}"}]}
        )

    assert with_parts({"type": "HEADER", "format": "TEXT", "text": "Hi"}).values_beyond_body is None
    assert with_parts({"type": "HEADER", "text": "Hello {{1}}"}).values_beyond_body == "header"
    assert with_parts({"type": "HEADER", "format": "IMAGE"}).values_beyond_body == "header"
    link = {"type": "URL", "text": "Pay", "url": "https://pay.example.com/{{1}}"}
    assert with_parts({"type": "BUTTONS", "buttons": [link]}).values_beyond_body == "buttons"
    fixed = {"type": "URL", "text": "Pay", "url": "https://pay.example.com/"}
    assert with_parts({"type": "BUTTONS", "buttons": [fixed]}).values_beyond_body is None


def test_the_named_placeholders_are_listed_in_order_of_first_use() -> None:
    assert template("Hi {{first_name}}, {{program}} for {{first_name}}").param_names == [
        "first_name",
        "program",
    ]
    assert template("Hi {{1}}, {{2}}").param_names == []


def test_a_rule_naming_a_template_with_a_media_header_is_refused_at_save() -> None:
    header = {"type": "HEADER", "format": "IMAGE"}
    found = template("Hi {{1}}").model_copy(
        update={
            "name": "apply_reminder",
            "components": [header, {"type": "BODY", "text": "Hi {{1}}"}],
        }
    )
    catalogue = TemplateCatalogue(templates=[found.model_copy(update={"language": "en"})])
    problems = rule_problems(rule(), catalogue)
    assert [problem.field for problem in problems] == ["steps.0.template"]
    assert "header" in problems[0].message


def test_a_rule_whose_templates_sibling_has_a_media_header_is_refused_at_save() -> None:
    # Given a step's template, fine, and the sibling it falls back to, with an image header
    own = template("Hi {{1}}").model_copy(update={"name": "apply_reminder"})
    header = {"type": "HEADER", "format": "IMAGE"}
    sibling = own.model_copy(
        update={"name": "apply_reminder_v2", "components": [header, *own.components[1:]]}
    )
    built = rule()
    step = built.steps[0]
    ref = step.template.model_copy(update={"sibling": "apply_reminder_v2"})  # type: ignore[union-attr]
    built = built.model_copy(update={"steps": [step.model_copy(update={"template": ref})]})
    # When the rule is checked against the catalogue / Then the sibling is named
    problems = rule_problems(built, TemplateCatalogue(templates=[own, sibling]))
    assert [problem.field for problem in problems] == ["steps.0.template.sibling"]
    assert "header" in problems[0].message
