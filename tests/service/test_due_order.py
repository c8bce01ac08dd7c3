"""A contact's steps go in due order: one due later never keeps out one due sooner.

A contact holds one queued follow-up at a time. A lead who writes "busy" on a stage with an
hourly idle rule has two steps due before the next tick's horizon: the nudge in 5 minutes
and the idle rule's first step an hour after the message. The nudge must go first, whatever
the order the enrollments happen to be stored in; and so it goes across rules, whichever
rule or index a step comes from, a step placed at the time it would be sent (its send
window, its lead's own clock) and judged on its contact as the tick left it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.rule import Rule, Step
from followup.services.contacts import update_contact
from followup.services.ports import ContactChange
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import follow_up_rule
from tests.support.builders import quiet_contact, rule, sends_a_day
from tests.support.friday import TEMPLATE

LEADS = [f"62811000009{n:02d}" for n in range(8)]


def test_a_busy_nudge_goes_when_due_though_an_idle_rule_is_enrolled_ahead(
    engine: MemoryEngine,
) -> None:
    # Given a busy nudge 5 minutes after "busy", and an idle rule an hour into a silence
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    idle = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    engine.deps.rules.save_rule(rule("new-idle-1h", trigger=idle))
    # When eight new leads each write "lagi sibuk" (their own message ids, so their
    # enrollments land wherever their ids put them)
    for n, wa_id in enumerate(LEADS):
        engine.sandbox.record_inbound(wa_id, engine.clock.now())
        said = envelopes.text_message(wa_id, "lagi sibuk", engine.clock.now(), f"wamid.B{n}")
        assert engine.deliver(said) == 200
    # And the tick runs ten minutes later
    engine.clock.advance(timedelta(minutes=10))
    engine.tick()
    # Then every lead has had the nudge, now, and nothing else yet
    sent = [request.body for request in engine.sandbox.sent() if request.body is not None]
    assert sorted(body["to"] for body in sent) == LEADS
    assert {body["text"]["body"] for body in sent} == {"Hi again!"}


HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)


def _idle_rule(rule_id: str, idle: timedelta, **overrides: Any) -> Rule:
    """A rule on `new` whose one step, an approved template, goes as the silence crosses."""
    minutes = int(idle.total_seconds() // 60)
    trigger = {"stages": ["new"], "idle": {"amount": minutes, "unit": "minutes"}}
    steps = [{"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}]
    return rule(rule_id, trigger=trigger, steps=steps, **overrides)


def _sent_at(engine: MemoryEngine, contact_id: str) -> dict[str, datetime]:
    """When each rule's follow-up went to the contact."""
    followups = engine.deps.followups.followups_of(contact_id)
    return {f.rule_id: f.sent_at for f in followups if f.sent_at is not None}


def _hourly(engine: MemoryEngine) -> datetime:
    """Ticks every hour from now on; the first tick runs now, and its time is returned."""
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    engine.tick()
    return engine.clock.now()


def _ticks_on(engine: MemoryEngine, first: datetime, hours: int) -> None:
    """The next `hours` hourly ticks after the `first`, the queue running between them."""
    for hour in range(1, hours + 1):
        engine.run_until(first + hour * HOUR)
        engine.tick()


