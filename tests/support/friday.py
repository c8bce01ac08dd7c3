"""Friday 16:00 in Jakarta, an hour before the default send window closes for the
weekend: where a follow-up sent late goes on Monday."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from followup.domain.followup import FollowUp
from followup_local.memory_engine import MemoryEngine

JAKARTA = ZoneInfo("Asia/Jakarta")
FRIDAY_4PM = datetime(2026, 11, 27, 16, 0, tzinfo=JAKARTA).astimezone(UTC)
TEMPLATE = {"name": "apply_reminder", "language": "en"}
"""The step's approved template: sent outside the lead's 24-hour window too."""


def only(engine: MemoryEngine, contact_id: str) -> FollowUp:
    """The contact's one follow-up."""
    [followup] = engine.deps.followups.followups_of(contact_id)
    return followup
