"""A placeholder without a default is warned of when a rule is saved: a lead without that
field would read a gap there. Not for a field every lead the rule reaches has (the stage,
an attribute its date trigger, its conditions or a wait needs), nor for a field that does
not exist (that is an error)."""

from __future__ import annotations

from typing import Any

import pytest

from followup.domain.settings import WorkspaceSettings
from followup.services.rules import review
from tests.support.builders import rule

SOON = {"amount": 0, "unit": "minutes"}


def warned(steps: list[dict[str, Any]], **overrides: Any) -> list[tuple[str, str]]:
    _, warnings = review(rule(steps=steps, **overrides), WorkspaceSettings())
    return [(w.field, w.message) for w in warnings if "has no default" in w.message]


def gap(name: str) -> str:
    return f"{{{name}}} has no default: a lead without it reads a gap there"


def test_each_field_without_a_default_is_named_once_where_it_is_written() -> None:
    text = "Hi {first_name}, {attributes.program} starts soon, {first_name}: {name|friend}"
    email = {"subject": "{attributes.program} news", "body": "Dear {name|student}"}
    steps = [
        {"wait": SOON, "text": text, "fallbacks": ["sms"]},
        {"wait": SOON, "channel": "email", "email": email},
    ]
    assert warned(steps) == [
        ("steps.0.text", gap("first_name")),
        ("steps.0.text", gap("attributes.program")),
        ("steps.1.email.subject", gap("attributes.program")),
    ]


@pytest.mark.parametrize(
    ("why", "overrides", "steps"),
    [
        ("a default", {}, [{"wait": SOON, "text": "Hi {first_name|there}", "fallbacks": ["sms"]}]),
        ("the stage", {}, [{"wait": SOON, "text": "You are at {stage}", "fallbacks": ["sms"]}]),
        (
            "the date trigger's attribute",
            {"trigger": {"kind": "date", "attribute": "renewal_date"}},
            [{"wait": SOON, "text": "Renews on {attributes.renewal_date}", "fallbacks": ["sms"]}],
        ),
        (
            "an attribute the conditions ask for",
            {"conditions": {"attributes": {"program": "Nursing"}}},
            [{"wait": SOON, "text": "About {attributes.program}", "fallbacks": ["sms"]}],
        ),
        (
            "an attribute a condition tests",
            {"conditions": {"match": [{"attribute": "intake", "op": "exists"}]}},
            [{"wait": SOON, "text": "Intake {attributes.intake}", "fallbacks": ["sms"]}],
        ),
        (
            "an attribute a wait needs",
            {},
            [
                {"kind": "wait", "until_attribute": "interview_at"},
                {"wait": SOON, "text": "See you {attributes.interview_at}", "fallbacks": ["sms"]},
            ],
        ),
        ("no such field (an error)", {}, [{"wait": SOON, "text": "Hi {nickname}"}]),
    ],
)
def test_no_warning_for_a_field_every_lead_has_or_none_at_all(
    why: str, overrides: dict[str, Any], steps: list[dict[str, Any]]
) -> None:
    assert warned(steps, **overrides) == [], why


def test_a_negated_condition_does_not_vouch_for_the_attribute() -> None:
    conditions = {"match": [{"not": {"attribute": "intake", "op": "exists"}}]}
    steps = [{"wait": SOON, "text": "Intake {attributes.intake}", "fallbacks": ["sms"]}]
    assert warned(steps, conditions=conditions) == [("steps.0.text", gap("attributes.intake"))]
