"""Meta Business Agent: `standby` webhooks mean Meta's own agent answers for the number, so
the engine stops its automation there and says why, until an admin resumes it."""

from __future__ import annotations

import json
from datetime import timedelta

from followup.adapters.whatsapp_webhook import parse
from followup.domain.followup import Status
from followup.services import webhook
from followup.services.contacts import find_contact
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.sender import sent_followup
from tests.support.webhook import payload, post

RUDI = "6281100000501"
NUMBER = "109876543210987"


def test_standby_webhooks_pause_the_number_and_say_why_until_an_admin_resumes(
    engine: LocalEngine,
) -> None:
    # Given a rule and a lead due for it
    engine.deps.rules.save_rule(rule())
    quiet_contact(engine.deps, "6281100000601", engine.clock.now() - timedelta(hours=25))
    # When standby webhooks arrive for the number (twice: Meta retries)
    for _ in range(2):
        assert post(engine, payload("standby.json"))["statusCode"] == 200
    # Then nothing is sent from it
    engine.tick()
    assert engine.sandbox.sent() == []
    # And the API says the number is paused, and why
    status, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert status == 200
    [number] = listed["numbers"]
    assert (number["phone_number_id"], number["paused"]) == (NUMBER, True)
    assert "Meta Business Agent" in number["paused_reason"]
    assert "Meta Business Agent" in listed["sending_paused"]
    # And the contact's message that came as standby still counts as them writing
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    texts = [m.text for m in engine.deps.contacts.recent_messages(found.item.id, 50)]
    assert texts == ["Is the scholarship still open?"]
    # When an admin resumes the number, sending starts again
    status, resumed = call(engine, "POST", f"/api/numbers/{NUMBER}/resume", role="admin")
    assert (status, resumed["sending_paused"]) == (200, None)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_a_stop_that_arrives_as_standby_still_opts_the_contact_out(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    stop = payload("standby.json")
    stop["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = "STOP"
    assert post(engine, stop)["statusCode"] == 200
    found = find_contact(engine.deps, RUDI, None)
    assert found is not None
    assert found.item.opted_out
    current = engine.deps.followups.followup(followup.id)
    assert current is not None
    assert current.status is Status.OPTED_OUT


def test_only_the_standby_that_pauses_the_number_counts_toward_the_alarm(
    engine: LocalEngine,
) -> None:
    body = json.dumps(payload("standby.json")).encode()
    at = engine.clock.now()
    first = webhook.apply(engine.deps, parse(body, at), at).outcome
    again = webhook.apply(engine.deps, parse(body, at), at).outcome
    assert (first["agent_standby_paused"], again["agent_standby_paused"]) == (1, 0)
    assert again["agent_standby"] == 1
