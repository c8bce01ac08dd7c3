"""The contact's upcoming steps count what is still to go toward the frequency cap, as
the ticks do once it went: a step the cap will skip for another follow-up already queued
for the contact (another rule's, sent by hand, or the journey's own) is not promised."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.contact import Contact
from followup.domain.followup import Status
from followup.services.contacts import update_contact
from followup.services.manual import send_now
from followup_local.memory_engine import MemoryEngine
from tests.service.test_upcoming_agrees import (
    NUDGE,
    WA_ID,
    journey_under_way,
    nudge_journey,
    promised,
    sent,
    ticks,
)
from tests.support.builders import quiet_contact, rule

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
OFFER = "Offer"


def offer_held_till_the_afternoon(engine: MemoryEngine, lead: Contact) -> None:
    """Another rule's offer, sent by hand now and held by its send window until 14:00."""
    afternoon = {"hours": {"tue": [{"start": "14:00", "end": "17:00"}]}}
    trigger = {"stages": ["lost"], "idle": {"amount": 1, "unit": "hours"}}
    steps = [{"wait": {"amount": 0, "unit": "minutes"}, "text": OFFER}]
    engine.deps.rules.save_rule(rule("offer", trigger=trigger, steps=steps, send_window=afternoon))
    held = send_now(engine.deps, lead.id, "offer")
    assert held.status is Status.QUEUED


def test_a_step_the_cap_skips_for_a_follow_up_queued_by_hand_is_not_promised(
    engine: MemoryEngine,
) -> None:
    # Given a journey under way (the nudge at 10:00, the last call due at 12:00), and at
    # 10:10 another rule's offer sent by hand, which its send window holds until 14:00:
    # two follow-ups in the day, the cap, once the offer goes
    start, lead = journey_under_way(engine)
    engine.run_until(start + 70 * MINUTE)
    offer_held_till_the_afternoon(engine, lead)
    # Then the page promises no last call
    assert promised(engine, lead) == []
    # And the ticks send the offer at 14:00, and no last call
    ticks(engine, start, range(2, 9))
    assert sent(engine) == [(NUDGE, start + HOUR), (OFFER, start + 5 * HOUR)]


def test_a_step_the_cap_skips_for_the_journeys_own_queued_send_is_not_promised(
    engine: MemoryEngine,
) -> None:
    # Given a lead sent a follow-up at 8:00 who last wrote at 8:30, and the journey saved
    # at 9:00: its nudge falls due at 9:30, the last call at 11:30
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(update={"recent_sends": [start - HOUR], "followups_sent": 1}),
        start,
    )
    engine.deps.rules.save_rule(nudge_journey())
    # When the tick at 9:00 queues the nudge ahead, and the page is asked before it goes
    engine.tick()
    queued = [f for f in engine.deps.followups.followups_of(lead.id) if f.status.unsent]
    assert [f.scheduled_at for f in queued] == [start + 30 * MINUTE]
    # Then the page promises no last call: with the nudge, two follow-ups in the day
    assert promised(engine, lead) == []
    # And the ticks send the nudge, and no last call
    engine.run_until(start + 30 * MINUTE)
    engine.drain()
    ticks(engine, start, range(1, 6))
    assert [text for text, _ in sent(engine)] == [NUDGE]
