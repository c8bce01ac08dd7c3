"""Every trigger delivers at least once: the same event handled twice changes nothing a user
would notice the second time (no second send, no second count, no second enrollment)."""

from __future__ import annotations

import copy
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from followup.domain.followup import Status
from followup_local.engine import LocalEngine, scheduled_event
from tests.integration.test_webhook import current, status_for
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.events import load
from tests.support.sender import sent_followup
from tests.support.webhook import post

HOUR = timedelta(hours=1)
RUDI = "6281100000501"


def test_the_same_scheduled_tick_delivered_twice_sends_once(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000901", engine.clock.now() - 25 * HOUR)
    tick = scheduled_event(engine.clock.now())
    for _ in range(2):
        engine.invoke("enqueue", copy.deepcopy(tick))
        engine.invoke("dispatch", copy.deepcopy(tick))
        engine.drain()
    assert len(engine.sandbox.sent()) == 1
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT


def test_status_webhooks_redelivered_count_once(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    today = engine.clock.now().date()
    for name in ("status-delivered.json", "status-read.json"):
        post(engine, status_for(followup, name))
    first = current(engine, followup)
    stats_before = engine.deps.stats.stats(today, today)
    [day] = stats_before
    assert (day.counts.get("delivered"), day.counts.get("read")) == (1, 1)
    for name in ("status-delivered.json", "status-read.json"):
        post(engine, status_for(followup, name))
    assert current(engine, followup) == first
    assert engine.deps.stats.stats(today, today) == stats_before


def test_a_stage_change_from_the_bus_delivered_twice_enrolls_once(engine: LocalEngine) -> None:
    trigger = {"kind": "stage_entered", "stages": ["paid"]}
    engine.deps.rules.save_rule(rule("paid-welcome", trigger=trigger))
    engine.deps.catalog.invalidate()
    contact = quiet_contact(engine.deps, RUDI, engine.clock.now() - HOUR)
    bus = load("eventbridge-stage-changed.json")
    engine.invoke("bus_events", copy.deepcopy(bus))
    engine.invoke("bus_events", copy.deepcopy(bus))
    enrolled = [e.item.rule_id for e in engine.deps.followups.enrollments_of(contact.id)]
    assert enrolled == ["paid-welcome"]


def test_the_same_status_webhook_twice_at_once_counts_once(engine: LocalEngine) -> None:
    followup = sent_followup(engine, RUDI)
    today = engine.clock.now().date()
    delivered = status_for(followup, "status-delivered.json")
    engine.pump_each_step = False
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: post(engine, copy.deepcopy(delivered)), range(2)))
    engine.pump_stream()
    engine.pump_stream()
    assert current(engine, followup).status is Status.DELIVERED
    [day] = engine.deps.stats.stats(today, today)
    assert day.counts.get("delivered") == 1


def test_send_now_clicked_twice_sends_once(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000902", engine.clock.now() - 2 * HOUR)
    path = f"/api/contacts/{lead.id}/followups"
    first = call(engine, "POST", path, {"rule_id": "apply-remind-24h"})
    second = call(engine, "POST", path, {"rule_id": "apply-remind-24h"})
    assert first[0] == 202
    assert (second[0], second[1]["id"]) == (202, first[1]["id"])
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    assert len(engine.deps.followups.followups_of(lead.id)) == 1
