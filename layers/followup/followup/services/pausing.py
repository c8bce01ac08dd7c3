"""Pausing sends when WhatsApp says to stop: one number (its quality, a block, billing,
Meta's agent) or the whole workspace (our API key refused); or email, when SES refuses the
whole account. Only an admin resumes; a resumed number's (or email's) held follow-ups are
released to the send queue at once."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.errors import Conflict
from followup.domain.followup import Status
from followup.domain.numbers import NumberHealth
from followup.domain.settings import EmailPause, WorkspaceSettings
from followup.services import audit
from followup.services import settings as workspace
from followup.services.ports import EMAIL_HELD, CommitRejected, Delayed, FollowUpChange

_BATCH = 10
"""Messages per SendMessageBatch."""

if TYPE_CHECKING:
    from followup.services.deps import Deps


class EmailNotPaused(Conflict):
    """Resuming email that is not paused: there is nothing to resume."""

    code = "email_not_paused"


def pause_number(
    deps: Deps,
    phone_number_id: str,
    reason: str,
    at: datetime,
    display: str = "",
    code: str | None = None,
) -> bool:
    """Stop sending from a number (named by its phone_number_id, or as a report names it),
    saying why (`code`: the same for the app to word) and since `at`; the other numbers go
    on. A later error keeps the first reason and time. True when this paused it, False
    when it was paused already. A report saved meanwhile is read again and kept."""
    number = deps.numbers.named(phone_number_id, display)

    def paused(reports: list[NumberHealth]) -> list[NumberHealth] | None:
        if any(n.paused for n in deps.numbers.health(number, reports)):
            return None
        known = next((n for n in reports if n.phone_number_id == number), None)
        health = known or NumberHealth(
            phone_number_id=number,
            display_phone_number=display,
            quality="UNKNOWN",
            updated_at=at,
            paused=True,
        )
        update = {
            "paused": True,
            "paused_reason": reason,
            "paused_at": at,
            "paused_code": code,
            "updated_at": at,
        }
        return workspace.with_report(reports, health.model_copy(update=update))

    changed = workspace.change_numbers(deps, paused) is not None
    deps.catalog.invalidate()
    return changed


def pause_workspace(deps: Deps, reason: str) -> None:
    """Stop all sending, saying why and since when (shown with the settings until an admin
    resumes). An admin's save made meanwhile is read again and kept."""
    at = deps.clock.now()

    def paused(settings: WorkspaceSettings) -> WorkspaceSettings | None:
        if settings.paused:
            return None
        pause = {"paused": True, "paused_reason": reason, "paused_at": at}
        return settings.model_copy(update=pause)

    workspace.change(deps, paused)
    deps.catalog.invalidate()


ENGINE = "engine"
"""The audit log's actor for a change the engine made by itself (no person's)."""


def pause_email(deps: Deps, reason: str, at: datetime) -> bool:
    """Stop every email, saying why (SES's refusal of the account), until an admin resumes
    email. One conditional write: of senders refused at the same moment one pauses it
    (True, and an entry in the audit log), the others find it paused (False) and the first
    reason stays. An admin's save made meanwhile is read again and kept."""

    def paused(settings: WorkspaceSettings) -> WorkspaceSettings | None:
        if settings.email_paused is not None:
            return None
        return settings.model_copy(update={"email_paused": EmailPause(reason=reason, at=at)})

    changed = workspace.change(deps, paused) is not None
    deps.catalog.invalidate()
    if changed:
        audit.record(deps, ENGINE, "email.paused", "email", None, reason)
    return changed


def resume_email(deps: Deps, at: datetime) -> str | None:
    """An admin resumes email: the follow-ups it held go to the send queue at once. The
    reason it was paused for, or None when it was not paused."""

    def resumed(settings: WorkspaceSettings) -> WorkspaceSettings | None:
        if settings.email_paused is None:
            return None
        return settings.model_copy(update={"email_paused": None})

    read = workspace.change(deps, resumed)
    if read is None or read.item.email_paused is None:
        return None
    deps.catalog.invalidate()
    if deps.catalog.email_paused() is None:
        release(deps, EMAIL_HELD, at)
    return read.item.email_paused.reason


def release(deps: Deps, number: str, now: datetime) -> int:
    """Hand the follow-ups held for `number` (paused until now) to the send queue at once,
    one write and one message each, those held under a name it went by before the
    configuration named it as now too; returns how many."""
    released, batch = 0, []
    names = [number, *deps.catalog.former_names(number)]
    for held in (f for name in names for f in deps.followups.held_for(name)):
        free = held.unheld(now, deps.timings.redrive_after)
        try:
            deps.commit([FollowUpChange(free, Status.QUEUED)], now)
        except CommitRejected:
            continue  # canceled or released meanwhile
        batch.append(Delayed(held.id, 0))
        if len(batch) == _BATCH:
            deps.queue.enqueue_each(batch)
            released, batch = released + len(batch), []
    if batch:
        deps.queue.enqueue_each(batch)
    return released + len(batch)
