"""Sends by hand: a lead one goes to at once, and ones that wait, queued, behind a paused
number, for the tests of what the engine and its previews make of them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from followup.domain.contact import Contact
from followup.services.manual import send_now
from followup.services.pausing import pause_number
from followup.services.webhook import resume_number
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


def held_by_hand(engine: MemoryEngine, lead: Contact, rule_id: str = "nudge") -> str:
    """Send `rule_id` to `lead` now while the number is paused: the send waits, queued,
    for it to resume. Its follow-up's id."""
    number = engine.deps.numbers.sender(lead.phone_number_id, [])
    pause_number(engine.deps, number, "quality rated low", engine.clock.now())
    manual = send_now(engine.deps, lead.id, rule_id)
    engine.drain()
    return manual.id


def resume(engine: MemoryEngine, lead: Contact) -> None:
    """Resume the number `lead` is sent from, and send what it held."""
    number = engine.deps.numbers.sender(lead.phone_number_id, [])
    assert resume_number(engine.deps, number, engine.clock.now())
    engine.drain()


def in_window_at_half_past(engine: MemoryEngine, wa_id: str) -> Contact:
    """Hourly ticks, the default rule, and a lead quiet for an hour who wrote then (their
    24 h window is open), the clock 30 s past the hour: a send by hand goes at once."""
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    engine.deps.rules.save_rule(rule())
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, wa_id, start - HOUR)
    engine.sandbox.record_inbound(lead.wa_id or "", start - HOUR)
    engine.clock.advance(timedelta(seconds=30))
    return lead
