"""Routing by the catalogue's category: marketing templates go to the Marketing Messages
API, utility ones and free text to /messages; when 360dialog refuses the marketing
endpoint for its terms (131055) the message goes through /messages at once, and so do
the following ones."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup.services import templates
from followup.services.manual import send_now
from followup_local.memory_engine import MemoryEngine
from followup_local.sandbox import SandboxRequest
from tests.support.builders import quiet_contact, rule

BODY = "Hi {{1}}, still thinking about applying?"


def _send(engine: MemoryEngine, wa_id: str, quiet: timedelta = timedelta(hours=30)) -> Status:
    deps = engine.deps
    lead = quiet_contact(deps, wa_id, engine.clock.now() - quiet)
    if quiet < timedelta(hours=24):
        engine.sandbox.record_inbound(wa_id, engine.clock.now() - quiet)
    followup = send_now(deps, lead.id, "apply-remind-24h")
    engine.drain()
    found = deps.followups.followup(followup.id)
    assert found is not None
    return found.status


def _paths(engine: MemoryEngine) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in engine.sandbox.requests if _send_request(r)]


def _send_request(request: SandboxRequest) -> bool:
    return request.body is not None and "messaging_product" in request.body


def _synced(engine: MemoryEngine, category: str) -> None:
    engine.sandbox.templates.add("apply_reminder", "en", BODY, category=category)
    templates.sync(engine.deps, engine.clock.now())
    engine.deps.rules.save_rule(rule())


def test_a_marketing_template_goes_to_the_marketing_messages_api(engine: MemoryEngine) -> None:
    _synced(engine, "MARKETING")
    assert _send(engine, "6281100000601") is Status.SENT
    assert _paths(engine) == [("/marketing_messages", 200)]


def test_utility_templates_and_free_text_stay_on_messages(engine: MemoryEngine) -> None:
    _synced(engine, "UTILITY")
    assert _send(engine, "6281100000602") is Status.SENT
    assert _send(engine, "6281100000603", quiet=timedelta(hours=1)) is Status.SENT
    assert _paths(engine) == [("/messages", 200), ("/messages", 200)]
    assert [r.body["type"] for r in engine.sandbox.sent() if r.body] == ["template", "text"]


def test_terms_not_accepted_fall_back_to_messages_once_and_for_all(
    engine: MemoryEngine,
) -> None:
    # Given a business that has not accepted the Marketing Messages API's terms
    _synced(engine, "MARKETING")
    engine.sandbox.templates.marketing_terms_accepted = False

    # When two marketing templates go out
    assert _send(engine, "6281100000604") is Status.SENT
    assert _send(engine, "6281100000605") is Status.SENT

    # Then the first was refused (131055) and sent through /messages in the same attempt,
    # the second went to /messages straight away, and the catalogue says why
    assert _paths(engine) == [
        ("/marketing_messages", 400),
        ("/messages", 200),
        ("/messages", 200),
    ]
    refused = templates.catalogue(engine.deps).marketing_api_refused
    assert refused is not None
    assert "131055" in refused
