"""What a follow-up's steps cost in DynamoDB reads, metered as DynamoDB bills them: a
strongly consistent read of an item is one unit, an eventually consistent one half."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from benchmarks.cost import Bill, Meter, lifecycle, metered_engine
from followup.domain.followup import Status
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule

LEADS = 3


@pytest.fixture
def metered() -> Iterator[tuple[LocalEngine, Meter]]:
    with metered_engine(Bill()) as running:
        yield running


def reads_of(meter: Meter, step: Callable[[], Any]) -> dict[str, float]:
    """Read units by "table/where" while `step` runs."""
    before = dict(meter.bill.units)
    meter.on = True
    step()
    meter.on = False
    return {
        f"{where}/{detail}": n - before.get((kind, where, detail), 0)
        for (kind, where, detail), n in meter.bill.units.items()
        if kind == "dynamodb read" and n != before.get((kind, where, detail), 0)
    }


def sent_unrecorded(engine: LocalEngine) -> list[str]:
    """Leads whose follow-up the sender sent, the stream's records not yet applied."""
    engine.pump_each_step = False
    engine.deps.rules.save_rule(rule())
    quiet = engine.clock.now() - timedelta(hours=25)
    leads = [quiet_contact(engine.deps, f"628110000061{n}", quiet).id for n in range(LEADS)]
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    engine.drain()
    for lead in leads:
        [sent] = engine.deps.followups.followups_of(lead)
        assert sent.status is Status.SENT
    return leads


def test_a_send_is_recorded_on_its_contact_and_journey_at_half_a_read_each(
    metered: tuple[LocalEngine, Meter],
) -> None:
    """The stream's bookkeeping reads the contact and the enrollment eventually consistently:
    a copy a moment old only makes its conditional write refuse, and it reads again."""
    engine, meter = metered
    leads = sent_unrecorded(engine)
    reads = reads_of(meter, engine.pump_stream)
    for lead in leads:
        contact = engine.deps.contacts.contact(lead)
        assert contact is not None
        assert contact.item.followups_sent == 1
    assert reads["contacts/table"] == LEADS * 0.5
    assert reads["enrollments/table"] == LEADS * 0.5


def test_expiry_reads_each_contact_at_half_a_read(metered: tuple[LocalEngine, Meter]) -> None:
    """Expiry reads the contact only to tell an opt-out from silence: a STOP too recent for
    an eventually consistent read settles the follow-up itself (services.inbound)."""
    engine, meter = metered
    leads = sent_unrecorded(engine)
    engine.pump_stream()
    engine.clock.advance(timedelta(hours=73))
    reads = reads_of(meter, lambda: engine.scheduled("expire"))
    for lead in leads:
        [expired] = engine.deps.followups.followups_of(lead)
        assert expired.status is Status.EXPIRED
    assert reads["contacts/table"] == LEADS * 0.5


def test_each_step_of_a_lifecycle_reads_its_follow_up_contact_and_journey_at_most_once() -> None:
    """Read units per follow-up from the cost benchmark's lifecycle, by step: what the run
    itself reads to drive and check the engine is not billed."""
    count = 4
    bill = lifecycle(count)
    reads = {key: n / count for key, n in bill.reads_by_phase.items()}
    assert "other" not in {phase for phase, _ in reads}
    assert reads[("dispatch", "followups/table")] == 1  # after the keys-only waiting index
    assert reads[("sender", "followups/table")] == 1  # the claim's revision
    assert reads[("sender", "contacts/table")] == 2  # re-checked after the claim and the send
    assert reads[("stats", "contacts/table")] == 0.5
    assert reads[("stats", "enrollments/table")] == 0.5
    for state in ("sent", "delivered", "read"):
        assert reads[(f"webhook {state}", "followups/table")] == 1
    assert reads[("expire", "followups/table")] == 0.5  # by send time, eventually consistent
    assert reads[("expire", "contacts/table")] == 0.5
