"""A new journey is enrolled in the commit that queues its first step. When the tick dies
after writing that follow-up and before enrolling the lead, the tick workflow's dispatch
still sends it: the next tick finds it sent, or being sent, and enrolls the lead as the
journey stands after it, so the later steps still go, and the journey counts once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import Status
from followup_local.memory_engine import MemoryEngine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_lead, rule
from tests.support.crashes import Died, Interrupted

HOUR = timedelta(hours=1)
RUDI = "6281100000971"
RULE = "apply-remind-24h"
TEMPLATE = {
    "name": "apply_reminder",
    "language": "en",
    "params": [{"field": "first_name", "default": "there"}],
}
TWO_STEPS = [
    {"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi, step one", "template": TEMPLATE},
    {"wait": {"amount": 2, "unit": "hours"}, "text": "Hi, step two", "template": TEMPLATE},
]


def newly_quiet_lead(engine: MemoryEngine) -> Contact:
    """A two-step rule (step 2 two hours after step 1), and a lead whose silence crosses
    now: the tick enrolls it in the commit that queues step 1."""
    engine.deps.rules.save_rule(rule(RULE, steps=TWO_STEPS))
    lead = quiet_lead("c-rudi", RUDI, engine.clock.now() - 25 * HOUR)
    engine.deps.contacts.import_contacts([lead])
    return lead


def tick_dies_before_enrolling(engine: MemoryEngine) -> None:
    """The enqueue tick dies after writing the lead's slot and follow-up, before it
    inserts the enrollment."""
    crash = Interrupted(engine.deps, dies_after=2)
    with pytest.raises(Died):
        engine.scheduled("enqueue")
    crash.restore()


def steps_sent(engine: MemoryEngine, lead: Contact) -> list[int]:
    found = engine.deps.followups.followups_of(lead.id)
    return sorted(f.step_index for f in found if f.sent_at is not None)


def journeys(engine: MemoryEngine) -> dict[str, Any]:
    """What the Stats page counts of the rule's journeys."""
    total: Counter[str] = Counter()
    for row in engine.deps.stats.stats(TUESDAY_9AM_JAKARTA.date(), engine.clock.now().date()):
        if row.rule_id == RULE:
            total.update(row.counts)
    return {name: total[name] for name in ("entered", "completed", "exited", "sent")}


def test_the_second_step_goes_when_the_first_went_out_before_the_lead_was_enrolled(
    engine: MemoryEngine,
) -> None:
    # Given a lead whose silence crosses now, and an enqueue tick that dies after writing
    # step 1's follow-up, before enrolling the lead
    lead = newly_quiet_lead(engine)
    tick_dies_before_enrolling(engine)
    # When the tick workflow's dispatch runs regardless, and step 1 goes out
    engine.scheduled("dispatch")
    engine.drain()
    assert steps_sent(engine, lead) == [0]
    # And hourly ticks run on for a day
    engine.ticks(24, every=HOUR)
    # Then step 2 went two hours after step 1, as the journey promises
    assert steps_sent(engine, lead) == [0, 1]
    first, second = sorted(
        (f for f in engine.deps.followups.followups_of(lead.id)), key=lambda f: f.step_index
    )
    assert first.sent_at is not None
    assert second.sent_at is not None
    assert second.sent_at - first.sent_at < 3 * HOUR
    # And the Stats page shows one journey entered and completed, with its two sends
    assert journeys(engine) == {"entered": 1, "completed": 1, "exited": 0, "sent": 2}


def test_the_second_step_goes_when_the_first_is_being_sent_as_the_next_tick_enrolls(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a lead whose silence crosses now, and an enqueue tick that dies after writing
    # step 1's follow-up, before enrolling the lead
    lead = newly_quiet_lead(engine)
    tick_dies_before_enrolling(engine)
    # And WhatsApp answers step 1's send only after the next enqueue tick ran
    provider = engine.deps.whatsapp.send
    seen: list[Status] = []

    def send_across_the_next_tick(outbound: Any) -> str:
        [followup] = engine.deps.followups.followups_of(lead.id)
        seen.append(followup.status)
        engine.scheduled("enqueue")
        return provider(outbound)

    monkeypatch.setattr(engine.deps.whatsapp, "send", send_across_the_next_tick)
    # When dispatch sends step 1
    engine.scheduled("dispatch")
    engine.drain()
    monkeypatch.setattr(engine.deps.whatsapp, "send", provider)
    assert seen == [Status.SENDING]
    assert steps_sent(engine, lead) == [0]
    # And hourly ticks run on for a day
    engine.ticks(24, every=HOUR)
    # Then step 2 went too, and the journey is done, entered once
    assert steps_sent(engine, lead) == [0, 1]
    [enrollment] = engine.deps.followups.enrollments_of(lead.id)
    assert enrollment.item.state is EnrollmentState.COMPLETED
    assert journeys(engine) == {"entered": 1, "completed": 1, "exited": 0, "sent": 2}
