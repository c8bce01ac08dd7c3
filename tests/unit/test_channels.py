"""Channels on a step, contacts' addresses and opt-outs, and the signed unsubscribe token."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from followup.domain.contact import Contact
from followup.domain.rule import Step
from followup.domain.stored import STORED
from followup.domain.unsubscribe import sign, verify

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
EMAIL = {"subject": "News", "body": "Hi {first_name|there}"}


def step(**fields: Any) -> Step:
    return Step.model_validate({"wait": {"amount": 0, "unit": "minutes"}, **fields})


def test_each_channel_of_a_step_needs_its_own_content() -> None:
    assert step(channel="sms", text="Hi").chain == ["sms"]
    assert step(channel="whatsapp", fallbacks=["sms", "email"], text="Hi", email=EMAIL).chain == [
        "whatsapp",
        "sms",
        "email",
    ]
    with pytest.raises(ValidationError, match="email step needs"):
        step(channel="sms", fallbacks=["email"], text="Hi")
    with pytest.raises(ValidationError, match="SMS step needs a free text"):
        step(channel="email", fallbacks=["sms"], email=EMAIL)
    with pytest.raises(ValidationError, match="only be a step's first channel"):
        step(channel="sms", fallbacks=["whatsapp"], text="Hi")
    with pytest.raises(ValidationError, match="appears once"):
        step(channel="sms", fallbacks=["sms"], text="Hi")


def test_an_email_only_step_needs_no_whatsapp_text() -> None:
    assert step(channel="email", email=EMAIL).text is None


def test_a_new_email_address_is_checked_but_a_stored_one_still_loads() -> None:
    fields = {"id": "c", "stage": "new", "created_at": NOW}
    assert Contact(**fields, email="rudi@example.com").address("email") == "rudi@example.com"
    with pytest.raises(ValidationError, match="not an email address"):
        Contact(**fields, email="rudi at example")
    old = Contact.model_validate(fields | {"email": "rudi at example"}, context=STORED)
    assert old.email == "rudi at example"
    assert old.opted_out_channels == []


def test_sms_goes_to_the_phone_or_the_whatsapp_number_in_e164() -> None:
    contact = Contact(id="c", stage="new", created_at=NOW, wa_id="6281100000001")
    assert contact.address("sms") == "+6281100000001"
    assert contact.model_copy(update={"phone": "+6281999"}).address("sms") == "+6281999"


def test_a_stop_everywhere_stops_each_channel_and_a_channel_stop_only_its_own() -> None:
    contact = Contact(id="c", stage="new", created_at=NOW, opted_out_channels=["email"])
    assert [contact.stopped(c) for c in ("whatsapp", "sms", "email")] == [False, False, True]
    everywhere = contact.model_copy(update={"opted_out": True})
    assert all(everywhere.stopped(c) for c in ("whatsapp", "sms", "email"))


def test_only_an_untouched_token_signed_with_the_secret_names_the_contact() -> None:
    token = sign("secret", "ct_123")
    assert verify("secret", token) == "ct_123"
    assert verify("other", token) is None
    assert verify("", token) is None
    encoded, _, signature = token.partition(".")
    assert verify("secret", sign("secret", "ct_999").split(".")[0] + "." + signature) is None
    assert verify("secret", encoded) is None
    assert verify("secret", "%%%.***") is None


def test_review_checks_email_placeholders_and_warns_only_about_whatsapp_text_alone() -> None:
    from followup.domain.settings import WorkspaceSettings
    from followup.services.rules import review
    from tests.support.builders import rule

    bad_email = {"subject": "{nickname}", "body": "Hi {first_name|there}"}
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "channel": "email", "email": bad_email},
        {"wait": {"amount": 1, "unit": "days"}, "text": "Hi", "fallbacks": ["sms"]},
        {"wait": {"amount": 1, "unit": "days"}, "text": "Hi"},
    ]
    errors, warnings = review(rule(steps=steps), WorkspaceSettings())
    assert [(e.field, e.message) for e in errors] == [
        ("steps.0.email.subject", "{nickname} names no contact field")
    ]
    assert [w.field for w in warnings] == ["steps.2"]


def test_patching_a_contact_keeps_a_stored_email_it_does_not_touch() -> None:
    fields = {"id": "c", "stage": "new", "created_at": NOW, "email": "rudi at example"}
    old = Contact.model_validate(fields, context=STORED)
    assert old.patched({"name": "Rudi"}).name == "Rudi"
    with pytest.raises(ValidationError, match="not an email address"):
        old.patched({"email": "still wrong"})
    assert old.patched({"email": "rudi@example.com"}).email == "rudi@example.com"
