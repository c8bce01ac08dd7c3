"""Pausing sends when WhatsApp says to stop: the number (its quality, a block, billing) or
the whole workspace (our API key refused). Only an admin resumes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.numbers import NumberHealth

if TYPE_CHECKING:
    from followup.services.deps import Deps


def pause_number(deps: Deps, phone_number_id: str, reason: str, at: datetime) -> bool:
    """Stop sending from a number, saying why; a later error keeps the first reason. True
    when this paused it, False when it was paused already."""
    known = {n.phone_number_id: n for n in deps.rules.numbers()}
    health = known.get(phone_number_id)
    if health is None:
        health = NumberHealth(
            phone_number_id=phone_number_id, quality="UNKNOWN", updated_at=at, paused=True
        )
    elif health.paused:
        deps.catalog.invalidate()
        return False
    deps.rules.save_number(
        health.model_copy(update={"paused": True, "paused_reason": reason, "updated_at": at})
    )
    deps.catalog.invalidate()
    return True


def pause_workspace(deps: Deps, reason: str) -> None:
    """Stop all sending, saying why (shown with the settings until an admin resumes)."""
    settings = deps.rules.settings()
    if not settings.paused:
        deps.rules.save_settings(
            settings.model_copy(update={"paused": True, "paused_reason": reason})
        )
    deps.catalog.invalidate()
