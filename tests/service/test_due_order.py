"""A contact's steps go in due order: one due later never keeps out one due sooner.

A contact holds one queued follow-up at a time. A lead who writes "busy" on a stage with an
hourly idle rule has two steps due before the next tick's horizon: the nudge in 5 minutes
and the idle rule's first step an hour after the message. The nudge must go first, whatever
the order the enrollments happen to be stored in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from followup.domain.rule import Rule
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import follow_up_rule
from tests.support.builders import quiet_contact, rule
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


def _idle_rule(rule_id: str, idle: timedelta) -> Rule:
    """A rule on `new` whose one step, an approved template, goes as the silence crosses."""
    trigger = {
        "stages": ["new"],
        "idle": {"amount": int(idle.total_seconds() // 60), "unit": "minutes"},
    }
    return rule(
        rule_id,
        trigger=trigger,
        steps=[{"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}],
    )


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
