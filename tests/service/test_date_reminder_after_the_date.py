"""A reminder before a date goes no more once the date itself has come, in the contact's
zone: a contact written on the day its payment is due, or after it, is not told it is due
tomorrow, and the tick counts why. One written late, the reminder's moment just missed but
the date still ahead, is still reminded; a rule for the day itself, or days after it,
catches up as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup.domain.contact import Contact
from followup.domain.rule import Rule
from followup.services import rules
from followup.services.contacts import upsert
from followup.services.dry_run import DryRunRequest, dry_run
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import days_before, rule

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
TEMPLATE = {"name": "apply_reminder", "language": "en"}


def reminder(rule_id: str, trigger: dict[str, Any], text: str) -> Rule:
    step = {"wait": {"amount": 0, "unit": "minutes"}, "text": text, "template": TEMPLATE}
    return rule(rule_id, trigger=trigger, steps=[step], exit={})


def due_eve() -> Rule:
    """The day before `payment_due`, at 09:00 on the contact's clock."""
    trigger = days_before("payment_due", 1, "09:00")
    return reminder("due-eve", trigger, "Your payment is due tomorrow")


def on_date(attribute: str, days: int) -> dict[str, Any]:
    """A date trigger `days` after the contact's date in `attribute` (0: on the day), at
    09:00 in its zone."""
    offset = {"amount": days, "unit": "days"}
    return {"kind": "date", "attribute": attribute, "offset": offset, "at": "09:00"}


def customer(engine: MemoryEngine, wa_id: str, **attributes: str) -> Contact:
    changes = {"name": "Ana", "timezone": "Asia/Jakarta", "attributes": attributes}
    return upsert(engine.deps, wa_id, changes)[0]


def sends(engine: MemoryEngine, contact: Contact) -> list[tuple[str, datetime | None]]:
    return [
        (f.rule_id, f.sent_at)
        for f in reversed(engine.deps.followups.followups_of(contact.id))
        if f.sent_at is not None
    ]


def played(engine: MemoryEngine, reminder: Rule, contact: Contact) -> list[tuple[str, str]]:
    """What a dry run of `reminder` for the contact shows: each entry's kind and local time."""
    request = DryRunRequest.model_validate({"contact_id": contact.id, "days": 3})
    return [(entry.kind, entry.local) for entry in dry_run(engine.deps, reminder, request).entries]


def test_a_contact_written_on_or_after_the_date_is_not_told_it_is_due_tomorrow(
    engine: MemoryEngine,
) -> None:
    # Given "the day before payment_due at 09:00" on, and, on Tuesday 24 Nov at 09:00 in
    # Jakarta, three customers written whose payment was due today, yesterday, last Friday
    eve = due_eve()
    rules.create(engine.deps, eve)
    written = [
        customer(engine, "6281200000121", payment_due="2026-11-24"),
        customer(engine, "6281200000122", payment_due="2026-11-23"),
        customer(engine, "6281200000123", payment_due="2026-11-20"),
    ]
    # When the enqueue tick reads their reminders, each missed within the lookback
    report = engine.scheduled("enqueue")
    # Then none is enrolled, each counted as a date passed
    assert report["enrolled"] == 0
    assert report["reasons"] == {"not_enrolled:attribute_passed:payment_due": 3}
    # And three days of ticks send nothing to any of them
    engine.ticks_until(engine.clock.now() + 3 * DAY, every=HOUR)
    for contact in written:
        assert sends(engine, contact) == []
        assert engine.deps.followups.enrollments_of(contact.id) == []
    # And the rule's preview and a dry run of each say the same: nobody is reminded
    assert preview(engine.deps, eve).planned == []
    for contact in written:
        assert played(engine, eve, contact) == []


def test_a_contact_written_late_while_the_date_is_ahead_is_still_reminded(
    engine: MemoryEngine,
) -> None:
    # Given "the day before payment_due at 09:00" on
    eve = due_eve()
    rules.create(engine.deps, eve)
    # When at Tuesday 11:00 in Jakarta, two hours after its moment, a customer is written
    # whose payment is due on Wednesday
    engine.clock.advance(2 * HOUR)
    contact = customer(engine, "6281200000124", payment_due="2026-11-25")
    # Then a dry run shows the reminder going at once
    now = "Tue 2026-11-24 11:00"
    assert played(engine, eve, contact)[:2] == [("entered", now), ("send", now)]
    # And the tick sends it then
    engine.tick()
    engine.ticks_until(datetime(2026, 11, 25, 4, tzinfo=UTC), every=HOUR)
    assert sends(engine, contact) == [("due-eve", datetime(2026, 11, 24, 11, tzinfo=JAKARTA))]


def test_a_rule_on_the_day_or_days_after_still_catches_up_a_date_come(
    engine: MemoryEngine,
) -> None:
    # Given "on the day of class_start at 09:00" and "2 days after payment_due at 09:00" on
    day_of = reminder("class-today", on_date("class_start", 0), "Your class starts today")
    overdue = reminder("overdue", on_date("payment_due", 2), "Your payment is overdue")
    rules.create(engine.deps, day_of)
    rules.create(engine.deps, overdue)
    # When at Tuesday 11:00 in Jakarta a student starting today and a customer whose
    # payment was due on Sunday are written, both moments missed by two hours
    engine.clock.advance(2 * HOUR)
    student = customer(engine, "6281200000125", class_start="2026-11-24")
    late_payer = customer(engine, "6281200000126", payment_due="2026-11-22")
    engine.tick()
    engine.ticks_until(datetime(2026, 11, 25, 4, tzinfo=UTC), every=HOUR)
    # Then each is sent its message at once
    at = datetime(2026, 11, 24, 11, tzinfo=JAKARTA)
    assert sends(engine, student) == [("class-today", at)]
    assert sends(engine, late_payer) == [("overdue", at)]
