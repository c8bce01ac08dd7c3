"""A reminder before a date, enrolled on time, whose send something puts off until the date
has come (the send window closed over a weekend or a holiday, a paused number) is not sent
then: it ends `skipped`, `attribute_passed:<name>`, and the rule's stats count it skipped.
One still ahead of its date when it goes is sent, and the journey's steps timed on the
date itself still go when the rule times them. The renewal recipe's "renews today" goes to
a customer written on their renewal day."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact
from followup.domain.followup import Status
from followup.domain.recipes import recipe
from followup.domain.rule import Rule
from followup.services import rules
from followup.services.contacts import upsert
from followup.services.pausing import pause_number
from followup.services.preview import preview
from followup.services.stats import totals
from followup.services.upcoming import upcoming
from followup.services.webhook import resume_number
from followup_local.envelopes import BUSINESS_NUMBER
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.support.builders import days_before, holidays, rule
from tests.support.friday import FRIDAY_4PM

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
TEMPLATE = {"name": "apply_reminder", "language": "en"}
NUMBER = BUSINESS_NUMBER["phone_number_id"]
PASSED = "attribute_passed:payment_due"


def send(text: str, wait: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"wait": wait or {"amount": 0, "unit": "minutes"}, "text": text, "template": TEMPLATE}


def reminder(trigger: dict[str, Any], *steps: dict[str, Any]) -> Rule:
    return rule("due-soon", trigger=trigger, steps=list(steps), exit={})


def customer(engine: MemoryEngine, wa_id: str, **attributes: str) -> Contact:
    changes = {"name": "Ana", "timezone": "Asia/Jakarta", "attributes": attributes}
    return upsert(engine.deps, wa_id, changes)[0]


def sends(engine: MemoryEngine, contact: Contact) -> list[tuple[int, datetime | None]]:
    return [
        (f.step_index, f.sent_at)
        for f in reversed(engine.deps.followups.followups_of(contact.id))
        if f.sent_at is not None
    ]


def ended(engine: MemoryEngine, contact: Contact) -> list[tuple[int, Status, str | None]]:
    return [
        (f.step_index, f.status, f.reason)
        for f in reversed(engine.deps.followups.followups_of(contact.id))
        if f.sent_at is None
    ]


def stats(engine: MemoryEngine, since: datetime) -> dict[str, int]:
    days = engine.deps.stats.stats(since.date(), engine.clock.now().date())
    return totals(days)["due-soon"].counts


def local(at: datetime) -> datetime:
    return at.astimezone(JAKARTA)


@pytest.fixture
def friday() -> Iterator[MemoryEngine]:
    """Friday 27 November, 16:00 in Jakarta, hourly ticks: the default window closes at
    17:00 and opens again on Monday at 08:00."""
    with memory_engine(FRIDAY_4PM) as running:
        running.deps.timings = replace(running.deps.timings, tick=HOUR)
        yield running


def test_a_reminder_put_off_by_the_weekend_to_its_date_is_not_sent(
    friday: MemoryEngine,
) -> None:
    # Given "3 days before payment_due at 18:00" on, and a customer whose payment is due
    # on Monday 30 November: their reminder's moment, Friday 18:00, is after hours
    start = friday.clock.now()
    rules.create(friday.deps, reminder(days_before("payment_due", 3, "18:00"), send("Due Monday")))
    contact = customer(friday, "6281200000131", payment_due="2026-11-30")
    # When the ticks run until Monday noon
    friday.ticks_until(start + 3 * DAY, every=HOUR)
    # Then it was queued on Friday for the window's opening on Monday, 08:00
    [queued] = friday.deps.followups.followups_of(contact.id)
    assert local(queued.created_at).weekday() == 4
    # And on Monday, the payment due that day, it was not sent: it ended saying why
    assert sends(friday, contact) == []
    assert ended(friday, contact) == [(0, Status.SKIPPED, PASSED)]
    assert stats(friday, start)["skipped"] == 1
    assert "sent" not in stats(friday, start)


def test_a_reminder_whose_date_is_still_ahead_when_the_window_opens_is_sent(
    friday: MemoryEngine,
) -> None:
    # Given the same reminder, for a customer whose payment is due on Tuesday 1 December
    start = friday.clock.now()
    rules.create(friday.deps, reminder(days_before("payment_due", 3, "18:00"), send("Due soon")))
    contact = customer(friday, "6281200000132", payment_due="2026-12-01")
    # When the ticks run until Monday noon
    friday.ticks_until(start + 3 * DAY, every=HOUR)
    # Then it went on Monday at 08:00, the window's opening, the day before the date
    assert sends(friday, contact) == [(0, datetime(2026, 11, 30, 8, tzinfo=JAKARTA))]
    assert ended(friday, contact) == []


def test_the_preview_leaves_alone_a_reminder_the_weekend_puts_off_to_its_date(
    friday: MemoryEngine,
) -> None:
    # Given "3 days before payment_due at 18:00", and a customer due on Monday
    eve = reminder(days_before("payment_due", 3, "18:00"), send("Due soon"))
    monday = customer(friday, "6281200000138", payment_due="2026-11-30")
    # When the rule is previewed on Friday at 16:00
    shown = preview(friday.deps, eve)
    # Then it plans no reminder for them, and says why, as the sender would skip it
    assert shown.planned == []
    assert [(e.contact_id, e.reason) for e in shown.excluded] == [(monday.id, "attribute_passed")]


def test_a_reminder_held_by_a_paused_number_past_its_date_is_not_sent(
    engine: MemoryEngine,
) -> None:
    # Given "1 day before payment_due at 10:00" on, a customer due on Wednesday 25
    # November, and their WhatsApp number paused at 09:30 on Tuesday
    start = engine.clock.now()
    trigger = days_before("payment_due", 1, "10:00")
    rules.create(engine.deps, reminder(trigger, send("Your payment is due tomorrow")))
    contact = customer(engine, "6281200000133", payment_due="2026-11-25")
    engine.clock.advance(timedelta(minutes=30))
    assert pause_number(engine.deps, NUMBER, "quality FLAGGED", engine.clock.now())
    engine.ticks_until(start + 25 * HOUR, every=HOUR)
    assert sends(engine, contact) == []
    # When the number is resumed on Wednesday at 10:00, the payment due that day
    assert resume_number(engine.deps, NUMBER, engine.clock.now())
    engine.ticks_until(start + 2 * DAY, every=HOUR)
    # Then the reminder is not sent: it ended saying why
    assert sends(engine, contact) == []
    assert ended(engine, contact) == [(0, Status.SKIPPED, PASSED)]


def test_a_step_on_the_day_of_a_reminder_before_it_still_goes_when_the_rule_times_it(
    engine: MemoryEngine,
) -> None:
    # Given Wednesday 25 November a holiday, and "1 day before payment_due at 09:00",
    # "due tomorrow", then a day later "due today", for a customer due on Thursday
    start = engine.clock.now()
    holidays(engine.deps, "2026-11-25")
    tomorrow, today = send("Due tomorrow"), send("Due today", {"amount": 1, "unit": "days"})
    rules.create(engine.deps, reminder(days_before("payment_due", 1, "09:00"), tomorrow, today))
    contact = customer(engine, "6281200000134", payment_due="2026-11-26")
    # When the ticks run to Wednesday noon: "due tomorrow" is put off to Thursday 08:00
    engine.ticks_until(start + 27 * HOUR, every=HOUR)
    [queued] = engine.deps.followups.followups_of(contact.id)
    assert local(queued.scheduled_at) == datetime(2026, 11, 26, 8, tzinfo=JAKARTA)
    # Then the contact's page promises "due today" on Thursday at 09:00, not the other
    thursday_9 = datetime(2026, 11, 26, 9, tzinfo=JAKARTA)
    assert [(u.step, u.at) for u in upcoming(engine.deps, contact)] == [(1, thursday_9)]
    # And on Thursday "due tomorrow" is not sent, and "due today" goes at 09:00
    engine.ticks_until(start + 2 * DAY + 3 * HOUR, every=HOUR)
    assert ended(engine, contact) == [(0, Status.SKIPPED, PASSED)]
    assert sends(engine, contact) == [(1, thursday_9)]


def renewal(engine: MemoryEngine) -> None:
    found = recipe("subscription-renewal")
    assert found is not None
    rules.create(engine.deps, found.rule.model_copy(update={"active": True}))


def test_a_customer_written_on_their_renewal_day_hears_it_renews_today() -> None:
    with memory_engine(datetime(2026, 11, 24, 7, tzinfo=JAKARTA).astimezone(UTC)) as engine:
        engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
        # Given the renewal recipe on, and, on Tuesday 24 November at 07:00 in Jakarta, a
        # customer written whose subscription renews today
        start = engine.clock.now()
        renewal(engine)
        early = customer(engine, "6281200000135", renewal_date="2026-11-24")
        # When the ticks run through the morning, and at 11:00 another such customer is
        # written
        engine.ticks_until(start + 4 * HOUR, every=HOUR)
        late = customer(engine, "6281200000136", renewal_date="2026-11-24")
        engine.ticks_until(start + 8 * HOUR, every=HOUR)
        # Then the first hears "renews today" at 09:00, and the second at 13:00: the tick
        # at 12:00 enrolls them and ends the message of a week before, saying why, and the
        # next sends the one for the day; neither is told of a renewal a week away
        nine = datetime(2026, 11, 24, 9, tzinfo=JAKARTA)
        assert sends(engine, early) == [(3, nine)]
        assert sends(engine, late) == [(3, nine + 4 * HOUR)]
        for contact in (early, late):
            skipped = (0, Status.SKIPPED, "attribute_passed:renewal_date")
            assert ended(engine, contact) == [skipped]


def test_a_customer_written_the_day_after_their_renewal_hears_nothing(
    engine: MemoryEngine,
) -> None:
    # Given the renewal recipe on, and a customer written whose subscription renewed
    # yesterday
    renewal(engine)
    contact = customer(engine, "6281200000137", renewal_date="2026-11-23")
    # When the ticks run for a day
    engine.ticks_until(engine.clock.now() + DAY, every=HOUR)
    # Then they are not enrolled, and nothing is sent: not "renews today" a day late
    assert engine.deps.followups.enrollments_of(contact.id) == []
    assert engine.deps.followups.followups_of(contact.id) == []
