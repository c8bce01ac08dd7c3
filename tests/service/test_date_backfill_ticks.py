"""A date rule saved over a large funnel: the save indexes the contacts whose date is still
to come for a bounded time, and the enqueue ticks carry on where it stopped, so the save
answers in time and no reminder is lost or sent twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.settings import WorkspaceSettings
from followup.services import date_triggers, rules, settings
from followup.services.contacts import change_stage, upsert
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, rule
from tests.support.date_rules import FAR, RULE_ID, customer, reminders

HOUR = timedelta(hours=1)
JAKARTA = ZoneInfo("Asia/Jakarta")


def save_reminder(engine: MemoryEngine, days: int = 7, **fields: Any) -> None:
    reminder = rule(RULE_ID, trigger=before_renewal(days), exit={}, **fields)
    if rules.listing(engine.deps):
        rules.update(engine.deps, RULE_ID, reminder)
    else:
        rules.create(engine.deps, reminder)


def indexed(engine: MemoryEngine) -> set[str]:
    return {e.contact_id for e in engine.deps.contacts.due_dates(FAR) if e.rule_id == RULE_ID}


def test_a_date_rule_saved_over_a_large_funnel_indexes_a_page_and_the_ticks_index_the_rest(
    engine: MemoryEngine, small_steps: None
) -> None:
    # Given six customers renewing on 8 December, two in each of three stages
    customers = [
        customer(engine, n, stage=stage) for n, stage in enumerate(["new", "paid", "enrolled"] * 2)
    ]
    # When the reminder is saved, with no time to spare in the request
    save_reminder(engine)
    # Then the save indexed one page, and says the indexing goes on
    assert len(indexed(engine)) == 2
    assert rules.indexing(engine.deps, RULE_ID) is True
    # And the ticks index the rest, a page each
    engine.ticks_until(engine.clock.now() + timedelta(hours=12), every=HOUR)
    assert indexed(engine) == set(customers)
    assert rules.indexing(engine.deps, RULE_ID) is False
    # And each customer is reminded once, on 1 December at 09:00 in Jakarta
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    expected = [datetime(2026, 12, 1, 9, tzinfo=JAKARTA)]
    assert reminders(engine, customers) == dict.fromkeys(customers, expected)


def test_saving_the_rule_again_restarts_its_indexing_with_the_new_moment(
    engine: MemoryEngine, small_steps: None
) -> None:
    # Given a reminder a week before, saved over six customers, its indexing under way
    customers = [customer(engine, n) for n in range(6)]
    save_reminder(engine, days=7)
    # When it is saved again as four days before, before the ticks indexed everyone
    save_reminder(engine, days=4)
    engine.ticks_until(datetime(2026, 12, 7, tzinfo=UTC), every=HOUR)
    # Then everyone is reminded at the new moment only (4 December), once
    expected = [datetime(2026, 12, 4, 9, tzinfo=JAKARTA)]
    assert reminders(engine, customers) == dict.fromkeys(customers, expected)


def test_a_moment_moved_into_the_past_twice_during_indexing_sends_nothing_late(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a reminder 3 days before a renewal on 3 December (due 30 November), indexed
    customers = [customer(engine, n, attributes={"renewal_date": "2026-12-03"}) for n in range(6)]
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(3), exit={}))
    engine.ticks_until(datetime(2026, 11, 27, 3, tzinfo=UTC), every=HOUR)
    # When on 27 November it is moved to 7 days before, then to 6 (both past), each save
    # indexing one page only
    monkeypatch.setattr(date_triggers, "BACKFILL_PAGE", 2)
    monkeypatch.setattr(date_triggers, "SAVE_TIME", 0.0, raising=False)
    monkeypatch.setattr(date_triggers, "TICK_TIME", 0.0, raising=False)
    save_reminder(engine, days=7)
    save_reminder(engine, days=6)
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)
    # Then nobody gets it on 30 November, the first moment: the new ones passed unsent
    assert reminders(engine, customers) == {contact_id: [] for contact_id in customers}


def test_a_rule_switched_off_stops_indexing_and_switched_on_starts_it_again(
    engine: MemoryEngine, small_steps: None
) -> None:
    # Given a reminder saved over six customers, its indexing under way
    customers = [customer(engine, n) for n in range(6)]
    save_reminder(engine)
    # When it is switched off, and the ticks run
    rules.deactivate(engine.deps, RULE_ID, cancel_queued=False)
    engine.ticks_until(engine.clock.now() + timedelta(hours=6), every=HOUR)
    # Then no more contacts are indexed for it, and nothing says it is indexing
    assert len(indexed(engine)) == 2
    assert rules.indexing(engine.deps, RULE_ID) is False
    # When it is switched on again
    rules.activate(engine.deps, RULE_ID, confirmed=False)
    assert rules.indexing(engine.deps, RULE_ID) is True
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    # Then its indexing finishes, and everyone is reminded once
    assert rules.indexing(engine.deps, RULE_ID) is False
    expected = [datetime(2026, 12, 1, 9, tzinfo=JAKARTA)]
    assert reminders(engine, customers) == dict.fromkeys(customers, expected)


def test_contacts_written_while_the_rule_indexes_are_reminded_once(
    engine: MemoryEngine, small_steps: None
) -> None:
    # Given four customers in `new`, and one in `paid` written last (the newest), a
    # minute apart
    customers = []
    for n in range(4):
        customers.append(customer(engine, n))
        engine.clock.advance(timedelta(minutes=1))
    mover = customer(engine, 4, stage="paid")
    engine.clock.advance(timedelta(minutes=56))  # the ticks run on the hour
    # When the reminder is saved (the newest page of `new` indexed), then the customer in
    # `paid` moves back to `new`, ahead of where the indexing reached, and another one is
    # created
    save_reminder(engine)
    change_stage(engine.deps, mover, "new", engine.clock.now())
    newcomer = customer(engine, 5)
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    # Then every one of them is reminded, once
    everyone = [*customers, mover, newcomer]
    expected = [datetime(2026, 12, 1, 9, tzinfo=JAKARTA)]
    assert reminders(engine, everyone) == dict.fromkeys(everyone, expected)


def test_a_new_workspace_zone_moves_the_reminders_of_contacts_without_their_own(
    engine: MemoryEngine,
) -> None:
    # Given a workspace in São Paulo, and a customer without a zone renewing on 8 December
    sao_paulo = engine.deps.rules.settings().model_copy(update={"timezone": "America/Sao_Paulo"})
    settings.replace(engine.deps, sao_paulo, None)
    found, _ = upsert(engine.deps, "6281100000990", {"attributes": {"renewal_date": "2026-12-08"}})
    save_reminder(engine)
    # When the workspace moves to Jakarta
    jakarta = WorkspaceSettings.model_validate(
        sao_paulo.model_dump(mode="json") | {"timezone": "Asia/Jakarta"}
    )
    settings.replace(engine.deps, jakarta, None)
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    # Then the reminder goes at 09:00 in Jakarta, not 09:00 in São Paulo
    assert reminders(engine, [found.id]) == {found.id: [datetime(2026, 12, 1, 9, tzinfo=JAKARTA)]}
