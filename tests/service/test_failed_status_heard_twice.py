"""A `failed` status WhatsApp delivers again (its first POST answered 5xx, or the POST held
another status that was not recorded yet) must not do more the second time than the first.
A step the first delivery sent again for a policy error (131047: its template instead)
must not also be sent on the step's next channel by the second."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
WA_ID = "6281100000951"


def _failed_status(followup: FollowUp, at: Any, code: int) -> dict[str, Any]:
    document = envelopes.status(
        followup.provider_message_id or "", "failed", at, WA_ID, followup.id
    )
    document["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [
        {"code": code, "title": "Re-engagement message", "message": "Re-engagement message"}
    ]
    return document


def test_a_131047_failure_heard_twice_sends_the_step_once_more_not_twice(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a step sent by WhatsApp (free text in the 24 h window, else its template),
    # falling back to SMS when undeliverable, and a lead who wrote two hours ago
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": "whatsapp",
        "fallbacks": ["sms"],
        "text": "Hi {first_name|there}, still thinking about applying?",
        "template": {"name": "apply_reminder", "language": "en"},
    }
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    engine.deps.rules.save_rule(rule(trigger=trigger, steps=[step]))
    written = engine.clock.now() - 2 * HOUR
    lead = quiet_contact(engine.deps, WA_ID, written)
    engine.sandbox.record_inbound(WA_ID, written)
    engine.tick()
    [text] = engine.deps.followups.followups_of(lead.id)
    assert text.status is Status.SENT
    assert text.rendered is not None
    assert text.rendered.kind == "text"
    # When WhatsApp reports the text failed, window closed (131047), and delivers that
    # same status again (its first POST was answered with an error)
    at = engine.clock.now() + timedelta(seconds=5)
    engine.clock.advance(timedelta(seconds=10))
    assert engine.deliver(_failed_status(text, at, 131047)) == 200
    assert engine.deliver(_failed_status(text, at, 131047)) == 200
    engine.ticks(3, every=timedelta(minutes=1))
    # Then the step goes once more, as its template, and the lead gets no SMS besides
    templates = [r for r in engine.sandbox.sent() if r.body and r.body.get("type") == "template"]
    assert len(templates) == 1
    assert outbox.sent == [], "the lead got the step a third time, by SMS"
