"""A step sent again by another channel after WhatsApp reported it failed is the lead's
one pending follow-up: another rule's step waits for it, so the lead is not sent two
messages at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup.domain.rule import Rule
from followup.domain.settings import FrequencyCap
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.outbox import Outbox

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
WA_ID = "6281100000891"


def one_step(rule_id: str, channel: str, fallbacks: list[str], idle: timedelta) -> Rule:
    step: dict[str, Any] = {
        "wait": {"amount": 0, "unit": "minutes"},
        "channel": channel,
        "fallbacks": fallbacks,
        "text": "Hi {first_name|there}, your place is still open.",
        "template": {"name": "apply_reminder", "language": "en"},
    }
    minutes = int(idle.total_seconds() // 60)
    trigger = {"stages": ["new"], "idle": {"amount": minutes, "unit": "minutes"}}
    return rule(rule_id, trigger=trigger, steps=[step])


def failed(engine: MemoryEngine, followup: FollowUp) -> int:
    """WhatsApp reports, after accepting it, that the message could not be delivered."""
    document = envelopes.status(
        followup.provider_message_id or "", "failed", engine.clock.now(), WA_ID, followup.id
    )
    entry = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry["errors"] = [{"code": 131026, "title": "Message undeliverable"}]
    return engine.deliver(document)


def by_rule(engine: MemoryEngine, contact_id: str) -> dict[str, list[FollowUp]]:
    found: dict[str, list[FollowUp]] = {}
    for followup in engine.deps.followups.followups_of(contact_id):
        found.setdefault(followup.rule_id, []).append(followup)
    return found


def test_another_rules_step_waits_for_the_sms_sent_in_place_of_a_failed_whatsapp(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given a WhatsApp rule falling back to SMS on a 24 h silence, and an SMS rule on a
    # 24 h 30 min one, three follow-ups a day allowed, and a lead quiet for 24 h whose
    # WhatsApp message went
    settings = engine.deps.rules.settings()
    gating = settings.gating.model_copy(
        update={"frequency_cap": FrequencyCap(max_sends=3), "cold_max_followups": 3}
    )
    engine.deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    engine.deps.rules.save_rule(one_step("wa-first", "whatsapp", ["sms"], 24 * HOUR))
    engine.deps.rules.save_rule(one_step("sms-later", "sms", [], 24 * HOUR + 30 * MINUTE))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 24 * HOUR - MINUTE)
    engine.tick()
    [whatsapp] = by_rule(engine, lead.id)["wa-first"]
    assert whatsapp.status is Status.SENT
    # When WhatsApp reports it failed, ten minutes later, and the scheduler ticks on the
    # hour, after the SMS rule's silence crossed
    engine.run_until(engine.clock.now() + 10 * MINUTE)
    assert failed(engine, whatsapp) == 200
    engine.run_until(engine.clock.now() + 50 * MINUTE)
    engine.tick()
    # Then the SMS in place of the WhatsApp message goes, and the other rule's waits for
    # it: one message to the lead at a time
    rules = by_rule(engine, lead.id)
    fallback = next(f for f in rules["wa-first"] if f.channel == "sms")
    assert fallback.status is Status.SENT
    assert [f.status for f in rules.get("sms-later", [])] in ([], [Status.QUEUED])
    assert len(outbox.sent) == 1
    # And it goes at the next tick, once the first is sent
    engine.run_until(engine.clock.now() + HOUR)
    engine.tick()
    assert len(outbox.sent) == 2
