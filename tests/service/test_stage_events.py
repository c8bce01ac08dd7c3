"""Stage changes from a CRM arrive late, out of order and more than once: the funnel keeps
the latest, and a change sent again after a crash finishes what it began."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup.services import crm_events
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.crashes import Died, Interrupted

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WA_ID = "6281100000777"


def apply(engine: MemoryEngine, event: dict[str, Any]) -> Any:
    return crm_events.apply(engine.deps, crm_events.Event.model_validate(event).root)


def moved(stage: str, at: Any) -> dict[str, Any]:
    return {"type": "stage_changed", "contact": WA_ID, "stage": stage, "at": at.isoformat()}


def converted(engine: MemoryEngine) -> int:
    engine.pump_stream()
    today = engine.clock.now().date()
    days = engine.deps.stats.stats(date(today.year, 1, 1), today)
    return sum(d.counts.get("converted", 0) for d in days if d.rule_id != "all")


def test_an_older_stage_heard_late_does_not_move_a_paid_lead_back_nor_ask_them_to_pay(
    engine: MemoryEngine,
) -> None:
    # Given a rule that nudges leads who enter "applied" to pay
    engine.deps.rules.save_rule(
        rule(
            "pay-nudge",
            trigger={"kind": "stage_entered", "stages": ["applied"]},
            exit={"stages": ["paid", "enrolled"]},
        )
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 2 * DAY)
    now = engine.clock.now()
    # When the CRM's "paid" (5 minutes ago) arrives before its "applied" (10 minutes ago)
    apply(engine, moved("paid", now - timedelta(minutes=5)))
    apply(engine, moved("applied", now - timedelta(minutes=10)))
    engine.ticks(3, every=HOUR)
    # Then the lead who paid stays "paid" and is not asked to pay
    stored = engine.deps.contacts.contact(lead.id)
    assert stored is not None
    assert (stored.item.stage, len(engine.sandbox.sent())) == ("paid", 0)


def test_an_older_stage_heard_late_still_moves_a_lead_forward(engine: MemoryEngine) -> None:
    # Given a lead who "applied" 5 minutes ago
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 2 * DAY)
    now = engine.clock.now()
    apply(engine, moved("applied", now - timedelta(minutes=5)))
    # When the CRM's "paid" of 10 minutes ago arrives now
    apply(engine, moved("paid", now - timedelta(minutes=10)))
    # Then the lead is "paid": a funnel only goes on
    stored = engine.deps.contacts.contact(lead.id)
    assert stored is not None
    assert stored.item.stage == "paid"


@pytest.mark.parametrize("paid_ago", [10, 5], ids=["paid-earlier", "paid-same-time"])
def test_the_stage_a_late_move_forward_left_heard_again_does_not_move_the_lead_back(
    engine: MemoryEngine, paid_ago: int
) -> None:
    # Given a rule that asks leads quiet a day in "applied" to pay
    engine.deps.rules.save_rule(
        rule(
            "pay-nudge",
            trigger={"stages": ["applied"], "idle": {"amount": 24, "unit": "hours"}},
            exit={"stages": ["paid", "enrolled"]},
        )
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 2 * DAY)
    now = engine.clock.now()
    applied = moved("applied", now - timedelta(minutes=5))
    # And the CRM's "applied" (5 minutes ago), then its "paid" dated no later
    apply(engine, applied)
    apply(engine, moved("paid", now - timedelta(minutes=paid_ago)))
    # When the bus delivers "applied" a second time, and a day goes by
    apply(engine, applied)
    engine.ticks(26, every=HOUR)
    # Then the lead is still "paid" and is not asked to pay
    stored = engine.deps.contacts.contact(lead.id)
    assert stored is not None
    assert (stored.item.stage, len(engine.sandbox.sent())) == ("paid", 0)


def test_a_stage_change_sent_again_after_a_crash_still_counts_the_conversion(
    engine: MemoryEngine,
) -> None:
    # Given a lead quiet for a day who was sent the rule's follow-up
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert [f.status for f in engine.deps.followups.followups_of(lead.id)] == [Status.SENT]
    engine.clock.advance(HOUR)
    event = moved("applied", engine.clock.now())
    # When the process dies after its first write, and the same event is delivered again
    for dies_after in (0, 1, 2):
        crash = Interrupted(engine.deps, dies_after=dies_after)
        with contextlib.suppress(Died):
            apply(engine, event)
        crash.restore()
    apply(engine, event)
    engine.tick()
    # Then the lead who applied an hour after the follow-up counts as its conversion, once
    assert converted(engine) == 1
    stored = engine.deps.contacts.contact(lead.id)
    assert stored is not None
    assert stored.item.stage == "applied"
