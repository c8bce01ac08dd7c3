"""A journey's wait "until renewal_date" after the customer's renewal date changed: the
message meant for the renewal day goes on the renewal day as it stands, once, or not at
all when there is no renewal date any more.

The shape is the shipped "Subscription renewal reminder" recipe: a reminder 7 days
before `renewal_date` at 09:00, then a wait until the date and 09:00, then "your
subscription renews today"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from followup.domain.rule import Rule
from followup.services import rules
from followup.services.contacts import upsert
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal

HOUR = timedelta(hours=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
WA_ID = "6281100000931"


def send(name: str) -> dict[str, object]:
    return {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": name, "language": "en"}}


def renewal_journey(days_before: int = 7) -> Rule:
    """The recipe's journey, its reminder `days_before` the renewal."""
    return Rule.model_validate(
        {
            "id": "renewal",
            "name": "Renewal",
            "trigger": before_renewal(days_before),
            "steps": [
                send("renewal_upcoming"),
                {"kind": "wait", "until_attribute": "renewal_date"},
                {"kind": "wait", "until_time": "09:00"},
                send("renewal_today"),
            ],
            "exit": {"on_reply": False},
        }
    )


def sent_days(engine: MemoryEngine, template: str) -> list[str]:
    """The local days (Jakarta) on which `template` went."""
    return [
        r.received_at.astimezone(JAKARTA).date().isoformat()
        for r in engine.sandbox.sent()
        if r.body and r.body.get("template", {}).get("name") == template
    ]


def exits(engine: MemoryEngine, contact_id: str) -> list[str | None]:
    """How the contact's journeys ended (None: still running, or completed)."""
    enrollments = sorted(
        engine.deps.followups.enrollments_of(contact_id), key=lambda e: e.item.enrolled_at
    )
    return [e.item.exit_reason for e in enrollments]


def reminded_a_week_before_the_8th(engine: MemoryEngine) -> str:
    """The renewal journey, and a Jakarta customer renewing on 8 December who got the
    reminder on 1 December at 09:00 and whose journey now waits for the date."""
    rules.create(engine.deps, renewal_journey())
    contact, _ = upsert(
        engine.deps,
        WA_ID,
        {"timezone": "Asia/Jakarta", "attributes": {"renewal_date": "2026-12-08"}},
    )
    engine.ticks_until(datetime(2026, 12, 2, tzinfo=UTC), every=HOUR)
    assert sent_days(engine, "renewal_upcoming") == ["2026-12-01"]
    return contact.id


def test_the_renewal_day_message_follows_a_renewal_date_moved_after_the_first_reminder(
    engine: MemoryEngine,
) -> None:
    # Given a customer renewing on 8 December, reminded a week before
    contact_id = reminded_a_week_before_the_8th(engine)
    # When the CRM moves the renewal to 22 December (the contract was extended)
    upsert(engine.deps, WA_ID, {"attributes": {"renewal_date": "2026-12-22"}})
    engine.ticks_until(datetime(2026, 12, 23, tzinfo=UTC), every=HOUR)
    # Then "your subscription renews today" goes on the renewal day only, once: never on
    # 8 December, which is no longer the customer's renewal date
    assert sent_days(engine, "renewal_today") == ["2026-12-22"]
    # And the new date had its own reminder a week before, its journey replacing the first
    assert sent_days(engine, "renewal_upcoming") == ["2026-12-01", "2026-12-15"]
    assert exits(engine, contact_id) == ["attribute_changed:renewal_date", "sequence_done"]


def test_no_renewal_day_message_goes_once_the_renewal_date_is_cleared(
    engine: MemoryEngine,
) -> None:
    # Given a customer renewing on 8 December, reminded a week before
    contact_id = reminded_a_week_before_the_8th(engine)
    # When the CRM clears the renewal date (the subscription was cancelled)
    upsert(engine.deps, WA_ID, {"attributes": {"renewal_date": None}})
    engine.ticks_until(datetime(2026, 12, 10, tzinfo=UTC), every=HOUR)
    # Then no "renews today" goes, and the journey ended for want of the date
    assert sent_days(engine, "renewal_today") == []
    assert exits(engine, contact_id) == ["attribute_missing:renewal_date"]


def test_the_renewal_day_message_follows_a_renewal_date_moved_earlier_once_reminded(
    engine: MemoryEngine,
) -> None:
    # Given the journey reminding two weeks before, and a customer renewing on 22 December
    # reminded on the 8th (a moved date's own reminder would be more than a week late)
    rules.create(engine.deps, renewal_journey(days_before=14))
    contact, _ = upsert(
        engine.deps,
        WA_ID,
        {"timezone": "Asia/Jakarta", "attributes": {"renewal_date": "2026-12-22"}},
    )
    engine.ticks_until(datetime(2026, 12, 9, tzinfo=UTC), every=HOUR)
    assert sent_days(engine, "renewal_upcoming") == ["2026-12-08"]
    # When the CRM brings the renewal forward to 15 December
    upsert(engine.deps, WA_ID, {"attributes": {"renewal_date": "2026-12-15"}})
    engine.ticks_until(datetime(2026, 12, 23, tzinfo=UTC), every=HOUR)
    # Then "your subscription renews today" goes on the new renewal day, once, at 09:00
    assert sent_days(engine, "renewal_today") == ["2026-12-15"]
    assert exits(engine, contact.id) == ["sequence_done"]


def test_a_renewal_date_moved_earlier_starts_its_own_journey_in_place_of_the_first(
    engine: MemoryEngine,
) -> None:
    # Given a customer renewing on 8 December, reminded a week before
    contact_id = reminded_a_week_before_the_8th(engine)
    # When the CRM brings the renewal forward to Friday 4 December
    upsert(engine.deps, WA_ID, {"attributes": {"renewal_date": "2026-12-04"}})
    engine.ticks_until(datetime(2026, 12, 10, tzinfo=UTC), every=HOUR)
    # Then the new date's journey replaces the first: "renews today" goes on the 4th, once
    assert sent_days(engine, "renewal_today") == ["2026-12-04"]
    assert sent_days(engine, "renewal_upcoming") == ["2026-12-01", "2026-12-02"]
    assert exits(engine, contact_id) == ["attribute_changed:renewal_date", "sequence_done"]
