"""A template parameter given as fixed text must say something: WhatsApp refuses an empty
parameter, so every send of the step would be skipped. Saving the rule is refused, naming
the parameter; a parameter the AI writes may leave its fallback text empty."""

from __future__ import annotations

from typing import Any

import pytest

from followup.domain.settings import WorkspaceSettings
from followup.services.rules import review
from tests.support.builders import rule

SOON = {"amount": 0, "unit": "minutes"}


def problems(param: dict[str, Any], **step: Any) -> list[tuple[str, str]]:
    template = {"name": "apply_reminder", "language": "en", "params": [param]}
    errors, _ = review(
        rule(steps=[{"wait": SOON, "template": template, **step}]), WorkspaceSettings()
    )
    return [(e.field, e.message) for e in errors]


@pytest.mark.parametrize("text", ["", "   "])
def test_an_empty_fixed_text_parameter_is_refused_naming_it(text: str) -> None:
    assert problems({"text": text}) == [
        (
            "steps.0.template.params.0.text",
            "a fixed text parameter is empty: WhatsApp refuses an empty one",
        )
    ]


def test_a_parameter_with_text_or_the_ai_writing_it_is_kept() -> None:
    assert problems({"text": "our open day"}) == []
    assert problems({"field": "first_name"}) == []
    ai = {"instructions": "Invite them to the open day"}
    assert problems({"text": "", "ai": True}, ai=ai) == []
    # the AI writes it only in a step that asks the AI: elsewhere the text is what goes
    assert problems({"text": "", "ai": True}) == problems({"text": ""})
