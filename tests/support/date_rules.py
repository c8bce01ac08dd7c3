"""A date rule's customers as the service tests write them, and what reaches them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from followup.services.contacts import upsert
from followup_local.memory_engine import MemoryEngine

RULE_ID = "renewal-reminder"
FAR = datetime(2028, 1, 1, tzinfo=UTC)
"""Later than any date entry a test writes."""


def customer(engine: MemoryEngine, n: int, renews: str = "2026-12-08", **fields: Any) -> str:
    """A Jakarta customer renewing on `renews` (by default 8 December: a week before is
    1 December, 09:00); returns their contact id."""
    found, _ = upsert(
        engine.deps,
        f"62811000009{n:02d}",
        {"timezone": "Asia/Jakarta", "attributes": {"renewal_date": renews}, **fields},
    )
    return found.id


def reminders(
    engine: MemoryEngine, contact_ids: list[str], rule_id: str = RULE_ID
) -> dict[str, list[datetime]]:
    """When each contact was sent the rule's message, each time it was."""
    return {
        contact_id: [
            f.sent_at
            for f in engine.deps.followups.followups_of(contact_id)
            if f.sent_at is not None and f.rule_id == rule_id
        ]
        for contact_id in contact_ids
    }
