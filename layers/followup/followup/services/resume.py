"""An admin's save of the settings, and what it sets going at once: a save that lifts
the workspace's pause hands the send queue what the pause kept from it, as resuming a
number does; one that widens the send window brings forward what the window put off."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from followup.services import dispatch, widening
from followup.services import settings as workspace

if TYPE_CHECKING:
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

log = logging.getLogger(__name__)


def save_settings(
    deps: Deps, settings: WorkspaceSettings, revision: int | None
) -> tuple[WorkspaceSettings, WorkspaceSettings, int]:
    """An admin's save of the settings (`settings.replace`): the settings replaced, those
    saved and the new revision. A save that resumes sending (the workspace was paused, and
    is not now) runs the dispatch tick's hand-over at once: what a sender held meanwhile,
    what fell due during the pause, and what falls due before the next tick (a tick that
    came during the pause handed nothing over), each held back at least the few seconds a
    sender may still read the pause from its cache (`pause_ttl`), so that none holds it
    again. It records no mark: a tick's dispatch at its own time, earlier than the save
    (its enqueue still running), judges what that tick planned against the last tick's
    mark, not this one, and the next tick hands over again what this one did, which the
    sender claims once, so nothing goes twice. A failure there is logged and leaves them
    to the next tick; the save stands.

    First, a save that changes the send window or the zone brings forward the queued
    follow-ups the window put off that may now go sooner (`widening.bring_forward`), for
    the next dispatch tick (or this hand-over) to send at their new time. A failure there
    is logged, and leaves those not moved yet at their later time; the save stands."""
    before, saved, revision = workspace.replace(deps, settings, revision)
    try:
        widening.bring_forward(deps, before, saved)
    except Exception:
        log.warning("queued follow-ups not brought forward to the wider window", exc_info=True)
    if before.paused and not saved.paused:
        try:
            dispatch.run_tick(deps, deps.clock.now(), settle=deps.timings.pause_ttl, marked=False)
        except Exception:
            log.warning("what the pause kept left to the next dispatch tick", exc_info=True)
    return before, saved, revision
