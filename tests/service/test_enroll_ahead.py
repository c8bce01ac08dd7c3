"""Sent when due, from the first step: a tick enrolls the contacts whose silence crosses a
rule's idle time before the next tick, each planned for the moment it crosses, and a
silence broken before that moment sends nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact, Speaker
from followup.domain.followup import FollowUp
from followup.domain.rule import Rule
from followup.domain.stored import STORED
from followup.services import rules
from followup.services.contacts import change_stage, upsert
from followup.services.inbound import record_inbound, record_outbound
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, quiet_contact, quiet_lead, rule

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
IDLE = 24 * HOUR
CROSSES_IN = timedelta(minutes=29, seconds=13)
"""The lead's silence crosses the rule's idle time this long after the first tick."""


def sent(engine: MemoryEngine, contact_id: str) -> list[FollowUp]:
    found = engine.deps.followups.followups_of(contact_id)
    return [f for f in found if f.sent_at is not None]


def every(engine: MemoryEngine, tick: timedelta, until: datetime) -> None:
    """Ticks every `tick` up to `until`, the queue running between them."""
    engine.deps.timings = replace(engine.deps.timings, tick=tick)
    while engine.clock.now() <= until:
        engine.tick()
        engine.run_until(engine.clock.now() + tick)


def test_a_first_step_with_no_wait_goes_the_moment_the_silence_crosses_the_idle_time(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks, a 24 h rule sending at once, and a lead whose silence crosses
    # 24 h 29 min 13 s after the first tick
    start = engine.clock.now()
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000201", start - IDLE + CROSSES_IN)
    # When the engine ticks hourly for two hours
    every(engine, HOUR, start + 2 * HOUR)
    # Then the follow-up went out once, at that second, not at the next tick
    [followup] = sent(engine, lead.id)
    assert followup.sent_at == start + CROSSES_IN
    assert len(engine.sandbox.sent()) == 1


def _replies(engine: MemoryEngine, lead: Contact, at: datetime) -> None:
    engine.sandbox.record_inbound(lead.wa_id or "", at)  # WhatsApp's side knows it too
    record_inbound(engine.deps, lead.wa_id or "", "still deciding", at)


def _agent_writes(engine: MemoryEngine, lead: Contact, at: datetime) -> None:
    record_outbound(engine.deps, lead.id, Speaker.AGENT, "Any questions about the course?", at)


def _moves_stage(engine: MemoryEngine, lead: Contact, at: datetime) -> None:
    change_stage(engine.deps, lead.id, "qualified", at)


@pytest.mark.parametrize(
    ("exit_on_reply", "breaks_silence"),
    [
        (True, _replies),
        (False, _replies),
        (True, _agent_writes),
        (True, _moves_stage),
    ],
    ids=["reply", "reply-rule-not-exiting-on-reply", "agent-message", "stage-change"],
)
def test_a_silence_broken_after_enrolling_ahead_but_before_it_crosses_sends_nothing(
    engine: MemoryEngine,
    exit_on_reply: bool,
    breaks_silence: Callable[[MemoryEngine, Contact, datetime], None],
) -> None:
    # Given hourly ticks and a lead whose silence crosses the rule's 24 h after 29 min
    start = engine.clock.now()
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    exit_policy = {"stages": ["applied", "paid", "enrolled"], "on_reply": exit_on_reply}
    engine.deps.rules.save_rule(rule(exit=exit_policy))
    lead = quiet_contact(engine.deps, "6281100000202", start - IDLE + CROSSES_IN)
    # And a tick that enrolled it ahead, its send planned for the crossing
    engine.tick()
    assert len(engine.deps.followups.enrollments_of(lead.id)) == 1
    # When the silence breaks 10 minutes later, before it lasted 24 h
    engine.clock.advance(10 * MINUTE)
    breaks_silence(engine, lead, engine.clock.now())
    # And the engine runs on for two hours
    engine.run_until(start + HOUR)
    every(engine, HOUR, start + 2 * HOUR)
    # Then nothing was sent: the rule's trigger never became true
    assert sent(engine, lead.id) == []
    assert engine.sandbox.sent() == []


def test_conditions_are_those_at_the_moment_the_silence_crosses(engine: MemoryEngine) -> None:
    # Given a rule for leads no agent wrote to in the last 25 h, on hourly ticks
    start = engine.clock.now()
    conditions = {"no_agent_message_within": {"amount": 25, "unit": "hours"}}
    engine.deps.rules.save_rule(rule(conditions=conditions))
    # And a lead an agent wrote to 70 min before the lead's last message: 25 h 10 min
    # before the crossing, so 24 h 41 min before the first tick
    last = start - IDLE + CROSSES_IN
    lead = quiet_contact(engine.deps, "6281100000203", last)
    record_outbound(engine.deps, lead.id, Speaker.AGENT, "Here is the brochure", last - 70 * MINUTE)
    # When the engine ticks hourly for two hours
    every(engine, HOUR, start + 2 * HOUR)
    # Then the follow-up went out at the crossing, where the condition holds
    [followup] = sent(engine, lead.id)
    assert followup.sent_at == start + CROSSES_IN


def test_a_date_reminder_goes_at_its_minute_between_hourly_ticks(engine: MemoryEngine) -> None:
    # Given "7 days before `renewal_date` at 09:20" and a Jakarta customer renewing on
    # 8 December, on hourly ticks at :00
    trigger = before_renewal(7, at="09:20")
    rules.create(engine.deps, rule("renewal-reminder", trigger=trigger, exit={}))
    customer, _ = upsert(
        engine.deps,
        "6281100000204",
        {"name": "Sari", "timezone": "Asia/Jakarta", "attributes": {"renewal_date": "2026-12-08"}},
    )
    # When the ticks run past 1 December
    every(engine, HOUR, datetime(2026, 12, 2, tzinfo=UTC))
    # Then the reminder went once, at 09:20 in Jakarta, not at the 10:00 tick
    [followup] = sent(engine, customer.id)
    assert followup.sent_at == datetime(2026, 12, 1, 9, 20, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_a_rule_shorter_than_a_tick_answers_a_silence_begun_between_ticks_at_the_next_tick(
    engine: MemoryEngine,
) -> None:
    # Given a rule for leads quiet 5 minutes, on hourly ticks that ran at the start
    start = engine.clock.now()
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    engine.deps.rules.save_rule(
        rule(trigger={"stages": ["new"], "idle": {"amount": 5, "unit": "minutes"}})
    )
    engine.tick()
    # When a lead writes 10 minutes later: the silence crosses 5 minutes after that, behind
    # the watermark the tick already moved to the next tick
    engine.clock.advance(10 * MINUTE)
    written = engine.clock.now()
    engine.sandbox.record_inbound("6281100000205", written)
    lead = record_inbound(engine.deps, "6281100000205", "info about the course?", written)
    # Then the message's own write enrolled it, its first step due at the crossing
    [enrollment] = [e.item for e in engine.deps.followups.enrollments_of(lead.contact_id)]
    assert enrollment.enrolled_at == written
    assert enrollment.next_due_at == written + 5 * MINUTE
    # And the next tick sends it, once: up to a tick after the crossing
    engine.run_until(start + HOUR)
    every(engine, HOUR, start + 3 * HOUR)
    [followup] = sent(engine, lead.contact_id)
    assert followup.sent_at == start + HOUR
    assert len(engine.sandbox.sent()) == 1


def test_a_lead_found_by_a_tick_stays_enrolled_when_its_first_step_cannot_be_planned(
    engine: MemoryEngine,
) -> None:
    # Given a rule, stored before today's checks, whose send window never opens, and a
    # lead the tick finds as its silence crosses
    body = rule("closed").model_dump(mode="json")
    body["send_window"] = {"hours": {}}
    engine.deps.rules.save_rule(Rule.model_validate(body, context=STORED))
    lead = quiet_lead("c-closed", "6281100000801", engine.clock.now() - IDLE - HOUR)
    engine.deps.contacts.import_contacts([lead])

    # When the engine ticks
    report = engine.scheduled("enqueue")

    # Then the rule shows its error, and the lead is enrolled and due, for a tick after
    # the rule is fixed to plan its step
    assert set(report["failed_rules"]) == {"closed"}
    [enrolled] = engine.deps.followups.enrollments_of(lead.id)
    assert enrolled.item.next_due_at is not None
    assert engine.deps.followups.followups_of(lead.id) == []
