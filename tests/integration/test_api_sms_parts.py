"""Saving a rule warns marketing when an SMS step's text goes as Unicode (UCS-2, 70
characters to an SMS instead of 160) and so costs more SMS than the same text in GSM-7,
naming the characters to blame; the rule is saved all the same."""

from __future__ import annotations

from typing import Any

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule

NOW = {"amount": 0, "unit": "minutes"}
PLAIN = "Your place in the March intake is still open and the early fee ends on Friday. " * 2
"""158 GSM-7 characters: one SMS."""


def sms_rule(*steps: dict[str, Any]) -> dict[str, Any]:
    return rule(steps=list(steps)).model_dump(mode="json")


def warnings_of(saved: dict[str, Any]) -> list[tuple[str, str]]:
    return [(w["field"], w["message"]) for w in saved["warnings"]]


def test_an_sms_with_a_curly_apostrophe_saves_with_a_warning_naming_it_and_the_cost(
    engine: LocalEngine,
) -> None:
    # Given an SMS step whose 158 characters fit one plain SMS, but with a curly apostrophe
    # and an ã pasted from a document
    text = PLAIN.replace("Your place", "It’s João’s place", 1)[:158]
    # When marketing saves the rule
    status, saved = call(
        engine, "POST", "/api/rules", sms_rule({"wait": NOW, "channel": "sms", "text": text})
    )
    # Then it is saved, with a warning on the text naming the characters and the SMS it costs
    assert status == 201
    assert warnings_of(saved) == [
        ("steps.0.text", "goes as Unicode (’ ã): 3 SMS per message instead of 1")
    ]


def test_an_sms_fallback_with_an_emoji_and_a_placeholder_warns_that_fields_may_add_more(
    engine: LocalEngine,
) -> None:
    # Given a WhatsApp step, then a step falling back to SMS, its text with a name and an emoji
    whatsapp = {"wait": NOW, "text": "Hi", "template": {"name": "apply_reminder", "language": "en"}}
    fallback = {**whatsapp, "fallbacks": ["sms"], "text": "Hi {first_name|there} 🙂 " + "a" * 60}
    # When marketing saves the rule
    status, saved = call(engine, "POST", "/api/rules", sms_rule(whatsapp, fallback))
    # Then the second step's text is warned about, saying a filled-in name may add more
    assert status == 201
    assert warnings_of(saved) == [
        (
            "steps.1.text",
            "goes as Unicode (🙂): 2 SMS per message instead of 1; "
            "names and fields filled in may add more",
        )
    ]


def test_a_unicode_sms_that_costs_no_more_than_plain_text_and_a_plain_one_save_without_warning(
    engine: LocalEngine,
) -> None:
    # Given a short SMS with an ã (one SMS either way), a long plain one (three SMS)
    # and a WhatsApp-only step with a curly quote (no SMS at all)
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"wait": NOW, "channel": "sms", "text": "Olá, a inscrição está aberta."},
        {"wait": NOW, "channel": "sms", "text": PLAIN * 2},
        {"wait": NOW, "text": "It’s open " * 20, "template": template},
    ]
    # When marketing saves the rule
    status, saved = call(engine, "POST", "/api/rules", sms_rule(*steps))
    # Then no step is warned about
    assert status == 201
    assert warnings_of(saved) == []
