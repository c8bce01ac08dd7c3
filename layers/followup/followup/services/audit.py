"""The audit log kept by the API: each change to rules, settings or numbers, with who made it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from followup.domain.audit import AuditEntry

if TYPE_CHECKING:
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

_SUMMARY = 500
_PAGE = 100
_WITH_PAUSED = {"paused_at"}
"""Settings that change only with `paused`, set by the server: the entry says `paused`,
and when."""


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
    """The settings that changed, each by its own path and its value in JSON, before and
    after: `gating.min_gap: {"amount":1,"unit":"hours"}`, not the whole of `gating`."""
    old = _leaves(before.model_dump(mode="json", exclude=_WITH_PAUSED))
    new = _leaves(after.model_dump(mode="json", exclude=_WITH_PAUSED))
    return changes(old, new)


def changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, str]:
    """The fields whose values differ (JSON values; one missing on a side is null there),
    as "field: value" before and after, in the order the fields come."""
    changed = [name for name in {**old, **new} if old.get(name) != new.get(name)]
    return (
        "; ".join(f"{name}: {_json(old.get(name))}" for name in changed),
        "; ".join(f"{name}: {_json(new.get(name))}" for name in changed),
    )


def _leaves(settings: dict[str, Any], within: str = "") -> dict[str, Any]:
    """Each setting by its dotted path; a duration (`amount` and `unit`) or a list is one."""
    found: dict[str, Any] = {}
    for name, value in settings.items():
        if isinstance(value, dict) and value and set(value) != {"amount", "unit"}:
            found |= _leaves(value, f"{within}{name}.")
        else:
            found[f"{within}{name}"] = value
    return found


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cut(summary: str | None) -> str | None:
    if summary is None or len(summary) <= _SUMMARY:
        return summary
    return summary[: _SUMMARY - 1] + "…"
