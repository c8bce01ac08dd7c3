"""A contact's upcoming steps include the journey a date rule will begin for them, when
their date comes round, timed as the ticks then send it; and nothing a date rule would not
begin: a date past, the rule's conditions not holding, the rule off, its re-entry policy
refusing, a lead who opted out; a journey begun is listed once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact
from followup.domain.rule import Rule
from followup.services import rules
from followup.services.contacts import update_contact, upsert
from followup.services.upcoming import upcoming
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, rule

HOUR = timedelta(hours=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
WA_ID = "6281100007501"
TEXT = {"wait": {"amount": 0, "unit": "minutes"}, "text": "Your plan renews soon"}
TEMPLATE = {"name": "apply_reminder", "language": "en", "params": []}


def renewal(**fields: Any) -> Rule:
    """The day before `renewal_date` at 10:00: a message, then another two hours later."""
    first = {**TEXT, "template": TEMPLATE}
    second = {**first, "wait": {"amount": 2, "unit": "hours"}}
    return rule("renewal", trigger=before_renewal(1, "10:00"), steps=[first, second], **fields)


def customer(engine: MemoryEngine, renewal_date: str, **fields: Any) -> Contact:
    changes = {"name": "Rina", "timezone": "Asia/Jakarta", **fields}
    changes["attributes"] = {"renewal_date": renewal_date, **fields.get("attributes", {})}
    return upsert(engine.deps, WA_ID, changes)[0]


def listed(engine: MemoryEngine, lead: Contact) -> list[tuple[int, str, bool]]:
    """(step, local time, a journey still to begin) of each step the contact page lists."""
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    return [
        (u.step + 1, f"{u.at.astimezone(JAKARTA):%a %H:%M}" if u.at else "-", u.starts)
        for u in upcoming(engine.deps, found.item)
    ]


def sent_at(engine: MemoryEngine) -> list[str]:
    return [f"{r.received_at.astimezone(JAKARTA):%a %H:%M}" for r in engine.sandbox.sent()]


def test_a_date_rules_journey_is_listed_before_it_begins_and_sent_as_listed(
    engine: MemoryEngine,
) -> None:
    # Given it is Tuesday 09:00 in Jakarta, a renewal reminder on, and a customer renewing
    # on Thursday: reminded Wednesday at 10:00, and again at 12:00
    rules.create(engine.deps, renewal())
    lead = customer(engine, "2026-11-26")
    # Then the contact page lists both messages, as a journey still to begin
    assert listed(engine, lead) == [(1, "Wed 10:00", True), (2, "Wed 12:00", True)]
    # And the ticks, hourly until Wednesday evening, send them then
    engine.ticks_until(datetime(2026, 11, 25, 18, 0, tzinfo=JAKARTA), every=HOUR)
    assert sent_at(engine) == ["Wed 10:00", "Wed 12:00"]


def test_once_the_journey_began_its_steps_are_listed_once(engine: MemoryEngine) -> None:
    rules.create(engine.deps, renewal())
    lead = customer(engine, "2026-11-26")
    engine.ticks_until(datetime(2026, 11, 25, 10, 0, tzinfo=JAKARTA), every=HOUR)
    assert sent_at(engine) == ["Wed 10:00"]
    assert listed(engine, lead) == [(2, "Wed 12:00", False)]


def test_nothing_is_listed_that_a_date_rule_would_not_begin(engine: MemoryEngine) -> None:
    # A date already past (the reminder was Monday)
    rules.create(engine.deps, renewal(conditions={"attributes": {"plan": "gold"}}))
    assert listed(engine, customer(engine, "2026-11-24", attributes={"plan": "gold"})) == []
    # The rule's conditions not holding on the date
    assert listed(engine, customer(engine, "2026-11-26", attributes={"plan": "basic"})) == []
    # A lead who opted out
    lead = customer(engine, "2026-11-26", attributes={"plan": "gold"})
    assert listed(engine, lead) == [(1, "Wed 10:00", True), (2, "Wed 12:00", True)]
    now = engine.clock.now()
    update_contact(engine.deps, lead.id, lambda c: c.model_copy(update={"opted_out": True}), now)
    assert listed(engine, lead) == []
    # The rule off
    update_contact(engine.deps, lead.id, lambda c: c.model_copy(update={"opted_out": False}), now)
    rules.deactivate(engine.deps, "renewal", cancel_queued=False)
    assert listed(engine, lead) == []


def test_a_rule_that_never_lets_a_lead_in_twice_lists_no_second_renewal(
    engine: MemoryEngine,
) -> None:
    # Given a reminder once per customer, which reminded Rina of Wednesday's renewal
    rules.create(engine.deps, renewal(reentry={"policy": "never"}))
    lead = customer(engine, "2026-11-26")
    engine.ticks_until(datetime(2026, 11, 25, 13, 0, tzinfo=JAKARTA), every=HOUR)
    assert len(sent_at(engine)) == 2
    # When her renewal moves to next month
    customer(engine, "2026-12-26")
    # Then no second journey is listed: the rule would not begin it
    assert listed(engine, lead) == []


def test_the_contact_page_reads_the_contacts_enrollments_once(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a customer reminded this Wednesday who renewed for a year: next year's reminder
    # is to come, and the listing judges its re-entry on this year's enrollment
    rules.create(engine.deps, renewal())
    lead = customer(engine, "2026-11-26")
    engine.ticks_until(datetime(2026, 11, 25, 13, 0, tzinfo=JAKARTA), every=HOUR)
    lead = customer(engine, "2027-11-26")
    store = engine.deps.followups
    asked: list[str] = []

    def enrollments_of(contact_id: str) -> Any:
        asked.append(contact_id)
        return type(store).enrollments_of(store, contact_id)

    monkeypatch.setattr(store, "enrollments_of", enrollments_of)
    # When the contact page lists their steps, the journey to begin is judged on the
    # enrollments read once
    assert listed(engine, lead) == [(1, "Thu 10:00", True), (2, "Thu 12:00", True)]
    assert asked == [lead.id]
