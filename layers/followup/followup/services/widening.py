"""A wider send window brings forward what it put off: a settings save that lets sends go
sooner (fewer holidays or blackout days, longer hours, another zone), or a contact's own
zone set right, moves each queued follow-up the window kept waiting to its new opening,
for the next dispatch tick."""

from __future__ import annotations

from contextlib import suppress
from typing import TYPE_CHECKING

from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.followup import FollowUp, Status
from followup.domain.journey import send_at
from followup.domain.policy import LONGEST_PUT_OFF
from followup.services.planning import commit_passing_slot
from followup.services.ports import CommitRejected, FollowUpChange, Phase, phase_of

if TYPE_CHECKING:
    from datetime import datetime

    from followup.domain.contact import Contact
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps


def bring_forward(deps: Deps, before: WorkspaceSettings, after: WorkspaceSettings) -> None:
    """After the settings went from `before` to `after`, when the send window or the zone
    changed: each follow-up the window put off (`FollowUp.due_at`) and still waiting for
    a dispatch tick (not handed to the send queue, held by no number, no text awaiting a
    person) that may go sooner under `after` is due at its new opening, its contact's
    slot with it. The queued lane is read as far as the window puts a send off; one
    claimed, ended or moved otherwise since it was read keeps what that did."""
    if before.send_window == after.send_window and before.timezone == after.timezone:
        return
    now = deps.clock.now()
    for followup in deps.followups.waiting(
        Phase.QUEUED, deps.timings.horizon(now) + LONGEST_PUT_OFF
    ):
        opening = _sooner_opening(deps, followup, after, now)
        if opening is not None:
            _move(deps, followup, opening, now)


def rezoned(deps: Deps, before: Contact, after: Contact) -> None:
    """After a contact was written from `before` to `after`, when the zone their times are
    read in changed (their own set, corrected or cleared): each of their follow-ups the
    window put off and still waiting for a dispatch tick that may go sooner in the new
    zone is due at its new opening, as `bring_forward` moves the workspace's. One the new
    zone puts later goes when the sender finds the window open: it checks before each
    send."""
    settings = deps.catalog.settings()
    if before.zone(settings.zone) == after.zone(settings.zone):
        return
    now = deps.clock.now()
    for followup in deps.followups.followups_of(after.id):
        if phase_of(followup) is Phase.QUEUED:
            opening = _sooner_opening(deps, followup, settings, now)
            if opening is not None:
                _move(deps, followup, opening, now)


def _sooner_opening(
    deps: Deps, followup: FollowUp, settings: WorkspaceSettings, now: datetime
) -> datetime | None:
    """The window's first opening for `followup` under `settings`, at or after when it was
    due and not before `now`, when that is sooner than it is scheduled; None when it was
    not put off by the window, awaits a person's approval, its rule or contact is gone, or
    its rule's window never opens."""
    if followup.due_at is None or followup.proposed is not None:
        return None
    rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
    contact = deps.contacts.contact(followup.contact_id)
    if rule is None or contact is None:
        return None
    try:
        opening = send_at(followup.due_at, now, contact.item, rule, settings)
    except RULE_DATA_ERRORS:
        return None
    return opening if opening < followup.scheduled_at else None


def _move(deps: Deps, followup: FollowUp, opening: datetime, now: datetime) -> None:
    """`followup` written due at `opening` and put in the queue now, on the status and
    moves it was read at: a sender, a reply or a cancel that moved it first wins."""
    sooner = followup.opened_sooner(now, opening)
    change = FollowUpChange(sooner, Status.QUEUED, moves=followup.moves)
    with suppress(CommitRejected):
        commit_passing_slot(deps, [change], followup, sooner, now)
