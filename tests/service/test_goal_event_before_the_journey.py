"""A goal or exit event heard before the journey's silence crossed its idle time: the lead
has already done what the journey is for (or what ends it) in this very silence, and gets
nothing in it; a later silence is a new one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from followup.services import crm_events, rules
from followup.services.contacts import upsert
from followup.services.inbound import record_inbound
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, quiet_contact, rule
from tests.support.date_rules import customer

HOUR = timedelta(hours=1)
WA_ID = "6281100000811"
PAY_NOW = {
    "wait": {"amount": 0, "unit": "minutes"},
    "template": {"name": "pay_now", "language": "en"},
}


def apply(engine: MemoryEngine, event: dict[str, Any]) -> None:
    crm_events.apply(engine.deps, crm_events.Event.model_validate(event).root)


def sent(engine: MemoryEngine) -> list[str]:
    return [r.body["template"]["name"] for r in engine.sandbox.sent() if r.body]


def test_a_lead_who_paid_before_the_payment_reminder_crossed_is_not_reminded_to_pay(
    engine: MemoryEngine,
) -> None:
    # Given a payment reminder for leads quiet 24 h, whose goal is the payment event, and a
    # lead quiet for 20 h
    rules.create(engine.deps, rule("pay", steps=[PAY_NOW], goal={"events": ["payment_received"]}))
    quiet_contact(engine.deps, WA_ID, engine.clock.now() - 20 * HOUR)
    engine.tick()
    # When the payment system reports the lead paid, in the same silence
    apply(engine, {"type": "custom", "name": "payment_received", "contact": WA_ID})
    engine.ticks(24, every=HOUR)
    # Then the lead, whose goal is reached, is not asked to pay
    assert sent(engine) == []


def test_an_exit_event_before_the_journey_keeps_it_out_of_that_silence_only(
    engine: MemoryEngine,
) -> None:
    # Given a payment reminder for leads quiet 24 h that ends when the order is cancelled,
    # and a lead quiet for 20 h
    rules.create(engine.deps, rule("pay", steps=[PAY_NOW], exit={"events": ["order_cancelled"]}))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 20 * HOUR)
    # When the shop reports the order cancelled, in the same silence
    apply(engine, {"type": "custom", "name": "order_cancelled", "contact": WA_ID})
    engine.ticks(24, every=HOUR)
    # Then nothing goes in that silence, and the journey that began ended for that reason
    assert sent(engine) == []
    ended = [e.item.exit_reason for e in engine.deps.followups.enrollments_of(lead.id)]
    assert ended == ["exit_event"]
    # When the lead writes again and falls quiet for a day
    record_inbound(engine.deps, WA_ID, "I ordered again", engine.clock.now())
    engine.ticks(26, every=HOUR)
    # Then the new silence gets its reminder, once
    assert sent(engine) == ["pay_now"]


def test_an_exit_event_from_a_clock_running_fast_keeps_out_only_the_silence_it_came_in(
    engine: MemoryEngine,
) -> None:
    # Given a payment reminder for leads quiet 24 h that ends when the order is cancelled,
    # and a lead quiet for 20 h
    rules.create(engine.deps, rule("pay", steps=[PAY_NOW], exit={"events": ["order_cancelled"]}))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 20 * HOUR)
    # When a shop whose clock runs 4 minutes fast reports the order cancelled
    heard = engine.clock.now()
    ahead = (heard + timedelta(minutes=4)).isoformat()
    apply(engine, {"type": "custom", "name": "order_cancelled", "contact": WA_ID, "at": ahead})
    # and the lead writes again a minute later, then falls quiet for a day
    engine.clock.advance(timedelta(minutes=1))
    record_inbound(engine.deps, WA_ID, "I ordered again", engine.clock.now())
    engine.ticks(26, every=HOUR)
    # Then the cancellation counts from when it was heard, before the lead wrote: the new
    # silence gets its reminder, once
    assert sent(engine) == ["pay_now"]
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert found.item.events_at == {"order_cancelled": heard}


def renewal_reminder(engine: MemoryEngine) -> str:
    """A reminder to pay a week before the renewal date at 09:00, whose goal is the payment,
    and a Jakarta customer renewing on Tuesday 8 December 2026; returns their id."""
    trigger = before_renewal()
    goal = {"events": ["payment_received"]}
    rules.create(engine.deps, rule("pay", trigger=trigger, steps=[PAY_NOW], goal=goal))
    return customer(engine, 12, renews="2026-12-08")


def test_a_customer_who_paid_before_the_renewal_reminder_is_not_reminded_to_pay(
    engine: MemoryEngine,
) -> None:
    # Given a reminder to pay a week before the renewal (1 December), for a 8 December renewal
    contact_id = renewal_reminder(engine)
    # When the customer pays on 27 November, before the reminder is due
    engine.clock.advance(3 * 24 * HOUR)
    apply(engine, {"type": "custom", "name": "payment_received", "contact": "6281100000912"})
    engine.ticks_until(datetime(2026, 12, 9, tzinfo=UTC), every=HOUR)
    # Then no reminder goes: the goal is reached for this renewal
    assert sent(engine) == []
    ended = [e.item.exit_reason for e in engine.deps.followups.enrollments_of(contact_id)]
    assert ended == ["goal"]


def test_a_payment_for_last_years_renewal_does_not_stop_this_years_reminder(
    engine: MemoryEngine,
) -> None:
    # Given a customer who paid on 27 November 2026 and was not reminded for that renewal
    renewal_reminder(engine)
    engine.clock.advance(3 * 24 * HOUR)
    apply(engine, {"type": "custom", "name": "payment_received", "contact": "6281100000912"})
    engine.ticks_until(datetime(2026, 12, 9, tzinfo=UTC), every=HOUR)
    # When the CRM rolls the renewal on to 8 December 2027
    upsert(engine.deps, "6281100000912", {"attributes": {"renewal_date": "2027-12-08"}})
    engine.clock.advance(datetime(2027, 11, 30, tzinfo=UTC) - engine.clock.now())
    engine.ticks_until(datetime(2027, 12, 9, tzinfo=UTC), every=HOUR)
    # Then this year's reminder goes a week before, once
    assert sent(engine) == ["pay_now"]


def test_an_exit_event_of_an_earlier_silence_heard_late_ends_nothing_of_this_one(
    engine: MemoryEngine,
) -> None:
    # Given a journey of three steps that an order's cancellation ends, for a lead who last
    # wrote 25 h ago, its first step sent and its second queued
    steps = [
        {"wait": {"amount": wait, "unit": "days"}, "template": {"name": name, "language": "en"}}
        for wait, name in ((0, "a"), (1, "b"), (1, "c"))
    ]
    engine.deps.rules.save_rule(rule("nurture", steps=steps, exit={"events": ["order_cancelled"]}))
    wrote = engine.clock.now() - 25 * HOUR
    lead = quiet_contact(engine.deps, WA_ID, wrote)
    engine.tick()
    engine.clock.advance(24 * HOUR)
    engine.scheduled("enqueue")
    # When the shop's "order cancelled", dated an hour before the lead wrote (before this
    # silence began), reaches us late
    cancelled = {"type": "custom", "name": "order_cancelled", "contact": WA_ID, "id": "ord-17"}
    apply(engine, cancelled | {"at": (wrote - HOUR).isoformat()})
    # Then it ends nothing of this silence's journey, as heard on time it would not have
    [journey] = engine.deps.followups.enrollments_of(lead.id)
    statuses = sorted(
        (f.step_index, f.status.value) for f in engine.deps.followups.followups_of(lead.id)
    )
    assert (journey.item.state.value, statuses) == ("active", [(0, "sent"), (1, "queued")])
    # And the same event dated within the silence ends it
    apply(engine, cancelled | {"id": "ord-18", "at": (wrote + HOUR).isoformat()})
    [journey] = engine.deps.followups.enrollments_of(lead.id)
    assert journey.item.state.value == "exited"


def order_then(engine: MemoryEngine, event: str, order_at: str, event_at: str) -> None:
    """The order, then `event`, each reported by the shop at the time given."""
    for name, at in [("order_placed", order_at), (event, event_at)]:
        apply(engine, {"type": "custom", "name": name, "contact": WA_ID, "id": name, "at": at})


def test_a_payment_stamped_with_its_orders_second_ends_the_reminder_the_order_started(
    engine: MemoryEngine,
) -> None:
    # Given a reminder to pay an hour after an order, its goal the payment; and a rule
    # re-engaging an order an hour later that ends on another order
    later = {**PAY_NOW, "wait": {"amount": 1, "unit": "hours"}}
    on_order = {"kind": "event", "name": "order_placed"}
    paid = {"events": ["payment_received"]}
    ordered = {"stages": [], "events": ["order_placed"]}
    for rule_id, goal, exit in [("pay", paid, {"stages": []}), ("again", {}, ordered)]:
        made = rule(rule_id, steps=[later], trigger=on_order, goal=goal, exit=exit)
        rules.create(engine.deps, made)
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    # When one checkout reports the order and its payment with the same second
    second = engine.clock.now().replace(microsecond=0).isoformat()
    order_then(engine, "payment_received", second, second)
    engine.ticks(4, every=HOUR)
    # Then the lead who paid is not asked to pay; the order itself ends no journey it began
    went = [f.rule_id for f in engine.deps.followups.followups_of(lead.id) if f.sent_at]
    assert went == ["again"]
