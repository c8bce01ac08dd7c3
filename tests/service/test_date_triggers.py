"""Date triggers on the in-memory store: "7 days before `renewal_date` at 09:00", in the
contact's zone, once per date; a moved date moves the reminder, a removed one cancels it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup.domain import ids
from followup.services import date_triggers, rules, triggers
from followup.services.contacts import change_stage, upsert
from followup.services.imports import import_contacts
from followup.services.preview import preview
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, days_before, rule
from tests.support.date_rules import RULE_ID, customer, reminders

HOUR = timedelta(hours=1)
WA_ID = "6281100000951"
RENEWAL = before_renewal()
JAKARTA, SAO_PAULO = ZoneInfo("Asia/Jakarta"), ZoneInfo("America/Sao_Paulo")


def renewal_rule(engine: MemoryEngine, **fields: Any) -> None:
    rules.create(engine.deps, rule("renewal-reminder", trigger=RENEWAL, exit={}, **fields))


def write(engine: MemoryEngine, **changes: Any) -> str:
    contact, _ = upsert(engine.deps, WA_ID, {"name": "Sari", **changes})
    return contact.id


def sends(engine: MemoryEngine, contact_id: str) -> list[tuple[str, datetime | None]]:
    return [
        (f.rule_id, f.sent_at)
        for f in reversed(engine.deps.followups.followups_of(contact_id))
        if f.sent_at is not None
    ]


def test_seven_days_before_the_renewal_at_nine_in_jakarta_fires_once(engine: MemoryEngine) -> None:
    # Given a renewal reminder, and a Jakarta customer renewing on 8 December
    renewal_rule(engine)
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-08"})
    # When the hourly ticks run past the reminder, and the contact is written again with the
    # same date (and a new name) after it went
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    write(engine, name="Sari W.", attributes={"renewal_date": "2026-12-08"})
    engine.ticks_until(datetime(2026, 12, 10, tzinfo=UTC), every=HOUR)
    # Then it went once, on 1 December at 09:00 in Jakarta
    assert sends(engine, contact_id) == [
        ("renewal-reminder", datetime(2026, 12, 1, 9, tzinfo=JAKARTA))
    ]
    assert [e.item.rule_id for e in engine.deps.followups.enrollments_of(contact_id)] == [
        "renewal-reminder"
    ]


def test_a_moved_date_fires_at_the_new_time_only(engine: MemoryEngine) -> None:
    renewal_rule(engine)
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-08"})
    engine.ticks_until(datetime(2026, 11, 26, tzinfo=UTC), every=HOUR)
    # When the renewal moves a week later before the reminder went
    write(engine, attributes={"renewal_date": "2026-12-15"})
    engine.ticks_until(datetime(2026, 12, 10, tzinfo=UTC), every=HOUR)
    # Then the reminder goes a week later, once
    assert sends(engine, contact_id) == [
        ("renewal-reminder", datetime(2026, 12, 8, 9, tzinfo=JAKARTA))
    ]
    # And a renewal moved again after it went arms it once more
    write(engine, attributes={"renewal_date": "2027-01-12"})
    engine.ticks_until(datetime(2027, 1, 6, tzinfo=UTC), every=HOUR)
    assert [at for _, at in sends(engine, contact_id)] == [
        datetime(2026, 12, 8, 9, tzinfo=JAKARTA),
        datetime(2027, 1, 5, 9, tzinfo=JAKARTA),
    ]


def test_a_moved_date_keeps_to_the_rules_re_entry_policy(engine: MemoryEngine) -> None:
    # Given a reminder a contact may get once ever, which went for 8 December
    renewal_rule(engine, reentry={"policy": "never"})
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-08"})
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    # When the renewal moves to next term
    write(engine, attributes={"renewal_date": "2027-01-12"})
    engine.ticks_until(datetime(2027, 1, 6, tzinfo=UTC), every=HOUR)
    # Then no second reminder goes
    assert sends(engine, contact_id) == [
        ("renewal-reminder", datetime(2026, 12, 1, 9, tzinfo=JAKARTA))
    ]
    assert len(engine.deps.followups.enrollments_of(contact_id)) == 1


def test_a_reminder_moved_to_a_moment_already_past_is_not_sent_at_the_old_one(
    engine: MemoryEngine,
) -> None:
    # Given a reminder 3 days before a renewal on 3 December (due 30 November)
    rules.create(engine.deps, rule("renewal-reminder", trigger=before_renewal(3), exit={}))
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-03"})
    # When on 27 November marketing moves it to 7 days before (26 November, past)
    engine.ticks_until(datetime(2026, 11, 27, 3, tzinfo=UTC), every=HOUR)
    rules.update(
        engine.deps,
        "renewal-reminder",
        rule("renewal-reminder", trigger=before_renewal(7), exit={}),
    )
    # Then nothing goes: not on 30 November, the old moment; the new one passed unsent
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)
    assert sends(engine, contact_id) == []


def test_a_removed_date_never_fires(engine: MemoryEngine) -> None:
    renewal_rule(engine)
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-08"})
    assert len(list(engine.deps.contacts.due_dates(datetime(2027, 1, 1, tzinfo=UTC)))) == 1
    # When the renewal date is cleared
    write(engine, attributes={"renewal_date": None})
    engine.ticks_until(datetime(2026, 12, 10, tzinfo=UTC), every=HOUR)
    # Then nothing went and nothing waits
    assert sends(engine, contact_id) == []
    assert engine.deps.followups.enrollments_of(contact_id) == []
    assert list(engine.deps.contacts.due_dates(datetime(2027, 1, 1, tzinfo=UTC))) == []


def test_the_date_is_read_in_sao_paulo_for_a_contact_there(engine: MemoryEngine) -> None:
    renewal_rule(engine)
    contact_id = write(
        engine, timezone="America/Sao_Paulo", attributes={"renewal_date": "2026-12-08"}
    )
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    assert sends(engine, contact_id) == [
        ("renewal-reminder", datetime(2026, 12, 1, 9, tzinfo=SAO_PAULO))
    ]


def test_contacts_that_had_the_date_before_the_rule_was_saved_are_reminded(
    engine: MemoryEngine,
) -> None:
    # Given a customer whose renewal date was known before any reminder existed
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-08"})
    # When the reminder is saved switched off, then turned on
    renewal_rule(engine, active=False)
    engine.ticks_until(datetime(2026, 11, 25, tzinfo=UTC), every=HOUR)
    rules.activate(engine.deps, "renewal-reminder", confirmed=False)
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    # Then the reminder goes at its time
    assert sends(engine, contact_id) == [
        ("renewal-reminder", datetime(2026, 12, 1, 9, tzinfo=JAKARTA))
    ]


def test_a_reminder_due_while_its_rule_is_off_is_not_replayed(engine: MemoryEngine) -> None:
    # Given two customers, renewing on 8 and 22 December, and the reminder turned off
    renewal_rule(engine)
    soon = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-08"})
    later, _ = upsert(
        engine.deps,
        "6281100000952",
        {"timezone": "Asia/Jakarta", "attributes": {"renewal_date": "2026-12-22"}},
    )
    rules.deactivate(engine.deps, "renewal-reminder", cancel_queued=False)
    # When the first reminder's time passes while it is off, and it is turned on after
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    rules.activate(engine.deps, "renewal-reminder", confirmed=False)
    engine.ticks_until(datetime(2026, 12, 16, tzinfo=UTC), every=HOUR)
    # Then the missed one is not sent late; the one still to come goes at its time
    assert sends(engine, soon) == []
    assert sends(engine, later.id) == [
        ("renewal-reminder", datetime(2026, 12, 15, 9, tzinfo=JAKARTA))
    ]


def test_an_imported_date_is_indexed(engine: MemoryEngine) -> None:
    renewal_rule(engine)
    csv = f"wa_id,timezone,attr.renewal_date\n{WA_ID},Asia/Jakarta,2026-12-08\n"
    assert import_contacts(engine.deps, csv, "csv").created == 1
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    assert sends(engine, ids.contact_id(f"wa:{WA_ID}")) == [
        ("renewal-reminder", datetime(2026, 12, 1, 9, tzinfo=JAKARTA))
    ]


def test_a_date_a_journey_sets_is_indexed(engine: MemoryEngine) -> None:
    # Given a journey that records the renewal date when a subscription starts
    subscribed = rule(
        "record-renewal",
        trigger={"kind": "event", "name": "subscribed"},
        steps=[
            {
                "kind": "action",
                "do": "set_attribute",
                "attribute": "renewal_date",
                "value": "2026-12-08",
            }
        ],
        exit={},
    )
    rules.create(engine.deps, subscribed)
    renewal_rule(engine)
    contact_id = write(engine, timezone="Asia/Jakarta")
    # When the subscription starts
    found = engine.deps.contacts.contact(contact_id)
    assert found is not None
    now = engine.clock.now()
    triggers.event_happened(engine.deps, found.item, "subscribed", {}, "ev-1", now, now)
    engine.ticks_until(datetime(2026, 12, 3, tzinfo=UTC), every=HOUR)
    # Then the date it set brings the reminder
    assert sends(engine, contact_id) == [
        ("renewal-reminder", datetime(2026, 12, 1, 9, tzinfo=JAKARTA))
    ]


def test_a_date_written_after_its_reminder_time_goes_on_the_next_tick(
    engine: MemoryEngine,
) -> None:
    renewal_rule(engine)
    # A customer renewing in three days: a week before was four days ago (Tuesday 09:00)
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-11-27"})
    engine.ticks_until(datetime(2026, 11, 24, 4, tzinfo=UTC), every=HOUR)
    assert sends(engine, contact_id) == [
        ("renewal-reminder", datetime(2026, 11, 24, 10, tzinfo=JAKARTA))
    ]


def test_a_date_moved_while_the_tick_fires_its_reminder_arms_the_next_one(
    engine: MemoryEngine, monkeypatch: Any
) -> None:
    # Given a reminder 7 days before `renewal_date`, due now for a renewal on 1 December
    renewal_rule(engine)
    contact_id = write(engine, timezone="Asia/Jakarta", attributes={"renewal_date": "2026-12-01"})
    fire = date_triggers._enroll

    def edited_meanwhile(*args: Any, **kwargs: Any) -> int:
        enrolled = fire(*args, **kwargs)
        write(engine, attributes={"renewal_date": "2027-12-01"})
        return enrolled

    # When the CRM moves the renewal to next year while the tick enrolls this year's
    monkeypatch.setattr(date_triggers, "_enroll", edited_meanwhile)
    engine.tick()
    monkeypatch.setattr(date_triggers, "_enroll", fire)
    # Then a week before next year's date, the reminder comes round again
    engine.clock.advance(datetime(2027, 11, 23, 23, 0, tzinfo=UTC) - engine.clock.now())
    engine.ticks_until(datetime(2027, 11, 24, 3, 0, tzinfo=UTC), every=HOUR)
    enrolled = [e.item.rule_id for e in engine.deps.followups.enrollments_of(contact_id)]
    assert enrolled == ["renewal-reminder", "renewal-reminder"]


def test_a_crm_s_year_one_placeholder_on_one_contact_stops_no_one_s_reminder(
    engine: MemoryEngine,
) -> None:
    # Given a renewal reminder for a customer, and a rule 60 days after a last booking
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(7), exit={}))
    after_booking = {
        "kind": "date",
        "attribute": "last_booking_at",
        "offset": {"amount": 60, "unit": "days"},
        "at": "10:00",
    }
    rules.create(engine.deps, rule("win-back", trigger=after_booking, exit={}))
    renewing = customer(engine, 1, "2026-12-08")
    # And a contact a CRM wrote its "no date" for, the year one, in a zone west of UTC
    never = {"last_booking_at": "0001-01-01T00:00:00"}
    upsert(engine.deps, "5511987650777", {"timezone": "America/Sao_Paulo", "attributes": never})
    # When the ticks run until the reminder's day
    engine.ticks_until(datetime(2026, 12, 2, tzinfo=UTC), every=HOUR)
    # Then the customer is reminded as ever
    jakarta = ZoneInfo("Asia/Jakarta")
    assert reminders(engine, [renewing]) == {renewing: [datetime(2026, 12, 1, 9, tzinfo=jakarta)]}


def test_a_crm_s_last_day_placeholder_is_no_date_to_save_preview_or_import_against(
    engine: MemoryEngine,
) -> None:
    # Given a contact in Los Angeles whose CRM wrote its "no date", 9999-12-31 (09:00 there
    # is a day no calendar holds in Jakarta, the workspace's zone)
    placeholder = {"renewal_date": "9999-12-31"}
    upsert(
        engine.deps, "14155550100", {"timezone": "America/Los_Angeles", "attributes": placeholder}
    )
    # When a rule for the day itself is saved and previewed, and a file writes another
    on_the_day = days_before("renewal_date", 0, "09:00")
    saved, _ = rules.create(engine.deps, rule("renews-today", trigger=on_the_day, exit={}))
    previewed = preview(engine.deps, saved)
    written = "wa_id,timezone,attr.renewal_date\n14155550101,America/Los_Angeles,9999-12-31\n"
    imported = import_contacts(engine.deps, written, "csv")
    # Then each answers, the placeholder counted as no date
    assert (saved.active, previewed.fires, imported.created) == (True, "date", 1)


def test_a_zone_correction_does_not_send_a_moment_an_edit_moved_into_the_past(
    engine: MemoryEngine,
) -> None:
    # Given a reminder 3 days before a renewal on 3 December, indexed
    sari = customer(engine, 1, "2026-12-03")
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(3), exit={}))
    engine.ticks_until(datetime(2026, 11, 27, 3, tzinfo=UTC), every=HOUR)
    # When on 27 November it is edited to 7 days before (26 November: already past)
    rules.update(engine.deps, RULE_ID, rule(RULE_ID, trigger=before_renewal(7), exit={}))
    # And later her zone is corrected (Jakarta to Makassar), her date as it was
    upsert(engine.deps, "6281100000901", {"timezone": "Asia/Makassar"})
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)
    # Then no late "renews in 7 days" goes
    assert reminders(engine, [sari]) == {sari: []}


def test_a_stage_change_while_the_rule_is_indexed_replays_no_passed_reminder(
    engine: MemoryEngine, small_steps: None
) -> None:
    # Given customers whose "7 days before" passed, and others still to come, and the
    # reminder saved, its indexing under way
    passed = [customer(engine, n, "2026-11-27") for n in range(6)]
    for n in range(10, 16):
        customer(engine, n, "2026-12-08")
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(7), exit={}))
    assert rules.indexing(engine.deps, RULE_ID)
    # When one of them moves stage meanwhile
    change_stage(engine.deps, passed[0], "paid", engine.clock.now())
    engine.ticks_until(datetime(2026, 11, 26, tzinfo=UTC), every=HOUR)
    # Then, as for the others, the passed reminder is not replayed
    assert reminders(engine, passed) == {contact_id: [] for contact_id in passed}


def test_the_same_date_written_back_as_a_date_time_is_reminded_once(engine: MemoryEngine) -> None:
    # Given a customer reminded on 1 December of her renewal on 8 December
    sari = customer(engine, 1, "2026-12-08")
    rules.create(engine.deps, rule(RULE_ID, trigger=before_renewal(7), exit={}))
    engine.ticks_until(datetime(2026, 12, 2, tzinfo=UTC), every=HOUR)
    assert reminders(engine, [sari]) == {sari: [datetime(2026, 12, 1, 2, tzinfo=UTC)]}
    # When a CRM's sync sets her zone and writes the same date as a date and time
    moved = {"timezone": "Asia/Makassar", "attributes": {"renewal_date": "2026-12-08T00:00:00"}}
    upsert(engine.deps, "6281100000901", moved)
    engine.ticks_until(datetime(2026, 12, 4, tzinfo=UTC), every=HOUR)
    # Then the renewal she was reminded of is not reminded again
    assert reminders(engine, [sari]) == {sari: [datetime(2026, 12, 1, 2, tzinfo=UTC)]}
