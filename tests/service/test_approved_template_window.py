"""An AI template parameter approved by a person goes as the approved template, under its
name, even when the lead wrote back while it waited (a rule that goes on after a reply)
and free text could go again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.followup import Status
from followup.services.approval import approve
from followup_local import envelopes
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, writing_in_english
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
WA_ID = "6281100000990"
STEP: dict[str, Any] = {
    "wait": {"amount": 0, "unit": "minutes"},
    "text": "Hi {first_name|there}, still applying?",
    "template": {
        "name": "apply_reminder",
        "language": "en",
        "params": [
            {"field": "first_name", "default": "there"},
            {"text": "Seats are limited this intake.", "ai": True},
        ],
    },
    "ai": {"instructions": "Ask whether they still apply.", "approval": True},
}


def test_an_approved_template_goes_with_its_name_after_the_lead_wrote_back(
    engine: MemoryEngine,
) -> None:
    with FakeAnthropic(KEY) as fake:
        # Given an approval step, in a rule that goes on when the lead replies, and a lead
        # quiet for 25 h: outside the window the AI writes the template's parameter
        deps = engine.deps
        writing_in_english(engine, fake)
        deps.rules.save_rule(rule(steps=[STEP], exit={"on_reply": False}))
        lead = quiet_contact(deps, WA_ID, engine.clock.now() - 25 * HOUR)
        engine.tick()
        [written] = deps.followups.followups_of(lead.id)
        assert (written.status, written.reason) == (Status.QUEUED, "awaiting_approval")
        assert written.proposed is not None
        assert (written.proposed.kind, written.proposed.template_name) == (
            "template",
            "apply_reminder",
        )
        # And the lead writes back (their 24 h window opens), which leaves it waiting
        now = engine.clock.now()
        engine.sandbox.record_inbound(WA_ID, now)
        engine.deliver(envelopes.text_message(WA_ID, "ok, still thinking", now, "wamid.in1"))
        waiting = deps.followups.followup(written.id)
        assert waiting is not None
        assert (waiting.status, waiting.reason) == (Status.QUEUED, "awaiting_approval")
        # When a person approves it
        engine.clock.advance(timedelta(minutes=5))
        approve(deps, written.id)
        engine.tick()
        engine.drain()
    # Then the approved template goes once, named, with the parameter the person approved
    sent = [r.body for r in engine.sandbox.requests if r.body is not None]
    assert len(sent) == 1
    assert sent[0]["type"] == "template"
    assert sent[0]["template"]["name"] == "apply_reminder"
    parameters = [p["text"] for p in sent[0]["template"]["components"][0]["parameters"]]
    assert parameters == written.proposed.params
    done = deps.followups.followup(written.id)
    assert done is not None
    assert done.status is Status.SENT, f"{done.status} ({done.reason})"
    assert done.rendered is not None
    assert done.rendered.template_name == "apply_reminder"
