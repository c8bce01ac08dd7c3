"""Follow-ups as the app shows them: each says whether it waits for the send window."""

from __future__ import annotations

from typing import Any

from followup.domain.followup import FollowUp
from followup.services.deps import Deps
from followup.services.waiting import window_waits


def shown(deps: Deps, followups: list[FollowUp]) -> list[dict[str, Any]]:
    """Each with its lead's `contact_name`, `contact_number` and `zone` (read in one batch),
    `waiting_for_window`, and when it is true `opens_at` (UTC), `opens_at_local` (the
    lead's time) and `window` (the send window in words)."""
    waits = window_waits(deps, followups)
    contacts = deps.contacts.contacts_by_ids(f.contact_id for f in followups)
    workspace_zone = deps.catalog.settings().zone
    rows: list[dict[str, Any]] = []
    for followup in followups:
        row = followup.model_dump(mode="json")
        lead = contacts.get(followup.contact_id)
        row["contact_name"] = lead.name if lead else None
        row["contact_number"] = (lead.wa_id or lead.phone) if lead else None
        row["zone"] = lead.zone(workspace_zone).key if lead else None
        wait = waits.get(followup.id)
        row["waiting_for_window"] = wait is not None
        if wait is not None:
            row["opens_at"] = wait.at.isoformat()
            row["opens_at_local"] = wait.local.isoformat()
            row["zone"] = wait.zone.key
            row["window"] = wait.window
        rows.append(row)
    return rows
