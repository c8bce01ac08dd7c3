"""The sandbox refuses a template send as 360dialog does: a template it does not list in
that language (404, error 132001) and a body with the wrong number of parameters (400,
error 132000), in Meta's error body; and the engine ends such a follow-up failed with
the code, through the handlers on moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from followup.domain.followup import Status
from followup_local.engine import LocalEngine
from followup_local.sandbox import WhatsAppSandbox
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

KEY = "sandbox-key"
BODY = "Hi {{1}}, still thinking about applying?"


@pytest.fixture
def sandbox() -> Iterator[WhatsAppSandbox]:
    with WhatsAppSandbox(KEY) as running:
        running.templates.add("apply_reminder", "en", BODY)
        yield running


def send(sandbox: WhatsAppSandbox, name: str, language: str, *params: str) -> httpx.Response:
    """POST one template message to `/messages`, as the engine writes it."""
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if params:
        parameters = [{"type": "text", "text": p} for p in params]
        template["components"] = [{"type": "body", "parameters": parameters}]
    body = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "6281100000901",
        "type": "template",
        "template": template,
        "biz_opaque_callback_data": "fu-1",
    }
    return httpx.post(f"{sandbox.base_url}/messages", json=body, headers={"D360-API-KEY": KEY})


def error_of(response: httpx.Response) -> tuple[int, int, str, str]:
    """(HTTP status, code, message, details) of Meta's Graph error body."""
    error = response.json()["error"]
    assert error["type"] == "OAuthException"
    assert error["error_data"]["messaging_product"] == "whatsapp"
    details = error["error_data"]["details"]
    return response.status_code, error["code"], error["message"], details


def test_a_template_the_sandbox_does_not_list_is_refused_with_132001(
    sandbox: WhatsAppSandbox,
) -> None:
    # Given a catalogue with apply_reminder in English only
    # When a template it has never heard of goes out
    answer = send(sandbox, "apply_remindr", "en", "Rudi")
    # Then the sandbox answers as WhatsApp does: 404, 132001, naming the template
    assert error_of(answer) == (
        404,
        132001,
        "(#132001) Template name does not exist in the translation",
        "template name (apply_remindr) does not exist in en",
    )
    # And nothing was sent
    assert sandbox.sent() == []
    assert [r.error_code for r in sandbox.requests] == [132001]


def test_a_known_template_in_a_language_it_lacks_is_refused_with_132001(
    sandbox: WhatsAppSandbox,
) -> None:
    # Given apply_reminder approved in English only
    # When it goes out in Indonesian
    answer = send(sandbox, "apply_reminder", "id", "Rudi")
    # Then WhatsApp has no such translation
    assert error_of(answer)[:2] == (404, 132001)
    assert error_of(answer)[3] == "template name (apply_reminder) does not exist in id"
    assert sandbox.sent() == []


@pytest.mark.parametrize(("params", "given"), [((), 0), (("Rudi", "S1 Informatika"), 2)])
def test_a_body_with_the_wrong_number_of_parameters_is_refused_with_132000(
    sandbox: WhatsAppSandbox, params: tuple[str, ...], given: int
) -> None:
    # Given apply_reminder, whose body has one placeholder
    # When it goes out with none, or with two
    answer = send(sandbox, "apply_reminder", "en", *params)
    # Then the sandbox refuses it as WhatsApp does: 400, 132000, with both counts
    assert error_of(answer) == (
        400,
        132000,
        "(#132000) Number of parameters does not match the expected number of params",
        f"body: number of localizable_params ({given}) does not match the expected "
        "number of params (1)",
    )
    assert sandbox.sent() == []


def test_the_template_it_lists_with_its_parameters_goes_out(sandbox: WhatsAppSandbox) -> None:
    # Given apply_reminder in English with one placeholder
    # When it goes out in English with one parameter
    answer = send(sandbox, "apply_reminder", "en", "Rudi")
    # Then it is accepted
    assert answer.status_code == 200
    assert answer.json()["messages"][0]["id"].startswith("wamid.")
    assert len(sandbox.sent()) == 1


def test_an_empty_catalogue_checks_no_template() -> None:
    # Given a sandbox that lists no template (a test that set none up)
    with WhatsAppSandbox(KEY) as bare:
        # When any template goes out
        answer = send(bare, "apply_reminder", "en")
        # Then it is accepted, as before the sandbox knew templates
        assert answer.status_code == 200


def _failed_send(engine: LocalEngine, wa_id: str) -> tuple[Status, int | None, str]:
    """A rule naming apply_reminder (en, one parameter); its lead due outside the window;
    one tick: the follow-up's (status, error code, reason), which the queue's failed rows
    show too."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    status, shown = call(engine, "GET", "/api/queue?status=failed")
    assert status == 200
    assert [(row["id"], row["error_code"]) for row in shown["followups"]] == [
        (followup.id, followup.error_code)
    ]
    assert engine.sandbox.sent() == []
    return followup.status, followup.error_code, followup.reason or ""


def test_a_follow_up_whose_template_whatsapp_does_not_list_ends_failed_with_132001(
    engine: LocalEngine,
) -> None:
    # Given apply_reminder in English, synced, then deleted at WhatsApp (the engine's
    # catalogue still lists it approved until the next hourly sync)
    engine.sandbox.templates.add("apply_reminder", "en", BODY)
    engine.sandbox.templates.add("apply_reminder", "id", "Hai {{1}}, masih mau daftar?")
    assert call(engine, "POST", "/api/templates/sync")[0] == 200
    engine.sandbox.templates.remove("apply_reminder", "en")
    # When a rule sends it in English to a lead outside the 24-hour window
    status, code, reason = _failed_send(engine, "6281100000902")
    # Then WhatsApp refused it and the follow-up ended failed with the code and why
    assert (status, code) == (Status.FAILED, 132001)
    assert "Template name does not exist in the translation" in reason
    assert "template name (apply_reminder) does not exist in en" in reason


def test_a_follow_up_with_too_few_parameters_for_its_template_ends_failed_with_132000(
    engine: LocalEngine,
) -> None:
    # Given apply_reminder in English with two placeholders, the rule giving one
    engine.sandbox.templates.add("apply_reminder", "en", "Hi {{1}}, still applying to {{2}}?")
    # When the rule sends it to a lead outside the 24-hour window
    status, code, reason = _failed_send(engine, "6281100000903")
    # Then WhatsApp refused it and the follow-up ended failed with the code and both counts
    assert (status, code) == (Status.FAILED, 132000)
    assert "Number of parameters does not match the expected number of params" in reason
    assert "number of localizable_params (1) does not match" in reason
