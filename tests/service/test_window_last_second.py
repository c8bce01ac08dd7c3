"""The send window is judged at a follow-up's due time, not at the moment the queue brings
it a second later: one due in the window's last second goes that day. One that comes
late for another reason (a lost message sent again, an outage) is judged when it comes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from followup.domain.followup import Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact
from tests.support.friday import FRIDAY_4PM, JAKARTA, only

HOUR, MINUTE, SECOND = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)
MONDAY_8AM = datetime(2026, 11, 30, 8, 0, tzinfo=JAKARTA).astimezone(UTC)


def test_a_follow_up_due_in_the_windows_last_second_goes_that_day_not_monday(
    friday: MemoryEngine,
) -> None:
    # Given a lead whose 24 h silence crosses at 16:59:59.5 (a quiet time that began at a
    # moment of ours, with its fraction of a second: an agent's message, a stage change)
    due = FRIDAY_4PM + HOUR - timedelta(milliseconds=500)
    lead = quiet_contact(friday.deps, "6281100000301", due - 24 * HOUR)
    # When the 16:00 tick hands it to the queue and the queue runs past 17:00
    friday.tick()
    assert only(friday, lead.id).scheduled_at == due
    friday.run_until(FRIDAY_4PM + HOUR + SECOND)
    # Then it went out on Friday, in the window it was due in, not on Monday at 08:00
    followup = only(friday, lead.id)
    assert followup.status is Status.SENT, (
        f"due Fri 16:59:59.5 WIB, now {followup.status} for "
        f"{followup.scheduled_at.astimezone(JAKARTA):%a %H:%M}"
    )
    assert followup.sent_at is not None
    assert followup.sent_at <= FRIDAY_4PM + HOUR + SECOND


def test_a_follow_up_that_comes_long_after_the_window_closed_waits_for_monday(
    friday: MemoryEngine,
) -> None:
    # Given a lead due at 16:30, handed to the queue by the 16:00 tick, whose message is
    # lost on the way (the queue loses what it held)
    lead = quiet_contact(friday.deps, "6281100000302", FRIDAY_4PM + 30 * MINUTE - 24 * HOUR)
    friday.tick()
    friday.delays.clear()
    # When the 17:00 and 18:00 ticks send it again past its redrive time, the window closed
    friday.run_until(FRIDAY_4PM + HOUR)
    friday.tick()
    friday.run_until(FRIDAY_4PM + 2 * HOUR)
    friday.tick()
    friday.run_until(FRIDAY_4PM + 2 * HOUR + MINUTE)
    # Then nothing went after hours: it waits for the window's next opening, Monday 08:00
    followup = only(friday, lead.id)
    assert followup.status is Status.QUEUED
    assert followup.sent_at is None
    assert followup.scheduled_at == MONDAY_8AM