def test_a_silence_crossing_sooner_goes_first_whichever_rule_is_read_first(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks over two idle rules
    engine.deps.rules.save_rule(_idle_rule("a-late", 110 * MINUTE))
    engine.deps.rules.save_rule(_idle_rule("b-soon", 75 * MINUTE))
    first = _hourly(engine)
    # When a lead writes five minutes after a tick, and the engine ticks on: at the next
    # tick the rule read first (by its id) crosses in 55 minutes, the other in 20
    engine.run_until(first + 5 * MINUTE)
    lead = quiet_contact(engine.deps, "6281100000931", engine.clock.now())
    _ticks_on(engine, first, 3)
    # Then the step crossing sooner went the second it crossed, the other after it
    sent = _sent_at(engine, lead.id)
    assert sent["b-soon"] == first + 80 * MINUTE
    assert sent["a-late"] > sent["b-soon"]


def test_a_silence_crossing_sooner_goes_before_a_step_due_later_in_the_same_tick(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks, a nudge 100 minutes after "busy", and an idle rule 80 minutes
    # into a silence
    follow_up_rule(engine, "busy-nudge", "busy", 100)
    engine.deps.rules.save_rule(_idle_rule("new-idle-80m", 80 * MINUTE))
    first = _hourly(engine)
    # When a lead writes "lagi sibuk" five minutes after a tick, and the engine ticks on:
    # at the next tick the nudge is due in 45 minutes, the silence crosses in 25
    engine.run_until(first + 5 * MINUTE)
    wa_id, said_at = "6281100000932", engine.clock.now()
    engine.sandbox.record_inbound(wa_id, said_at)
    said = envelopes.text_message(wa_id, "lagi sibuk", said_at, "wamid.B932")
    assert engine.deliver(said) == 200
    _ticks_on(engine, first, 3)
    # Then the idle rule's step went as the silence crossed, before the nudge due later
    contact_v = engine.deps.contacts.contact_by_wa_id(wa_id)
    assert contact_v is not None
    sent = _sent_at(engine, contact_v.item.id)
    assert sent["new-idle-80m"] == said_at + 80 * MINUTE
    assert sent["busy-nudge"] > sent["new-idle-80m"]


def _says_busy(engine: MemoryEngine, wa_id: str, message_id: str) -> tuple[str, datetime]:
    """A lead writes "lagi sibuk" now; their contact id and when they wrote."""
    said_at = engine.clock.now()
    engine.sandbox.record_inbound(wa_id, said_at)
    said = envelopes.text_message(wa_id, "lagi sibuk", said_at, message_id)
    assert engine.deliver(said) == 200
    contact_v = engine.deps.contacts.contact_by_wa_id(wa_id)
    assert contact_v is not None
    return contact_v.item.id, said_at


AFTERNOONS = {
    "hours": {
        day: [{"start": "14:00", "end": "17:00"}] for day in ("mon", "tue", "wed", "thu", "fri")
    }
}


def test_a_silence_whose_window_opens_hours_later_keeps_out_no_step_going_sooner(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks from 09:00, a nudge 100 minutes after "busy" (the window open
    # now), and an idle rule 80 minutes into a silence whose own hours open at 14:00
    follow_up_rule(engine, "busy-nudge", "busy", 100)
    engine.deps.rules.save_rule(_idle_rule("afternoon-idle", 80 * MINUTE, send_window=AFTERNOONS))
    first = _hourly(engine)
    # When a lead writes "lagi sibuk" at 09:05: at the 10:00 tick the silence crosses at
    # 10:25, its step going at 14:00, and the nudge is due at 10:45
    engine.run_until(first + 5 * MINUTE)
    lead, said_at = _says_busy(engine, "6281100000941", "wamid.B941")
    _ticks_on(engine, first, 6)
    # Then the nudge went when due, and the afternoon rule's step in its window after it
    sent = _sent_at(engine, lead)
    assert sent["busy-nudge"] == said_at + 100 * MINUTE
    assert sent["afternoon-idle"] >= first + 5 * HOUR


def test_a_step_the_window_puts_off_to_tomorrow_keeps_out_no_step_going_tonight(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks from Tuesday 09:00 (the window Mon-Fri 08:00-17:00), a journey
    # an hour into a silence whose second step is 7 h 25 min after its first, and a rule
    # sending at any hour 8 h 40 min into a silence
    two = _idle_rule("two-step", HOUR)
    later = Step.model_validate({"wait": {"amount": 445, "unit": "minutes"}, "template": TEMPLATE})
    engine.deps.rules.save_rule(two.model_copy(update={"steps": [*two.steps, later]}))
    engine.deps.rules.save_rule(_idle_rule("anytime", 520 * MINUTE, send_anytime=True))
    sends_a_day(engine.deps, 5)
    first = _hourly(engine)
    # When a lead goes quiet at 09:05: the first step goes at 10:05; in the 17:00 tick the
    # second falls due at 17:30, after hours (it goes Wednesday 08:00), and the other
    # rule's silence crosses at 17:45
    engine.run_until(first + 5 * MINUTE)
    lead = quiet_contact(engine.deps, "6281100000961", engine.clock.now())
    _ticks_on(engine, first, 24)
    # Then the other rule's step went tonight as it crossed, the second step on Wednesday
    sent = _sent_at(engine, lead.id)
    assert sent["anytime"] == first + 8 * HOUR + 45 * MINUTE
    assert sorted(sent) == ["anytime", "two-step"]


def test_a_silence_is_judged_on_its_contact_as_a_step_due_sooner_left_it(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks; a "busy" journey that marks the lead closed 40 minutes after the
    # reply; and an idle rule 80 minutes into a silence for leads still open
    trigger = {"kind": "intent", "intents": ["busy"]}
    close_it = [
        {"kind": "wait", "for": {"amount": 40, "unit": "minutes"}},
        {"kind": "action", "do": "set_attribute", "attribute": "status", "value": "closed"},
    ]
    engine.deps.rules.save_rule(rule("busy-close", trigger=trigger, steps=close_it))
    open_only = {"attributes": {"status": "open"}}
    engine.deps.rules.save_rule(_idle_rule("open-idle-80m", 80 * MINUTE, conditions=open_only))
    first = _hourly(engine)
    # When an open lead writes "lagi sibuk" at 09:05: at the 10:00 tick the action is due
    # at 09:45, and the silence crosses at 10:25
    engine.run_until(first + 5 * MINUTE)
    lead, said_at = _says_busy(engine, "6281100000942", "wamid.B942")
    update_contact(
        engine.deps, lead, lambda c: c.patched({"attributes": {"status": "open"}}), said_at
    )
    _ticks_on(engine, first, 3)
    # Then the lead is closed, and the idle rule, whose condition no longer held when the
    # silence crossed, sent nothing
    closed = engine.deps.contacts.contact(lead)
    assert closed is not None
    assert closed.item.attributes.get("status") == "closed"
    assert "open-idle-80m" not in _sent_at(engine, lead)


def test_a_silence_going_sooner_by_its_lead_s_own_clock_goes_first(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks from 09:00 in Jakarta (02:00 UTC), a nudge 105 minutes after
    # "busy", and an idle rule 80 minutes into a silence that waits for 11:45 in the
    # lead's own zone, then sends
    follow_up_rule(engine, "busy-nudge", "busy", 105)
    steps = [
        {"kind": "wait", "until_time": "11:45"},
        {"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE},
    ]
    idle = {"stages": ["new"], "idle": {"amount": 80, "unit": "minutes"}}
    engine.deps.rules.save_rule(rule("late-morning", trigger=idle, steps=steps))
    wa_id = "6591000952"
    quiet_contact(engine.deps, wa_id, engine.clock.now() - 3 * HOUR, timezone="Asia/Singapore")
    first = _hourly(engine)
    # When a lead in Jakarta goes quiet at 02:02 UTC (its 11:45 is 04:45 UTC), and one in
    # Singapore writes "lagi sibuk" at 02:05: at the 03:00 tick the Singapore lead's
    # silence crosses at 03:25 and its wait ends at 03:45 UTC, the nudge due at 03:50
    engine.run_until(first + 2 * MINUTE)
    quiet_contact(engine.deps, "6281100000951", engine.clock.now())
    engine.run_until(first + 5 * MINUTE)
    lead, _ = _says_busy(engine, wa_id, "wamid.B952")
    _ticks_on(engine, first, 3)
    # Then the idle rule's step went at 11:45 Singapore, before the nudge due later
    sent = _sent_at(engine, lead)
    assert sent["late-morning"] == first + 105 * MINUTE
    assert sent["busy-nudge"] > sent["late-morning"]


def test_bad_data_in_one_lead_holds_back_no_lead_read_before_it(engine: MemoryEngine) -> None:
    # Given a lead quiet since 08:40, and one quiet since 08:50 stored with a time zone
    # this runtime does not know (its tz database dropped it)
    now = engine.clock.now()
    good = quiet_contact(engine.deps, "6281100000972", now - 20 * MINUTE)
    unknown = quiet_contact(engine.deps, "6281100000973", now - 10 * MINUTE)
    stored = engine.deps.contacts.contact(unknown.id)
    assert stored is not None
    elsewhere = unknown.model_copy(update={"timezone": "Mars/Olympus_Mons"})
    engine.deps.commit([ContactChange(elsewhere, stored.revision)], now)
    # And a new idle rule sending 30 minutes into a silence, in the afternoon only
    engine.deps.rules.save_rule(_idle_rule("afternoon-idle", 30 * MINUTE, send_window=AFTERNOONS))
    # When hourly ticks run through the afternoon
    first = _hourly(engine)
    _ticks_on(engine, first, 6)
    # Then the lead read before the bad one had its step at 14:00, and the rule shows the
    # error it meets
    assert _sent_at(engine, good.id)["afternoon-idle"] == first + 5 * HOUR
    head = engine.deps.rules.rule_head("afternoon-idle")
    assert head is not None
    assert head.last_error is not None
    assert "Mars/Olympus_Mons" in head.last_error.message


def test_a_silence_whose_send_comes_after_a_wait_is_placed_at_that_send(
    engine: MemoryEngine,
) -> None:
    # Given hourly ticks from 09:00, a nudge 90 minutes after "busy", and an idle rule 80
    # minutes into a silence that waits a minute, then sends 34 minutes later
    follow_up_rule(engine, "busy-nudge", "busy", 90)
    steps: list[dict[str, Any]] = [
        {"kind": "wait", "for": {"amount": 1, "unit": "minutes"}},
        {"wait": {"amount": 34, "unit": "minutes"}, "template": TEMPLATE},
    ]
    idle = {"stages": ["new"], "idle": {"amount": 80, "unit": "minutes"}}
    engine.deps.rules.save_rule(rule("wait-then-send", trigger=idle, steps=steps))
    first = _hourly(engine)
    # When a lead writes "lagi sibuk" at 09:05: at the 10:00 tick the nudge is due at
    # 10:35, and the idle rule's send goes at 11:00 (crossing 10:25, the wait to 10:26)
    engine.run_until(first + 5 * MINUTE)
    lead, said_at = _says_busy(engine, "6281100000961", "wamid.B961")
    _ticks_on(engine, first, 4)
    # Then the nudge, going sooner, went when due; the idle rule's step after it
    sent = _sent_at(engine, lead)
    assert sent["busy-nudge"] == said_at + 90 * MINUTE
    assert sent["wait-then-send"] > sent["busy-nudge"]


@pytest.mark.parametrize(
    "first_step",
    [
        {"kind": "action", "do": "add_tag", "tag": "went-quiet"},
        {"kind": "branch", "then": 1},
    ],
    ids=["action", "branch"],
)
def test_a_silence_whose_send_comes_after_an_action_or_branch_is_placed_at_that_send(
    engine: MemoryEngine, first_step: dict[str, Any]
) -> None:
    # Given a nudge 100 minutes after "busy", and a lead who writes "lagi sibuk" at 09:00
    follow_up_rule(engine, "busy-nudge", "busy", 100)
    lead, said_at = _says_busy(engine, "6281100000981", "wamid.B981")
    # When at 10:25 an idle rule is saved, 80 minutes into a silence, whose first step
    # sends nothing and whose send goes in the afternoon only, and hourly ticks run from
    # then: its first tick finds the silence crossed at 10:20, its send going at 14:00,
    # and the nudge due at 10:40
    engine.run_until(said_at + 85 * MINUTE)
    steps = [first_step, {"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}]
    idle = {"stages": ["new"], "idle": {"amount": 80, "unit": "minutes"}}
    engine.deps.rules.save_rule(
        rule("afternoon-idle", trigger=idle, steps=steps, send_window=AFTERNOONS)
    )
    first = _hourly(engine)
    _ticks_on(engine, first, 6)
    # Then the nudge, going sooner, went when due; the afternoon step after it
    sent = _sent_at(engine, lead)
    assert sent["busy-nudge"] == said_at + 100 * MINUTE
    assert sent["afternoon-idle"] > sent["busy-nudge"]
