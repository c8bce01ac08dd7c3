"""A template's body: how many parameters it asks for, and how it reads filled in."""

from __future__ import annotations

from datetime import UTC, datetime

from followup.domain.templates import Template, placeholders_in


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
