"""Invariant 7 for date triggers: a tick reads the dates that came round, not every contact
with a date."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from followup.adapters import tables
from followup.domain.contact import Contact
from followup.services import date_triggers, rules
from followup_local.engine import local_engine
from followup_local.metering import counting
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import before_renewal, rule

NEWLY_DUE = 5
RENEWAL = before_renewal(7, at="10:30")


@pytest.fixture(autouse=True)
def whole_walk_in_the_save(monkeypatch: pytest.MonkeyPatch) -> None:
    """The save indexes every customer however slow the machine: these tests count what the
    indexing and the ticks read and write, not how far a save gets in its time."""
    monkeypatch.setattr(date_triggers, "SAVE_TIME", 3600.0)


def customer(renewal: str) -> Contact:
    return Contact(
        id=uuid4().hex,
        wa_id=str(6280000000000 + int(uuid4().int % 10**9)),
        stage="new",
        timezone="Asia/Jakarta",
        created_at=TUESDAY_9AM_JAKARTA - timedelta(days=30),
        stage_changed_at=TUESDAY_9AM_JAKARTA - timedelta(days=30),
        attributes={"renewal_date": renewal},
    )


def items_read_by_two_ticks(population: int) -> tuple[int, int]:
    """Items read by a tick with no date due before the next, then by one where `NEWLY_DUE`
    of `population` customers' reminders come round before the next (the others renew
    months later)."""
    with local_engine(TUESDAY_9AM_JAKARTA) as engine:  # 09:00 in Jakarta
        deps = engine.deps
        due = [customer("2026-12-01") for _ in range(NEWLY_DUE)]  # reminder today at 10:30
        later = [customer(f"2027-0{1 + n % 9}-15") for n in range(population - NEWLY_DUE)]
        deps.contacts.import_contacts([*due, *later])
        rules.create(deps, rule("renewal-reminder", trigger=RENEWAL, exit={}))  # indexes them
        with counting() as counts:
            assert engine.scheduled("enqueue")["enrolled"] == 0
            quiet = counts.read
            engine.clock.advance(timedelta(hours=1))
            assert engine.scheduled("enqueue")["enrolled"] == NEWLY_DUE
        return quiet, counts.read - quiet


def test_date_ticks_read_the_due_dates_not_every_dated_contact() -> None:
    small = items_read_by_two_ticks(100)
    large = items_read_by_two_ticks(1_000)
    print(f"\nitems read (nothing due, {NEWLY_DUE} due): 100 → {small}; 1,000 → {large}")
    assert large == small
    assert small[1] < 10 * NEWLY_DUE


def test_saving_a_date_rule_indexes_its_customers_in_batched_writes() -> None:
    # Given 1,000 customers with a renewal still to come
    with local_engine(TUESDAY_9AM_JAKARTA) as engine:
        deps = engine.deps
        deps.contacts.import_contacts([customer(f"2027-0{1 + n % 9}-15") for n in range(1_000)])
        calls: list[str] = []
        client = tables.client()

        def record(model: Any, **_: Any) -> None:
            calls.append(model.name)

        client.meta.events.register("before-call.dynamodb", record)
        try:
            # When a reminder rule is saved, which indexes each of them
            rules.create(deps, rule("renewal-reminder", trigger=RENEWAL, exit={}))
        finally:
            client.meta.events.unregister("before-call.dynamodb", record)
        # Then their 1,000 entries took 40 write requests, not one each
        assert calls.count("BatchWriteItem") == 40
        assert calls.count("PutItem") < 10
        assert (
            len(list(deps.contacts.due_dates(TUESDAY_9AM_JAKARTA + timedelta(days=400)))) == 1_000
        )
