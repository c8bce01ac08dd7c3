"""What a follow-up's changes cost in DynamoDB writes, metered as DynamoDB bills them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from benchmarks.cost import KB, Bill, Meter, item_size, metered_engine
from followup.domain.followup import Status
from followup.services.ports import NewEnrollment
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.contract.items import enrollment
from tests.support.api import call
from tests.support.builders import quiet_contact, quiet_lead, rule
from tests.support.sender import sent_followup

RUDI = "6281100000501"


@pytest.fixture
def metered() -> Iterator[tuple[LocalEngine, Meter]]:
    with metered_engine(Bill()) as running:
        yield running


def writes_of_status(
    engine: LocalEngine, meter: Meter, state: str, *, echoed: bool = True
) -> dict[str, float]:
    """Write units by (table, where) of one status webhook for Rudi's follow-up, its id
    echoed back as WhatsApp does (or not, as for a message sent before the sender set it)."""
    followup = sent_followup(engine, RUDI)
    assert followup.provider_message_id is not None
    at = engine.clock.advance(timedelta(seconds=30))
    echo = followup.id if echoed else None
    delivery = envelopes.status(followup.provider_message_id, state, at, RUDI, echo)
    meter.on = True
    assert engine.deliver(delivery) == 200
    meter.on = False
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    assert found.status.value == state
    return {
        f"{where}/{detail}": units
        for (kind, where, detail), units in meter.bill.units.items()
        if kind == "dynamodb write"
    }


def rudi_id(engine: LocalEngine) -> str:
    found = engine.deps.contacts.contact_by_wa_id(RUDI)
    assert found is not None
    return found.item.id


def test_a_delivery_status_writes_no_index_copy_of_the_follow_up(
    metered: tuple[LocalEngine, Meter],
) -> None:
    writes = writes_of_status(*metered, "delivered")
    indexes = {where: n for where, n in writes.items() if where.startswith("followups/")}
    assert set(indexes) == {"followups/table"}


def test_dispatch_writes_no_follow_up_only_its_mark_once_a_tick(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    engine.deps.rules.save_rule(rule())
    leads = [
        quiet_contact(engine.deps, f"62811000005{n:02d}", engine.clock.now() - timedelta(hours=25))
        for n in range(10, 13)
    ]
    engine.scheduled("enqueue")
    assert all(
        queued.status is Status.QUEUED
        for lead in leads
        for queued in engine.deps.followups.followups_of(lead.id)
    )
    meter.on = True
    assert engine.scheduled("dispatch")["dispatched"] == 3
    meter.on = False
    writes = {key: n for key, n in meter.bill.units.items() if key[0] == "dynamodb write"}
    assert writes == {("dynamodb write", "rules", "table"): 1}


def test_a_read_follow_up_is_still_under_one_kilobyte(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    writes_of_status(engine, meter, "read")
    [followup] = engine.deps.followups.followups_of(rudi_id(engine))
    assert followup.status is Status.READ
    stored = meter.item("followups", {"id": {"S": followup.id}})
    assert item_size(stored) < KB


def test_a_delivery_status_writes_the_follow_up_alone_without_a_transaction(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    engine.pump_each_step = False  # its counters are the stream's to add, later
    writes = writes_of_status(engine, meter, "delivered")
    assert writes == {"followups/table": 1}


def test_an_enrollment_entering_alone_is_one_plain_write_its_counters_left_to_the_stream(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    engine.pump_each_step = False
    meter.on = True
    engine.deps.commit([NewEnrollment(enrollment("en_1"))], engine.clock.now())
    meter.on = False
    tables = {
        where: n for (kind, where, detail), n in meter.bill.units.items() if detail == "table"
    }
    assert tables == {"enrollments": 1}


def writes_of_tick(engine: LocalEngine, meter: Meter, tick: str) -> dict[str, float]:
    """Write units by "table/where" of one scheduled tick."""
    before = dict(meter.bill.units)
    meter.on = True
    engine.scheduled(tick)
    meter.on = False
    return {
        f"{where}/{detail}": n - before.get((kind, where, detail), 0)
        for (kind, where, detail), n in meter.bill.units.items()
        if kind == "dynamodb write" and n != before.get((kind, where, detail), 0)
    }


def test_a_lead_enrolled_with_its_first_send_due_is_written_once_never_on_the_due_index(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    engine.pump_each_step = False
    engine.deps.rules.save_rule(rule())
    lead = quiet_lead("c-rudi", RUDI, engine.clock.now() - timedelta(hours=25))
    engine.deps.contacts.import_contacts([lead])  # found by the tick, as a silence crosses
    writes = writes_of_tick(engine, meter, "enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    [enrolled] = engine.deps.followups.enrollments_of(lead.id)
    assert enrolled.revision == 1
    # Written alone (a plain conditional write) after the contact's slot and the follow-up.
    assert writes["enrollments/table"] == 1
    assert "enrollments/due" not in writes


def test_dispatch_and_claim_leave_the_waiting_index_alone_only_the_send_takes_it_out(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    engine.pump_each_step = False
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    meter.on = True
    assert engine.scheduled("dispatch")["dispatched"] == 1
    engine.drain()
    meter.on = False
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    # Off the live entries (a delete), onto no other: expiry finds it by its send time.
    assert meter.bill.units[("dynamodb write", "followups", "waiting")] == 1


def test_a_send_held_two_hours_by_a_pause_files_its_expiry_a_delete_and_a_put(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    settings = engine.deps.rules.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"paused": True}))
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, RUDI, engine.clock.now() - timedelta(hours=25))
    engine.tick()
    engine.clock.advance(timedelta(hours=2))
    engine.deps.rules.save_settings(settings)
    engine.pump_each_step = False
    engine.scheduled("dispatch")
    meter.on = True
    engine.drain()
    meter.on = False
    [sent] = engine.deps.followups.followups_of(lead.id)
    assert sent.status is Status.SENT
    assert sent.sent_at is not None
    assert sent.sent_at - sent.scheduled_at >= timedelta(hours=2)
    # Off the live entries and onto its expiry in the sent lane: sent two hours late, its
    # send time does not tell when it expires.
    assert meter.bill.units[("dynamodb write", "followups", "waiting")] == 2


def test_an_expiry_writes_the_follow_up_alone_and_the_expire_mark_once_a_tick(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    followup = sent_followup(engine, RUDI)
    assert followup.sent_at is not None
    engine.clock.advance(followup.sent_at + timedelta(hours=72) - engine.clock.now())
    engine.pump_each_step = False
    writes = writes_of_tick(engine, meter, "expire")
    [expired] = engine.deps.followups.followups_of(followup.contact_id)
    assert expired.status is Status.EXPIRED
    # The follow-up (one unit), no index entry to take out, and the tick's mark.
    assert writes == {"followups/table": 1, "rules/table": 1}


def test_a_send_files_no_index_entry_by_provider_message_id(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    meter.on = True
    sent_followup(engine, RUDI)
    meter.on = False
    indexes = {detail for (kind, where, detail) in meter.bill.units if where == "followups"}
    assert "by_provider_id" not in indexes
    assert {"table", "waiting"} <= indexes


def test_a_status_finds_its_follow_up_by_the_echoed_id_reading_no_index(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    engine.pump_each_step = False
    writes_of_status(engine, meter, "delivered")
    reads = {
        f"{where}/{detail}" for (kind, where, detail) in meter.bill.units if kind == "dynamodb read"
    }
    assert "followups/table" in reads
    assert not {r for r in reads if r.startswith("followups/") and r != "followups/table"}


def test_statuses_of_a_message_sent_without_an_echoed_id_apply_once_each_in_order(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    writes_of_status(engine, meter, "delivered", echoed=False)
    [followup] = engine.deps.followups.followups_of(rudi_id(engine))
    assert followup.status is Status.DELIVERED
    assert followup.provider_message_id is not None
    at = engine.clock.advance(timedelta(seconds=30))
    again = envelopes.status(followup.provider_message_id, "delivered", at, RUDI, None)
    read = envelopes.status(followup.provider_message_id, "read", at, RUDI, None)
    assert engine.deliver(again) == 200
    assert engine.deps.followups.followup(followup.id) == followup
    assert engine.deliver(read) == 200
    found = engine.deps.followups.followup(followup.id)
    assert found is not None
    assert found.status is Status.READ


def test_a_send_writes_no_conversation_line_yet_the_timeline_shows_it_with_its_text(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    meter.on = True
    followup = sent_followup(engine, RUDI)
    meter.on = False
    assert ("dynamodb write", "messages", "table") not in meter.bill.units
    assert followup.rendered is not None
    status, timeline = call(engine, "GET", f"/api/contacts/{followup.contact_id}/timeline")
    assert status == 200
    [line] = timeline["messages"]
    assert (line["direction"], line["followup_id"], line["id"]) == (
        "outbound",
        followup.id,
        followup.provider_message_id,
    )
    # A template with no body synced from the catalogue is named, as it always was.
    assert line["text"] == f"[template {followup.rendered.template_name}]"


def test_queueing_a_follow_up_rewrites_neither_the_contact_nor_its_quiet_entry(
    metered: tuple[LocalEngine, Meter],
) -> None:
    engine, meter = metered
    engine.pump_each_step = False
    engine.deps.rules.save_rule(rule())
    lead = quiet_lead("c-rudi", RUDI, engine.clock.now() - timedelta(hours=25))
    engine.deps.contacts.import_contacts([lead])
    before = engine.deps.contacts.contact(lead.id)
    assert before is not None
    writes = writes_of_tick(engine, meter, "enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    assert engine.deps.contacts.contact(lead.id) == before
    # The contact's one pending follow-up is claimed by a small item beside it, written
    # alone before the follow-up (one unit), off every index.
    assert "contacts/quiet" not in writes
    assert writes["contacts/table"] == 1
    slot = meter.item("contacts", {"id": {"S": f"slot#{lead.id}"}})
    assert item_size(slot) < 128  # its holder, time and write token
    enqueue_units = {
        where: n for where, n in writes.items() if not where.startswith(("rules/", "state/"))
    }
    assert sum(enqueue_units.values()) == 7
