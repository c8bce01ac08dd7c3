"""An opt-out holds on every path: settings, the webhook, imports and upserts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.services.contacts import find_contact
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call

LEAD = "6281100000901"


def button_reply(wa_id: str, title: str, at: Any, message_id: str) -> dict[str, Any]:
    """The contact tapped a quick-reply button of a template (e.g. "Stop promotions")."""
    document = envelopes.text_message(wa_id, "", at, message_id)
    message = document["entry"][0]["changes"][0]["value"]["messages"][0]
    message.pop("text")
    message |= {"type": "button", "button": {"text": title, "payload": title}}
    return document


@pytest.mark.parametrize(
    "delivery",
    [
        lambda at: envelopes.text_message(LEAD, "STOP", at, "wamid.stop.1"),
        lambda at: envelopes.text_message(LEAD, "please stop sending me messages", at, "wamid.2"),
        lambda at: button_reply(LEAD, "Stop promotions", at, "wamid.stop.3"),
    ],
)
def test_settings_cannot_switch_the_built_in_opt_out_off(
    engine: LocalEngine, delivery: Any
) -> None:
    # Given an admin who saved an empty keyword list (and the API accepted it)
    _, settings = call(engine, "GET", "/api/settings")
    status, saved = call(engine, "PUT", "/api/settings", settings | {"opt_out_keywords": []})
    assert (status, saved["opt_out_keywords"]) == (200, [])
    # When a lead sends STOP, a clear request, or taps Meta's "Stop promotions" button
    assert engine.deliver(delivery(engine.clock.now() - timedelta(minutes=1))) == 200
    # Then they are opted out all the same
    found = find_contact(engine.deps, LEAD, None)
    assert found is not None
    assert found.item.opted_out


def test_a_keyword_the_workspace_adds_opts_out_too(engine: LocalEngine) -> None:
    _, settings = call(engine, "GET", "/api/settings")
    call(engine, "PUT", "/api/settings", settings | {"opt_out_keywords": ["keluar"]})
    engine.deliver(envelopes.text_message(LEAD, "Keluar!", engine.clock.now(), "wamid.k"))
    found = find_contact(engine.deps, LEAD, None)
    assert found is not None
    assert found.item.opted_out
