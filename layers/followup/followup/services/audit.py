"""The audit log kept by the API: each change to rules, settings or numbers, with who made it."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.audit import AuditEntry

if TYPE_CHECKING:
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

_SUMMARY = 500
_PAGE = 100


def record(
    deps: Deps,
    actor: str,
    action: str,
    target: str,
    before: str | None = None,
    after: str | None = None,
) -> AuditEntry:
    """Keep one entry, now; its id orders entries made at the same moment as they came."""
    entry = AuditEntry(
        id=f"au_{time.time_ns():020d}{uuid.uuid4().hex[:8]}",
        at=deps.clock.now(),
        actor=actor,
        action=action,
        target=target,
        before=_cut(before),
        after=_cut(after),
    )
    deps.rules.add_audit(entry)
    return entry


def newest_about(
    deps: Deps, target: str, about: Callable[[str], bool], since: datetime | None
) -> str | None:
    """The action of the newest entry on `target` whose action `about` takes, read back
    no further than `since` (None: the whole log); None when there is none."""
    found = newest(deps, target, lambda entry: about(entry.action), since)
    return found.action if found else None


def newest(
    deps: Deps, target: str, about: Callable[[AuditEntry], bool], since: datetime | None
) -> AuditEntry | None:
    """The newest entry on `target` that `about` takes, read back no further than `since`
    (None: the whole log); None when there is none."""
    cursor = None
    while True:
        page = deps.rules.audit_log(_PAGE, cursor)
        for entry in page.items:
            if since is not None and entry.at < since:
                return None
            if entry.target == target and about(entry):
                return entry
        if page.cursor is None:
            return None
        cursor = page.cursor


def settings_change(before: WorkspaceSettings, after: WorkspaceSettings) -> tuple[str, str]:
    """The settings that changed, as "name: value" before and after."""
    old, new = before.model_dump(mode="json"), after.model_dump(mode="json")
    changed = [name for name in new if old.get(name) != new[name]]
    return (
        "; ".join(f"{name}: {old.get(name)}" for name in changed),
        "; ".join(f"{name}: {new[name]}" for name in changed),
    )


def _cut(summary: str | None) -> str | None:
    if summary is None or len(summary) <= _SUMMARY:
        return summary
    return summary[: _SUMMARY - 1] + "…"
