"""Follow-ups and contacts as the app shows them: a follow-up says whether it waits for the
send window, and both the time zone their times are read in."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from followup.domain.channels import NO_CHANNEL
from followup.domain.contact import Contact
from followup.domain.followup import FollowUp, Reason
from followup.services.deps import Deps
from followup.services.waiting import capped, window_waits

_CODED = re.compile(r"[a-z_]+")
_REASONS = frozenset(Reason)


def reason_code(followup: FollowUp) -> str | None:
    """`reason` as a stable code for translation: the reason itself when it is one of
    `Reason`, `no_channel` when no channel of its step could reach the lead ("no channel:
    ..."), the cap that put it off (`warm_up`, `messaging_limit`), the leading code of
    "held: ..." or "waiting_template: ...", else `provider_error` beside a provider's error
    code, else `other`."""
    reason = followup.reason
    if reason is None:
        return None
    if reason in _REASONS:
        return reason
    if reason.startswith(NO_CHANNEL):
        return "no_channel"
    cap = capped(followup)
    if cap is not None:
        return cap
    prefix = reason.partition(":")[0]
    if prefix != reason and _CODED.fullmatch(prefix):
        return prefix
    return "provider_error" if followup.error_code is not None else "other"


def shown(deps: Deps, followups: list[FollowUp]) -> list[dict[str, Any]]:
    """Each with its lead's `contact_name`, `contact_number` and `zone` (read in one batch),
    `reason_code`,
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
        row["reason_code"] = reason_code(followup)
        wait = waits.get(followup.id)
        row["waiting_for_window"] = wait is not None
        if wait is not None:
            row["opens_at"] = wait.at.isoformat()
            row["opens_at_local"] = wait.local.isoformat()
            row["zone"] = wait.zone.key
            row["window"] = wait.window
        rows.append(row)
    return rows


def contact_shown(deps: Deps, contacts: Iterable[Contact]) -> list[dict[str, Any]]:
    """Contacts as the app shows them: each with `zone`, the time zone its times are read
    in (its own, else the one its number places it in, else the workspace's), as a queue
    row's."""
    workspace_zone = deps.catalog.settings().zone
    return [
        contact.model_dump(mode="json") | {"zone": contact.zone(workspace_zone).key}
        for contact in contacts
    ]
