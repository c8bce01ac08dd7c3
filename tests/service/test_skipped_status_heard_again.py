"""A sent message WhatsApp reports failed with an error that ends its follow-up `skipped`
(130472: the lead is in a Meta experiment) never reached the lead, so their frequency cap
stops counting it, even when the webhook erred between the two writes and WhatsApp
delivered the status again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup.services.ports import ContactChange
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule, sends_a_day

HOUR = timedelta(hours=1)
WA_ID = "6281100000893"
TEMPLATE = {"name": "apply_reminder", "language": "en"}


class Throttled(Exception):
    """DynamoDB refused the write past the SDK's retries."""


def _failed_status(engine: MemoryEngine, followup: FollowUp, code: int) -> dict[str, Any]:
    document = envelopes.status(
        followup.provider_message_id or "", "failed", engine.clock.now(), WA_ID, followup.id
    )
    entry = document["entry"][0]["changes"][0]["value"]["statuses"][0]
    entry["errors"] = [{"code": code, "title": "Experiment"}]
    return document


def _contact_write_fails_once(engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    real = engine.deps.transactions.commit
    failed: list[int] = []

    def commit(changes: Any, at: Any) -> None:
        if not failed and any(isinstance(c, ContactChange) for c in changes):
            failed.append(1)
            raise Throttled("contact write")
        real(changes, at)

    monkeypatch.setattr(engine.deps.transactions, "commit", commit)


def _two_rules_one_send_a_day(engine: MemoryEngine) -> str:
    """One follow-up a day per lead; a rule for leads quiet 24 h and another for 26 h; a
    lead quiet for 25 h, sent the first rule's message."""
    sends_a_day(engine.deps, 1)
    step = [{"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}]
    engine.deps.rules.save_rule(rule("first", steps=step))
    later = {"stages": ["new"], "idle": {"amount": 26, "unit": "hours"}}
    engine.deps.rules.save_rule(rule("second", trigger=later, steps=step))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    return lead.id


def _second_rule(engine: MemoryEngine, contact_id: str) -> FollowUp:
    engine.clock.advance(90 * timedelta(minutes=1))
    engine.tick()
    [second] = [f for f in engine.deps.followups.followups_of(contact_id) if f.rule_id == "second"]
    return second


@pytest.mark.parametrize("heard", ["once", "again after a 500"])
def test_a_skipped_send_heard_again_stops_counting_toward_the_cap(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, heard: str
) -> None:
    # Given a lead's first follow-up sent, and WhatsApp reporting it failed (130472): the
    # lead never got it
    contact_id = _two_rules_one_send_a_day(engine)
    [first] = engine.deps.followups.followups_of(contact_id)
    assert first.status is Status.SENT
    engine.clock.advance(timedelta(minutes=1))
    document = _failed_status(engine, first, 130472)
    # When the webhook hears it (the first time failing after the follow-up's write, so
    # WhatsApp delivers it again)
    if heard != "once":
        _contact_write_fails_once(engine, monkeypatch)
        assert engine.deliver(document) == 500
    assert engine.deliver(document) == 200
    stored = engine.deps.followups.followup(first.id)
    assert stored is not None
    assert stored.status is Status.SKIPPED
    # Then the lead's cap no longer counts it, and the second rule's follow-up goes
    second = _second_rule(engine, contact_id)
    assert second.status is Status.SENT, (second.status, second.reason)
