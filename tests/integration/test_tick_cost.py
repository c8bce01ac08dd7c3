"""Invariant 7: an enqueue tick reads what became due, not every contact."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from followup.domain.contact import Contact
from followup_local.engine import LocalEngine, local_engine
from followup_local.metering import counting
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import quiet_lead, rule

NEWLY_DUE = 10
"""moto copies every table on each transaction, so keep the due work small here."""
IDLE = timedelta(hours=24)


def contact(quiet_since: datetime) -> Contact:
    return quiet_lead(uuid4().hex, str(6280000000000 + int(uuid4().int % 10**9)), quiet_since)


def items_read_by_one_tick(engine: LocalEngine, population: int, newly_due: int = NEWLY_DUE) -> int:
    """Reads of one enqueue tick when `newly_due` of `population` contacts cross 24 h idle
    between the previous tick's horizon and this one's (each tick enrolls ahead)."""
    deps = engine.deps
    deps.rules.save_rule(rule())
    previous_tick = engine.clock.now()
    engine.scheduled("enqueue")  # sets the rule's watermark
    tick = engine.clock.advance(timedelta(hours=1))
    horizon = deps.timings.horizon
    window_start, window_end = horizon(previous_tick) - IDLE, horizon(tick) - IDLE
    step = (window_end - window_start) / (newly_due + 1)
    due = [contact(window_start + step * (n + 1)) for n in range(newly_due)]
    others = population - newly_due
    # Half went quiet earlier (already handled), half recently (not due yet).
    earlier = [contact(window_start - timedelta(minutes=5 + n % 5000)) for n in range(others // 2)]
    recent = [
        contact(window_end + timedelta(minutes=5 + n % 1000)) for n in range(others - others // 2)
    ]
    started = time.perf_counter()
    deps.contacts.import_contacts([*due, *earlier, *recent])
    print(f"\nimported {population} contacts in {time.perf_counter() - started:.1f} s")
    with counting() as counts:
        report = engine.scheduled("enqueue")
    assert report["enrolled"] == report["queued"] == newly_due
    return counts.read


def test_a_tick_reads_each_newly_quiet_contact_once(engine: LocalEngine) -> None:
    """The index hands over whole contacts: enrolling and queueing their first step reads
    none of them again, nor the enrollment just written."""
    newly_due = 20
    read = items_read_by_one_tick(engine, 60, newly_due)
    assert read <= 1.2 * newly_due + 5  # + the tick's own: settings, rule heads


@pytest.mark.slow
def test_tick_reads_grow_with_due_contacts_not_with_all_contacts() -> None:
    with local_engine(TUESDAY_9AM_JAKARTA) as engine:
        small = items_read_by_one_tick(engine, 2_000)
    with local_engine(TUESDAY_9AM_JAKARTA) as engine:
        started = time.perf_counter()
        large = items_read_by_one_tick(engine, 20_000)
        print(f"\n20,000-contact run took {time.perf_counter() - started:.1f} s")
    print(f"\nitems read by one enqueue tick: 2,000 contacts → {small}; 20,000 → {large}")
    assert large <= small * 1.05
    assert small < 10 * NEWLY_DUE  # and proportional to the due work


def test_recording_a_send_reads_its_enrollment_once(engine: LocalEngine) -> None:
    """The settling commit is handed the enrollment it just read, instead of reading it
    again to move the journey's counters. The sender reads it once more, before sending,
    to see that the journey still runs."""
    engine.deps.rules.save_rule(rule())
    quiet_since = engine.clock.now() - IDLE - timedelta(hours=1)
    leads = [contact(quiet_since - timedelta(minutes=n)) for n in range(5)]
    engine.deps.contacts.import_contacts(leads)
    assert engine.scheduled("enqueue")["queued"] == 5
    assert engine.scheduled("dispatch")["dispatched"] == 5
    with counting() as counts:
        engine.drain()
    assert len(engine.sandbox.sent()) == 5
    assert counts.got["followup-enrollments"] == 2 * 5
