"""Occurrence triggers on the local engine: a reply's intent, a stage entered, a custom
event, a date that comes round. Each enrolls the contact once per occurrence in the active
rules it matches."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import before_renewal, quiet_contact, rule
from tests.support.crashes import Died, Interrupted
from tests.support.events import load


def body(trigger: dict[str, Any], rule_id: str = "on-trigger") -> dict[str, Any]:
    return rule(rule_id, trigger=trigger).model_dump(mode="json")


def test_a_malformed_trigger_is_refused_naming_its_field(engine: LocalEngine) -> None:
    for trigger, field in [
        ({"kind": "intent", "intents": ["not_interested"]}, "trigger.intents.0"),
        ({"kind": "stage_entered", "stages": []}, "trigger.stages"),
        ({"kind": "event", "name": "booked", "where": {"plan": 3}}, "trigger.where.plan"),
        ({"kind": "someday"}, "trigger"),
        ({"kind": "date", "attribute": "renewal_date", "at": "25:00"}, "trigger.at"),
        ({"kind": "date", "offset": {"amount": 7, "unit": "days"}}, "trigger.attribute"),
    ]:
        bad = body({"kind": "idle", "idle": {"amount": 1, "unit": "hours"}})
        bad["trigger"] = trigger
        status, answer = call(engine, "POST", "/api/rules", bad)
        assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, [field])
    unknown = body({"kind": "stage_entered", "stages": ["prospect"]})
    status, answer = call(engine, "POST", "/api/rules", unknown)
    assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, ["trigger.stages.0"])
    assert call(engine, "GET", "/api/rules")[1]["rules"] == []


LEAD = "6281100000701"
TEMPLATE = {"name": "apply_reminder", "language": "en"}


def save(engine: LocalEngine, rule_id: str, trigger: dict[str, Any], *waits: int) -> None:
    """A rule firing on `trigger` whose steps wait `waits` minutes each."""
    steps = [
        {"wait": {"amount": wait, "unit": "minutes"}, "text": "Hi!", "template": TEMPLATE}
        for wait in waits or (0,)
    ]
    exit = {"on_reply": True, "stages": ["enrolled"]}
    engine.deps.rules.save_rule(rule(rule_id, trigger=trigger, steps=steps, exit=exit))
    engine.deps.catalog.invalidate()


def writes(engine: LocalEngine, text: str, message_id: str) -> str:
    """The lead writes `text` now through the webhook; returns their contact id."""
    engine.sandbox.record_inbound(LEAD, engine.clock.now())
    document = envelopes.text_message(LEAD, text, engine.clock.now(), message_id, name="Dewi")
    assert engine.deliver(document) == 200
    _, contact = call(engine, "POST", "/api/contacts", {"wa_id": LEAD})
    return str(contact["id"])


def enrolled(engine: LocalEngine, contact_id: str) -> list[str]:
    """The rules the contact is (or was) enrolled in, sorted."""
    return sorted(e.item.rule_id for e in engine.deps.followups.enrollments_of(contact_id))


def last_effect(engine: LocalEngine, contact_id: str) -> str:
    _, timeline = call(engine, "GET", f"/api/contacts/{contact_id}/timeline")
    inbound = [m for m in timeline["messages"] if m["direction"] == "inbound"]
    return str(inbound[0]["intent"]["effect"])


def test_busy_enrolls_only_the_rules_with_a_busy_intent_trigger(engine: LocalEngine) -> None:
    save(engine, "busy-nudge", {"kind": "intent", "intents": ["busy"]}, 5)
    save(engine, "busy-or-later", {"kind": "intent", "intents": ["call_back_at", "busy"]}, 30)
    save(engine, "call-back", {"kind": "intent", "intents": ["call_back_at"]})
    save(engine, "quiet-1h", {"kind": "idle", "idle": {"amount": 1, "unit": "hours"}})
    contact_id = writes(engine, "lagi sibuk", "wamid.BUSY")
    # (the idle rule too, by the silence the message began: it crosses its hour before the
    # next tick, so the message's own write enrolls it ahead)
    assert enrolled(engine, contact_id) == ["busy-nudge", "busy-or-later", "quiet-1h"]
    assert last_effect(engine, contact_id) == (
        "follow-up busy-nudge at 2026-11-24 09:05 Asia/Jakarta; "
        "follow-up busy-or-later at 2026-11-24 09:30 Asia/Jakarta"
    )
    engine.clock.advance(timedelta(minutes=5))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_call_back_enrolls_at_the_time_asked_only_the_call_back_rules(engine: LocalEngine) -> None:
    save(engine, "busy-nudge", {"kind": "intent", "intents": ["busy"]}, 5)
    save(engine, "call-back", {"kind": "intent", "intents": ["call_back_at"]}, 0)
    contact_id = writes(engine, "call me tomorrow at 10", "wamid.LATER")
    assert enrolled(engine, contact_id) == ["call-back"]
    assert last_effect(engine, contact_id) == "follow-up call-back at 2026-11-25 10:00 Asia/Jakarta"
    engine.clock.advance(timedelta(hours=24, minutes=59))
    engine.tick()
    assert engine.sandbox.sent() == []
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_an_intent_rule_never_fires_on_idle(engine: LocalEngine) -> None:
    save(engine, "busy-nudge", {"kind": "intent", "intents": ["busy"]})
    save(engine, "quiet-1h", {"kind": "idle", "idle": {"amount": 1, "unit": "hours"}})
    contact_id = writes(engine, "ok thanks", "wamid.OK")
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    assert enrolled(engine, contact_id) == ["quiet-1h"]


def test_an_opted_out_contact_is_never_enrolled_by_an_intent(engine: LocalEngine) -> None:
    save(engine, "busy-nudge", {"kind": "intent", "intents": ["busy"]})
    writes(engine, "STOP", "wamid.STOP")
    engine.clock.advance(timedelta(minutes=1))
    contact_id = writes(engine, "lagi sibuk", "wamid.BUSY")
    assert enrolled(engine, contact_id) == []
    assert last_effect(engine, contact_id) == "opted out: nothing scheduled"


def test_an_intent_rule_that_is_off_enrolls_nobody(engine: LocalEngine) -> None:
    save(engine, "busy-nudge", {"kind": "intent", "intents": ["busy"]})
    assert call(engine, "POST", "/api/rules/busy-nudge/deactivate")[0] == 200
    contact_id = writes(engine, "lagi sibuk", "wamid.BUSY")
    assert enrolled(engine, contact_id) == []
    assert last_effect(engine, contact_id) == "no active rule follows up busy"


APPLIED = {"kind": "stage_entered", "stages": ["applied"]}
BOOKED_GOLD = {"kind": "event", "name": "booking_completed", "where": {"plan": "gold"}}


def lead(engine: LocalEngine, wa_id: str = LEAD) -> Contact:
    """A lead who wrote 3 hours ago (inside WhatsApp's 24-hour window) and is quiet since."""
    wrote = engine.clock.now() - timedelta(hours=3)
    engine.sandbox.record_inbound(wa_id, wrote)
    return quiet_contact(engine.deps, wa_id, wrote)


def event(engine: LocalEngine, **fields: Any) -> tuple[int, Any]:
    return call(engine, "POST", "/api/events", fields, role="marketing")


def test_entering_a_stage_by_event_enrolls_once_from_the_entry(engine: LocalEngine) -> None:
    save(engine, "applied-welcome", APPLIED, 30)
    save(engine, "paid-welcome", {"kind": "stage_entered", "stages": ["paid"]})
    save(
        engine,
        "applied-quiet",
        {"kind": "idle", "stages": ["applied"], "idle": {"amount": 1, "unit": "days"}},
    )
    contact = lead(engine)
    entered = engine.clock.now() - timedelta(minutes=10)
    moved = {
        "type": "stage_changed",
        "contact": LEAD,
        "stage": "applied",
        "at": entered.isoformat(),
    }
    assert event(engine, **moved)[0] == 200
    assert event(engine, **moved)[0] == 200  # the CRM sends it again
    [enrollment] = [e.item for e in engine.deps.followups.enrollments_of(contact.id)]
    assert (enrollment.rule_id, enrollment.next_due_at) == (
        "applied-welcome",
        entered + timedelta(minutes=30),
    )
    engine.clock.advance(timedelta(minutes=19))
    engine.tick()
    assert engine.sandbox.sent() == []
    engine.clock.advance(timedelta(minutes=1))
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def test_entering_a_stage_by_contact_patch_import_or_bus_enrolls(engine: LocalEngine) -> None:
    save(engine, "applied-welcome", APPLIED)
    save(engine, "paid-welcome", {"kind": "stage_entered", "stages": ["paid"]})
    patched, imported, bussed = (lead(engine, f"62811000007{n:02}") for n in (1, 2, 3))
    assert (
        call(engine, "POST", "/api/contacts", {"wa_id": patched.wa_id, "stage": "applied"})[0]
        == 200
    )
    csv = f"wa_id,stage\n{imported.wa_id},applied\n"
    assert call(engine, "POST", "/api/contacts/import", raw=csv, content_type="text/csv")[0] == 200
    bus = load("eventbridge-stage-changed.json")
    bus["detail"]["contact"] = bussed.wa_id
    assert engine.invoke("bus_events", bus)["applied"] is True
    assert enrolled(engine, patched.id) == ["applied-welcome"]
    assert enrolled(engine, imported.id) == ["applied-welcome"]
    assert enrolled(engine, bussed.id) == ["paid-welcome"]


def test_a_custom_event_enrolls_the_rules_whose_where_holds(engine: LocalEngine) -> None:
    save(engine, "gold-thanks", BOOKED_GOLD, 60)
    save(engine, "any-booking", {"kind": "event", "name": "booking_completed"})
    save(engine, "on-cancel", {"kind": "event", "name": "booking_canceled"})
    gold, silver = lead(engine), lead(engine, "6281100000799")
    booked = {"type": "custom", "name": "booking_completed", "id": "bk-1"}
    status, answer = event(engine, **booked, contact=LEAD, properties={"plan": "gold"})
    assert (status, answer["id"]) == (200, gold.id)
    assert event(engine, **booked, contact=LEAD, properties={"plan": "gold"})[0] == 200
    event(engine, **booked | {"id": "bk-2"}, contact=silver.wa_id, properties={"plan": "silver"})
    assert enrolled(engine, gold.id) == ["any-booking", "gold-thanks"]
    assert enrolled(engine, silver.id) == ["any-booking"]
    again = event(engine, **booked | {"id": "bk-3"}, contact=LEAD, properties={"plan": "gold"})
    assert again[0] == 200
    assert enrolled(engine, gold.id) == ["any-booking", "any-booking", "gold-thanks", "gold-thanks"]


def test_a_custom_event_arrives_from_the_bus_once_per_envelope(engine: LocalEngine) -> None:
    save(engine, "gold-thanks", BOOKED_GOLD)
    contact = lead(engine)
    bus = load("eventbridge-custom.json")
    assert engine.invoke("bus_events", bus) == {"applied": True, "contact_id": contact.id}
    assert engine.invoke("bus_events", bus)["applied"] is True  # EventBridge retries it
    assert enrolled(engine, contact.id) == ["gold-thanks"]


def test_custom_event_properties_keep_the_limits(engine: LocalEngine) -> None:
    lead(engine)
    too_many = {f"p{n}": "x" for n in range(51)}
    for properties, field in [
        ({"plan": "x" * 1001}, "properties.plan"),
        (too_many, "properties"),
    ]:
        status, answer = event(
            engine, type="custom", name="booking_completed", contact=LEAD, properties=properties
        )
        assert (status, [d["field"] for d in answer["error"]["details"]]) == (422, [field])


def test_an_opted_out_contact_is_never_enrolled_by_a_stage_or_an_event(engine: LocalEngine) -> None:
    save(engine, "applied-welcome", APPLIED)
    save(engine, "gold-thanks", BOOKED_GOLD)
    contact = lead(engine)
    writes(engine, "STOP", "wamid.STOP")
    event(engine, type="stage_changed", contact=LEAD, stage="applied")
    event(
        engine, type="custom", name="booking_completed", contact=LEAD, properties={"plan": "gold"}
    )
    assert enrolled(engine, contact.id) == []


def test_an_occurrence_older_than_the_lookback_enrolls_nobody(engine: LocalEngine) -> None:
    save(engine, "gold-thanks", BOOKED_GOLD)
    contact = lead(engine)
    long_ago = (engine.clock.now() - timedelta(days=8)).isoformat()
    booked = {"type": "custom", "name": "booking_completed", "properties": {"plan": "gold"}}
    assert event(engine, **booked, contact=LEAD, at=long_ago)[0] == 200
    assert enrolled(engine, contact.id) == []


DAY_BEFORE_AT_TEN = before_renewal(1, at="10:00")


def customer(engine: LocalEngine, wa_id: str, renewal: str | None) -> str:
    fields = {"wa_id": wa_id, "timezone": "Asia/Jakarta", "attributes": {"renewal_date": renewal}}
    status, contact = call(engine, "POST", "/api/contacts", fields)
    assert status in (200, 201)
    return str(contact["id"])


def test_a_date_trigger_fires_through_the_handlers_when_the_date_comes_round(
    engine: LocalEngine,
) -> None:
    # Given a customer known before the rule (Tuesday 24 Nov, 09:00 in Jakarta)
    early = customer(engine, "6281100000801", "2026-11-26")
    # And a reminder the day before the renewal at 10:00, saved through the API
    status, _ = call(engine, "POST", "/api/rules", body(DAY_BEFORE_AT_TEN, "renewal"))
    assert status == 201
    # And two customers written after it: one renewing on the 26th, one whose date is cleared
    later = customer(engine, "6281100000802", "2026-11-26")
    cleared = customer(engine, "6281100000803", "2026-11-26")
    customer(engine, "6281100000803", None)
    # When the ticks run up to Wednesday 10:00 in Jakarta, the 08:00 one not reaching it
    engine.clock.advance(timedelta(hours=23))
    engine.tick()
    assert [enrolled(engine, c) for c in (early, later, cleared)] == [[], [], []]
    engine.clock.advance(timedelta(hours=2))
    engine.tick()
    # Then the two with a date are enrolled and sent to, once
    assert [enrolled(engine, c) for c in (early, later, cleared)] == [["renewal"], ["renewal"], []]
    assert len(engine.sandbox.sent()) == 2
    # And a renewal moved two days later reminds again on the new eve, once
    customer(engine, "6281100000802", "2026-11-28")
    engine.clock.advance(timedelta(hours=48))
    engine.tick()
    engine.clock.advance(timedelta(hours=1))
    engine.tick()
    assert enrolled(engine, later) == ["renewal", "renewal"]
    assert len(engine.sandbox.sent()) == 3


def test_a_date_rules_preview_names_whom_its_date_reaches_in_the_next_day(
    engine: LocalEngine,
) -> None:
    # Given customers renewing on the 25th (reminded Tuesday 10:00 in Jakarta, in an hour)
    # and two on the 27th (reminded Thursday)
    customer(engine, "6281100000811", "2026-11-25")
    customer(engine, "6281100000812", "2026-11-27")
    customer(engine, "6281100000813", "2026-11-27")
    # When the reminder, not saved, is previewed through the API
    status, seen = call(engine, "POST", "/api/rules/preview", body(DAY_BEFORE_AT_TEN, "renewal"))
    # Then no one is messaged now, the first customer in the hour, at 10:00 Jakarta
    assert status == 200
    assert (seen["fires"], seen["complete"]) == ("date", True)
    assert (seen["now"], seen["next_hour"], seen["next_day"]) == (0, 1, 1)
    [planned] = seen["planned"]
    assert (planned["send_at"], planned["zone"]) == ("2026-11-24T03:00:00+00:00", "Asia/Jakarta")
    # And its busiest day to come is Thursday, with two
    assert seen["busiest"] == {"day": "2026-11-26", "count": 2}
    # And a rule on a stage entered says it waits for one
    stage = {"kind": "stage_entered", "stages": ["applied"]}
    status, waits = call(engine, "POST", "/api/rules/preview", body(stage, "welcome"))
    assert (status, waits["fires"], waits["planned"], waits["busiest"]) == (
        200,
        "occurrence",
        [],
        None,
    )


def test_a_stage_change_from_the_bus_sent_again_after_a_crash_enrolls_its_rule(
    engine: LocalEngine,
) -> None:
    # Given a rule that greets leads entering "applied", and a bus event without an `at`
    save(engine, "applied-welcome", APPLIED)
    contact = lead(engine)
    bus = load("eventbridge-stage-changed.json")
    bus["detail"] = {"contact": contact.wa_id, "stage": "applied"}
    bus["time"] = engine.clock.now().isoformat()
    # When the function dies after moving the stage, before enrolling the lead
    crash = Interrupted(engine.deps, dies_after=1)
    with pytest.raises(Died):
        engine.invoke("bus_events", bus)
    crash.restore()
    assert enrolled(engine, contact.id) == []
    # And Lambda delivers the same event again a minute later
    engine.clock.advance(timedelta(minutes=1))
    assert engine.invoke("bus_events", bus)["applied"] is True
    # Then the lead is enrolled, once
    assert enrolled(engine, contact.id) == ["applied-welcome"]
    assert engine.invoke("bus_events", bus)["applied"] is True
    assert enrolled(engine, contact.id) == ["applied-welcome"]
