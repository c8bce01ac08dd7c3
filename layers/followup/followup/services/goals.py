"""Goals and exits met outside a journey's own steps: a stage change, a custom event.

The contact's running enrollments in each rule they end stop at once, and the queued
follow-ups of those rules are canceled with the same reason (`goal`, `exit_stage`,
`exit_event`), so no tick or sender has to notice first. The tick and the sender still
re-check stages, and the custom events a rule names that the contact keeps the time of
(`Contact.events_at`), through `must_stop`, which covers a change this sweep missed and a
journey that starts later in the silence the event happened in. A goal event
credits the rule's last send as a conversion as a funnel move does (see `credit_last_send`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import EnrollmentState
from followup.domain.errors import KeptChanging
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.journey import after_start, event_ends, events_since
from followup.domain.rule import Rule
from followup.services.ports import CommitRejected, Conversion
from followup.services.settle import end_enrollment, end_unsent

if TYPE_CHECKING:
    from followup.services.deps import Deps

Ends = Callable[[Rule, str], Reason | None]
"""Why something that happened ends a journey in the rule for the silence its key names,
or None."""


def end_journeys(
    deps: Deps, contact_id: str, ends: Ends, at: datetime, followups: list[FollowUp]
) -> None:
    """End the contact's running enrollments, and cancel the queued follow-ups (among
    `followups`, the contact's), of every rule version for which `ends` gives a reason."""
    for followup in followups:
        reason = _reason(deps, followup.rule_id, followup.rule_version, followup.silence_key, ends)
        if followup.status.unsent and reason is not None:
            # False when it moved meanwhile: the sender re-checks stages after claiming.
            end_unsent(deps, followup, Status.CANCELED, reason, at)
    for enrollment_v in deps.followups.enrollments_of(contact_id):
        enrollment = enrollment_v.item
        reason = _reason(
            deps, enrollment.rule_id, enrollment.rule_version, enrollment.silence_key, ends
        )
        if enrollment.state is EnrollmentState.ACTIVE and reason is not None:
            _exit(deps, enrollment.id, reason, at)


def ends_journeys(deps: Deps, name: str) -> bool:
    """Whether the current version of some rule (on or off) names the custom event `name`
    as its goal or an exit."""
    found = (deps.catalog.rule(head.rule_id, head.version) for head in deps.catalog.heads())
    return any(rule is not None and event_ends(rule, name) for rule in found)


def event_happened(deps: Deps, contact_id: str, name: str, at: datetime) -> None:
    """The custom event `name` happened to the contact at `at`: end the journeys it is a
    goal or an exit of, of silences it is no older than (`events_since`: heard late, it
    ends what it would have ended heard on time), and credit the last send of each rule it
    is a goal of."""
    lookback = deps.catalog.settings().trigger_lookback.approx()

    def ends(rule: Rule, silence_key: str) -> Reason | None:
        since = events_since(rule, silence_key, lookback)
        return event_ends(rule, name) if after_start(rule, name, at, since) else None

    followups = deps.followups.followups_of(contact_id)
    end_journeys(deps, contact_id, ends, at, followups)
    goal = Reason.GOAL
    by_rule: dict[str, list[FollowUp]] = {}
    for followup in followups:
        if (
            _reason(deps, followup.rule_id, followup.rule_version, followup.silence_key, ends)
            is goal
        ):
            by_rule.setdefault(followup.rule_id, []).append(followup)
    for sends in by_rule.values():
        credit_last_send(deps, sends, at)


_UNSEEN = frozenset({Status.FAILED, Status.SKIPPED})
"""Sent, then refused by WhatsApp (undeliverable, withheld...): the lead never saw it, so
it converts no one."""


def credit_last_send(deps: Deps, followups: list[FollowUp], at: datetime) -> None:
    """Credit the latest of `followups` sent within the attribution window before `at`, and
    delivered as far as WhatsApp said, as a conversion, unless it already is one (a
    follow-up converts once). One its step sent on a later channel because no reply came
    (`follows_on`) credits the step's send it follows on, as a reply to it does: that send
    counts the step's send and its outcomes, on its day, and converts once for the step. A
    journey converts once: a lead moving on again ("qualified", then "applied") credits
    nothing more once a send of the same journey converted."""
    window = deps.catalog.settings().attribution_window.approx()
    sent = [
        f
        for f in followups
        if f.sent_at and f.sent_at <= at and at - f.sent_at <= window and f.status not in _UNSEEN
    ]
    if not sent:
        return
    last: FollowUp | None = _step_send(max(sent, key=lambda f: f.sent_at or at), followups)
    if last is not None and last.enrollment_id is not None:
        journey = last.enrollment_id
        converted = (f for f in followups if f.converted_at and f.status not in _UNSEEN)
        if any(f.enrollment_id == journey for f in converted):
            return
    for _ in range(_CREDIT_TRIES):
        if last is None or last.converted_at is not None or last.status in _UNSEEN:
            return
        try:
            deps.commit([Conversion(last.model_copy(update={"converted_at": at}))], at)
        except CommitRejected:
            # Credited meanwhile, or moved on (a reply, a status) since it was read: read
            # it again, so the conversion never writes a stale copy over that move.
            last = deps.followups.followup(last.id)
        else:
            return


_CREDIT_TRIES = 4


def converted_meanwhile(deps: Deps, followup: FollowUp, stored: Status) -> FollowUp | None:
    """After a write of `followup` on the status `stored` as read was refused: `followup`
    with the conversion a goal credited since it was read, when the follow-up converted
    meanwhile and is still in that status, to be written again (the write of a copy
    without it is refused: ports.FollowUpChange); None when it did not, or moved on."""
    if followup.converted_at is not None:
        return None
    found = deps.followups.followup(followup.id)
    if found is None or found.converted_at is None or found.status is not stored:
        return None
    return followup.model_copy(update={"converted_at": found.converted_at})


def _step_send(followup: FollowUp, followups: list[FollowUp]) -> FollowUp:
    """The step's send `followup` follows on (its step's first channel that took the
    message), or `followup` itself when it is that send."""
    if not followup.follows_on:
        return followup
    step = (followup.enrollment_id, followup.step_index, followup.repeat_index)
    earlier = [
        f
        for f in followups
        if not f.follows_on
        and f.sent_at is not None
        and (f.enrollment_id, f.step_index, f.repeat_index) == step
        and f.channel_index < followup.channel_index
        and f.status not in _UNSEEN
    ]
    return max(earlier, key=lambda f: f.channel_index) if earlier else followup


def _reason(deps: Deps, rule_id: str, version: int, silence_key: str, ends: Ends) -> Reason | None:
    rule = deps.catalog.rule(rule_id, version)
    return ends(rule, silence_key) if rule is not None else None


def _exit(deps: Deps, enrollment_id: str, reason: Reason, at: datetime) -> None:
    """End one enrollment, re-read by key on each try. Conflict when it keeps changing: the
    event is then answered with an error and sent again (ending is idempotent)."""
    if not end_enrollment(deps, enrollment_id, reason, at):
        raise KeptChanging(f"enrollment {enrollment_id} kept changing; try again")
