"""Send now offers and sends only rules whose journey opens with a message, that are on,
and whose trigger stages and conditions take the lead."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.errors import InvalidField
from followup.services.manual import applicable, send_now
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

RUDI = "6281100000611"
HOUR = timedelta(hours=1)
MESSAGE = {
    "wait": {"amount": 0, "unit": "minutes"},
    "text": "Hi again!",
    "template": {
        "name": "apply_reminder",
        "language": "en",
        "params": [{"field": "first_name", "default": "there"}],
    },
}
OPENINGS: dict[str, dict[str, Any]] = {
    "tags-first": {"kind": "action", "do": "add_tag", "tag": "nudged"},
    "waits-first": {"kind": "wait", "for": {"amount": 1, "unit": "hours"}},
    "branches-first": {"kind": "branch", "then": 1},
}


@pytest.mark.parametrize("rule_id", sorted(OPENINGS))
def test_send_now_refuses_a_rule_whose_journey_opens_without_a_message(
    engine: MemoryEngine, rule_id: str
) -> None:
    # Given an active rule that first tags, waits or branches, then messages the lead
    deps = engine.deps
    deps.rules.save_rule(rule(rule_id, steps=[OPENINGS[rule_id], MESSAGE]))
    lead = quiet_contact(deps, RUDI, engine.clock.now() - HOUR)
    engine.sandbox.record_inbound(RUDI, engine.clock.now() - HOUR)
    # When a counsellor presses "send now" with it
    with pytest.raises(InvalidField) as refused:
        send_now(deps, lead.id, rule_id)
    # Then they are told at once why, and nothing is queued or sent
    assert refused.value.field == "rule_id"
    assert refused.value.code == "rule_opens_without_message"
    assert "opens with" in refused.value.message
    engine.drain()
    assert engine.sandbox.sent() == []
    assert deps.followups.followups_of(lead.id) == []
    # And the lead's slot stays free: a rule that opens with a message still goes at once
    deps.rules.save_rule(rule("apply-remind-24h", steps=[MESSAGE]))
    followup = send_now(deps, lead.id, "apply-remind-24h")
    engine.drain()
    assert [r.followup_id for r in engine.sandbox.sent()] == [followup.id]


def test_send_now_refuses_a_rule_that_is_off_or_not_for_the_lead(engine: MemoryEngine) -> None:
    # Given a rule marketing turned off, and one for qualified leads only; a lead in stage new
    deps = engine.deps
    deps.rules.save_rule(rule("win-back", active=False))
    qualified = {"stages": ["qualified"], "idle": {"amount": 24, "unit": "hours"}}
    deps.rules.save_rule(rule("pay-remind", trigger=qualified))
    lead = quiet_contact(deps, RUDI, engine.clock.now() - HOUR)
    # When a counsellor asks to send either by hand (neither is offered on the lead's page)
    assert applicable(deps, lead) == []
    for rule_id, code in (("win-back", "rule_inactive"), ("pay-remind", "rule_not_for_contact")):
        with pytest.raises(InvalidField) as refused:
            send_now(deps, lead.id, rule_id)
        # Then each is refused saying why, and nothing is queued or sent
        assert (refused.value.field, refused.value.code) == ("rule_id", code)
    engine.drain()
    assert engine.sandbox.sent() == []
    assert deps.followups.followups_of(lead.id) == []
    # And a qualified lead is sent the qualified leads' rule
    paying = quiet_contact(deps, "6281100000612", engine.clock.now() - HOUR, stage="qualified")
    followup = send_now(deps, paying.id, "pay-remind")
    engine.drain()
    assert [r.followup_id for r in engine.sandbox.sent()] == [followup.id]


def test_the_contact_page_offers_only_rules_that_open_with_a_message(
    engine: MemoryEngine,
) -> None:
    # Given active rules for the lead: one messages first, the others tag, wait or branch
    deps = engine.deps
    deps.rules.save_rule(rule("apply-remind-24h", steps=[MESSAGE]))
    for rule_id, opening in OPENINGS.items():
        deps.rules.save_rule(rule(rule_id, steps=[opening, MESSAGE]))
    lead = quiet_contact(deps, RUDI, engine.clock.now() - HOUR)
    # When the contact page lists the rules "send now" can use
    offered = [r.id for r in applicable(deps, lead)]
    # Then only the one whose journey opens with a message is offered
    assert offered == ["apply-remind-24h"]
