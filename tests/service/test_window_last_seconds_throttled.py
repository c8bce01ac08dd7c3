"""A follow-up due in the send window's last seconds that WhatsApp throttles, or the
pacer puts back for a few seconds, still goes that day: the wait is ours, not its."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup_local.memory_engine import MemoryEngine
from tests.service.test_pacing_retries import throttled_at_the_close

SECOND = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("back_after", "status"),
    [(5 * SECOND, Status.SENT), (120 * SECOND, Status.QUEUED)],
)
def test_a_follow_up_throttled_in_the_windows_last_seconds_goes_that_day_if_back_within_a_minute(
    engine: MemoryEngine, back_after: timedelta, status: Status
) -> None:
    # Given a lead due at 16:59:57 on Tuesday, the send window closing at 17:00
    # When WhatsApp throttles its send once (130429), and it comes back after 17:00, a few
    # seconds later, or two minutes later
    followup = throttled_at_the_close(engine, back_after)
    # Then seconds later it went that day, not at Wednesday's opening; minutes later it
    # waits for the opening: that late, the window is judged as it is
    assert followup.status is status
