"""A date rule edited while it is off, or a workspace zone whose re-indexing failed
midway: no reminder goes late at a moment the edit left behind, and a zone change sent
again after a 503 still moves the reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.settings import WorkspaceSettings
from followup.services import date_triggers, rules
from followup.services import settings as workspace_settings
from followup.services.contacts import upsert
from followup.services.ports import StoreBusy
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, rule
from tests.support.date_rules import FAR, RULE_ID, customer, reminders

HOUR = timedelta(hours=1)
JAKARTA = ZoneInfo("Asia/Jakarta")


def three_days_before_indexed(engine: MemoryEngine, customers: int) -> list[str]:
    """Customers renewing on 3 December, a reminder 3 days before (30 November, 09:00)
    indexed for them, and the clock on 27 November."""
    found = [customer(engine, n, "2026-12-03") for n in range(customers)]
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(3), exit={}))
    engine.ticks_until(datetime(2026, 11, 27, 3, tzinfo=UTC), every=HOUR)
    return found


def waiting(engine: MemoryEngine) -> set[str]:
    """The customers a reminder of the rule still waits to come round for."""
    return {e.contact_id for e in engine.deps.contacts.due_dates(FAR) if e.rule_id == RULE_ID}


def edited_off(days: int) -> Any:
    return rule(RULE_ID, trigger=before_renewal(days), exit={}, active=False)


def test_a_reminder_moved_into_the_past_while_its_rule_is_off_is_not_sent_late_when_switched_on(
    engine: MemoryEngine,
) -> None:
    # Given a reminder 3 days before a renewal on 3 December, indexed for three customers
    customers = three_days_before_indexed(engine, 3)
    # When on 27 November an admin switches it off, edits it to 7 days before (26
    # November, already past) and switches it on again
    rules.deactivate(engine.deps, RULE_ID, cancel_queued=False)
    rules.update(engine.deps, RULE_ID, edited_off(7))
    rules.activate(engine.deps, RULE_ID, confirmed=False)
    # Then no reminder waits for the old moment any more
    assert waiting(engine) == set()
    # And nobody gets it late on 30 November
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)
    assert reminders(engine, customers) == {contact_id: [] for contact_id in customers}


def test_an_edit_saved_off_while_the_indexing_walks_still_keeps_the_old_moment_from_sending(
    engine: MemoryEngine, small_steps: None
) -> None:
    # Given a reminder 3 days before, indexed for six customers, moved on 27 November to
    # 7 days before (already past) while on, its indexing one page in
    customers = three_days_before_indexed(engine, 6)
    rules.update(engine.deps, RULE_ID, rule(RULE_ID, trigger=before_renewal(7), exit={}))
    assert rules.indexing(engine.deps, RULE_ID) is True
    # When an admin switches it off, saves it as 6 days before (past too) and switches it
    # on again
    rules.deactivate(engine.deps, RULE_ID, cancel_queued=False)
    rules.update(engine.deps, RULE_ID, edited_off(6))
    rules.activate(engine.deps, RULE_ID, confirmed=False)
    engine.ticks_until(datetime(2026, 11, 28, tzinfo=UTC), every=HOUR)
    # Then, once indexed, no reminder waits for 30 November, the first moment
    assert (rules.indexing(engine.deps, RULE_ID), waiting(engine)) == (False, set())
    # And nobody gets it then: the later moments passed unsent
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)
    assert reminders(engine, customers) == {contact_id: [] for contact_id in customers}


def test_a_reminder_moved_into_the_past_is_not_sent_late_to_customers_not_indexed_yet(
    engine: MemoryEngine, small_steps: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a reminder 3 days before, indexed for six customers
    customers = three_days_before_indexed(engine, 6)
    # When on 27 November it is moved to 7 days before (already past), and its indexing
    # stalls after the save's first page (the ticks find no time to walk on)
    monkeypatch.setattr(date_triggers, "walk_on", lambda *args, **kwargs: None)
    rules.update(engine.deps, RULE_ID, rule(RULE_ID, trigger=before_renewal(7), exit={}))
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)
    # Then nobody gets it on 30 November, also those the indexing had not reached
    assert reminders(engine, customers) == {contact_id: [] for contact_id in customers}


def sao_paulo_workspace(engine: MemoryEngine) -> WorkspaceSettings:
    sao_paulo = engine.deps.rules.settings().model_copy(update={"timezone": "America/Sao_Paulo"})
    workspace_settings.replace(engine.deps, sao_paulo, None)
    return sao_paulo


def in_jakarta(settings: WorkspaceSettings) -> WorkspaceSettings:
    return WorkspaceSettings.model_validate(
        settings.model_dump(mode="json") | {"timezone": "Asia/Jakarta"}
    )


def busy_once(real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, but the first call finds the store busy (the request answers 503)."""
    calls: list[bool] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not calls:
            calls.append(True)
            raise StoreBusy("busy")
        return real(*args, **kwargs)

    return call


def test_a_zone_change_retried_after_a_busy_store_still_moves_the_reminders(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a workspace in São Paulo, a customer without a zone renewing on 8 December, and
    # a reminder a week before at 09:00
    sao_paulo = sao_paulo_workspace(engine)
    found, _ = upsert(engine.deps, "6281100000990", {"attributes": {"renewal_date": "2026-12-08"}})
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(7), exit={}))
    # And a store busy once as the new zone restarts the rule's indexing
    monkeypatch.setattr(date_triggers, "restart_all", busy_once(date_triggers.restart_all))
    # When the workspace moves to Jakarta, the admin is told 503 and saves again, as told
    with pytest.raises(StoreBusy):
        workspace_settings.replace(engine.deps, in_jakarta(sao_paulo), None)
    workspace_settings.replace(engine.deps, in_jakarta(sao_paulo), None)
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    # Then the reminder goes at 09:00 in Jakarta, as when nothing failed
    assert reminders(engine, [found.id]) == {found.id: [datetime(2026, 12, 1, 9, tzinfo=JAKARTA)]}


def test_a_zone_change_busy_while_indexing_the_first_rule_still_moves_every_rules_reminders(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a workspace in São Paulo, a customer without a zone renewing on 8 December, and
    # two reminders, a week and four days before at 09:00
    sao_paulo = sao_paulo_workspace(engine)
    found, _ = upsert(engine.deps, "6281100000990", {"attributes": {"renewal_date": "2026-12-08"}})
    rules.create(engine.deps, rule("week-before", trigger=before_renewal(7), exit={}))
    rules.create(engine.deps, rule("days-before", trigger=before_renewal(4), exit={}))
    # And a store busy once as the contacts are read for the new zone's indexing
    contacts = engine.deps.contacts
    monkeypatch.setattr(contacts, "contacts_in", busy_once(contacts.contacts_in))
    # When the workspace moves to Jakarta, the admin is told 503 and saves again, as told
    with pytest.raises(StoreBusy):
        workspace_settings.replace(engine.deps, in_jakarta(sao_paulo), None)
    workspace_settings.replace(engine.deps, in_jakarta(sao_paulo), None)
    engine.ticks_until(datetime(2026, 12, 6, tzinfo=UTC), every=HOUR)
    # Then each reminder goes at 09:00 in Jakarta, as when nothing failed
    week = reminders(engine, [found.id], "week-before")
    days = reminders(engine, [found.id], "days-before")
    assert (week, days) == (
        {found.id: [datetime(2026, 12, 1, 9, tzinfo=JAKARTA)]},
        {found.id: [datetime(2026, 12, 4, 9, tzinfo=JAKARTA)]},
    )
