"""A placeholder written wrong (capitals, doubled braces, a brace never closed) is refused
when a rule is saved, by the field it is written in, with what to write instead: a lead
would otherwise read it braces and all. Braces apart from words are text and save."""

from __future__ import annotations

from typing import Any

import pytest

from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import rule

RULE = "apply-remind-24h"
SOON = {"amount": 0, "unit": "minutes"}
FORM = (
    "a placeholder is a contact field in one pair of braces, {first_name} or "
    "{attributes.program}, with a default after a bar if you like, {first_name|there}; "
    "for brackets in the message itself, use ( ) or [ ]"
)


def body(**overrides: Any) -> dict[str, Any]:
    return rule(RULE, **overrides).model_dump(mode="json")


def with_text(text: str) -> dict[str, Any]:
    """The rule whose WhatsApp step (free text, else the template) says `text`."""
    step = body()["steps"][0]
    return body(steps=[{**step, "text": text}])


def details(answer: dict[str, Any]) -> list[tuple[str, str]]:
    return [(d["field"], d["message"]) for d in answer["error"]["details"]]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "Hi {First_Name|there}",
            "'{First_Name|there}' is not a placeholder: write {first_name|there}",
        ),
        ("Hi {{first_name}}", "'{{first_name}}' is not a placeholder: write {first_name}"),
        ("Hi { first_name }, welcome", "'{ first_name }' is not a placeholder: write {first_name}"),
        (
            "Hi {first_name, see you",
            f"'{{first_name, see you' opens a brace it never closes: {FORM}",
        ),
        ("Use code {SAVE10} today", f"'{{SAVE10}}' is not a placeholder: {FORM}"),
        ("Hi first_name|there}", f"'first_name|there}}' is not a placeholder: {FORM}"),
    ],
)
def test_a_placeholder_written_wrong_is_refused_with_what_to_write(
    engine: LocalEngine, text: str, message: str
) -> None:
    # When marketing saves a rule whose free text has the placeholder written wrong
    status, answer = call(engine, "POST", "/api/rules", with_text(text), role="marketing")
    # Then it is refused by the field, showing the fragment and how a placeholder looks
    assert status == 422
    assert details(answer) == [("steps.0.text", message)]
    # And no rule was stored
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


def test_an_email_subject_and_body_are_checked_each_by_its_field(engine: LocalEngine) -> None:
    # Given an email step whose subject doubles the braces and whose body never closes one
    email = {"subject": "{{first_name}}, one step left", "body": "Dear {Name|student}, ..."}
    rule_body = body(steps=[{"wait": SOON, "channel": "email", "email": email}])
    # When it is saved
    status, answer = call(engine, "POST", "/api/rules", rule_body, role="marketing")
    # Then each is named with what to write
    assert status == 422
    assert details(answer) == [
        ("steps.0.email.subject", "'{{first_name}}' is not a placeholder: write {first_name}"),
        ("steps.0.email.body", "'{Name|student}' is not a placeholder: write {name|student}"),
    ]


def test_braces_apart_from_words_are_text_and_the_lead_reads_them(engine: LocalEngine) -> None:
    # Given a text with an emoticon, an empty pair and JSON-like text
    text = 'Hi {first_name|there} :-{ we miss you }:) {} {"code": "MBA25", "seats": 3}'
    # When it is saved
    status, saved = call(engine, "POST", "/api/rules", with_text(text), role="marketing")
    # Then it is taken as it is, and a lead reads the braces as written
    assert status == 201, saved
    lead = {"name": "Siti Aminah"}
    sms = body(steps=[{"wait": SOON, "channel": "sms", "text": text}])
    assert call(engine, "PUT", f"/api/rules/{RULE}", sms, role="marketing")[0] == 200
    status, answer = call(engine, "POST", f"/api/rules/{RULE}/dry-run", {"contact": lead})
    [send] = [entry for entry in answer["timeline"] if entry["kind"] == "send"]
    assert send["message"]["text"] == (
        'Hi Siti :-{ we miss you }:) {} {"code": "MBA25", "seats": 3}'
    )


def test_a_rule_stored_before_the_check_still_loads_and_is_fixed_before_it_goes_on(
    engine: LocalEngine,
) -> None:
    # Given a rule, switched off, stored with a placeholder written wrong before this check
    engine.deps.rules.save_rule(
        rule(RULE, active=False, steps=with_text("Hi {First_Name}")["steps"])
    )
    # When it is read, alone and in the list
    status, stored = call(engine, "GET", f"/api/rules/{RULE}", role="marketing")
    # Then it loads with its text as written
    assert status == 200
    assert stored["steps"][0]["text"] == "Hi {First_Name}"
    assert [r["id"] for r in call(engine, "GET", "/api/rules")[1]["rules"]] == [RULE]
    # And switching it on is refused by the field, saying what to write
    status, answer = call(engine, "POST", f"/api/rules/{RULE}/activate", role="marketing")
    assert status == 422
    assert details(answer) == [
        ("steps.0.text", "'{First_Name}' is not a placeholder: write {first_name}")
    ]
    # And once fixed it goes on
    fixed = {**with_text("Hi {first_name|there}"), "active": False}
    assert call(engine, "PUT", f"/api/rules/{RULE}", fixed, role="marketing")[0] == 200
    assert call(engine, "POST", f"/api/rules/{RULE}/activate", role="marketing")[0] == 200
