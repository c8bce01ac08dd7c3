"""Settling a follow-up that left `queued`. One that ends unsent ends its enrollment in the
same transaction as its status (its contact's slot needs no freeing: a holder that ended
holds it no more); a sent one is written alone, its contact and enrollment following from
the follow-up stream."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Reason, RenderedMessage, Status
from followup.services.monitoring import exit_kind
from followup.services.planning import past_answered, past_date
from followup.services.ports import (
    Change,
    CommitRejected,
    EnrollmentChange,
    FollowUpChange,
)
from followup.services.stats import stopped_marketing_by

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.journey import Passed
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

_COMMIT_TRIES = 5


def end_unsent(
    deps: Deps,
    followup: FollowUp,
    status: Status,
    reason: str,
    now: datetime,
    *,
    undecided: bool = False,
) -> bool:
    """End a follow-up that was never (knowingly) sent, and its enrollment (`undecided`:
    only if nobody has approved its text meanwhile)."""
    final = followup.ended(status, now, reason)
    why = _exit_reason(final, reason)

    def exit_enrollment(enrollment: Enrollment, _contact: Contact) -> Enrollment:
        return enrollment.end(why, EnrollmentState.EXITED)

    return _commit_with_fresh_reads(
        deps, final, followup.status, now, exit_enrollment, undecided=undecided
    )


def _exit_reason(final: FollowUp, reason: str) -> str:
    """Why the enrollment of a follow-up that ended unsent (`final`) for `reason` exits: a
    send that failed (a provider refused it, or every channel's tries ran out) is an error
    of the journey, so `reason` names one (`provider_error: ...`) when it does not yet; one
    refused because the lead stopped marketing messages (131050) is their opt-out."""
    if stopped_marketing_by(final):
        return f"{Reason.MARKETING_SUPPRESSED.value}: {reason}"
    if final.status is not Status.FAILED or exit_kind(reason) == "error":
        return reason
    return f"{Reason.PROVIDER_ERROR.value}: {reason}"


def skip_answered(deps: Deps, followup: FollowUp, rule: Rule, now: datetime) -> bool:
    """End a "no reply within" fallback or a repeat the lead answered before it went
    (`canceled`, `replied`), its journey going on past the step's channels and repeats
    rather than ending."""
    final = followup.ended(Status.CANCELED, now, Reason.REPLIED)
    settings = deps.catalog.settings()

    def onward(enrollment: Enrollment, contact: Contact) -> Enrollment:
        return past_answered(enrollment, rule, contact, settings)

    return _commit_with_fresh_reads(deps, final, followup.status, now, onward)


def skip_passed(deps: Deps, followup: FollowUp, rule: Rule, passed: Passed, now: datetime) -> bool:
    """End a reminder before a date that has come (`skipped`, `attribute_passed:<name>`),
    its journey going on past the step's channels and repeats to the steps the rule times
    on the date or after it (`planning.past_date`), rather than ending."""
    final = followup.ended(Status.SKIPPED, now, passed.reason)
    settings = deps.catalog.settings()

    def onward(enrollment: Enrollment, contact: Contact) -> Enrollment:
        return past_date(enrollment, rule, passed.timed, contact, settings)

    return _commit_with_fresh_reads(deps, final, followup.status, now, onward)


def end_enrollment(deps: Deps, enrollment_id: str, reason: str, at: datetime) -> bool:
    """Exit one running enrollment, re-read by key on each try; False when it kept changing
    under us (it stays as it is), True when it is not running any more."""
    for _ in range(_COMMIT_TRIES):
        current = deps.followups.enrollment(enrollment_id)
        if current is None or current.item.state is not EnrollmentState.ACTIVE:
            return True
        exited = current.item.end(reason, EnrollmentState.EXITED)
        try:
            deps.commit([EnrollmentChange(exited, current.revision, current.item)], at)
        except CommitRejected:
            continue
        return True
    return False


def record_sent(
    deps: Deps,
    claimed: FollowUp,
    message: RenderedMessage,
    wamid: str,
    now: datetime,
) -> bool:
    """Sent: one conditional write of the follow-up, False when another worker settled it
    meanwhile. Its contact counts the send and its enrollment moves on from the follow-up
    stream (services.sent_stream): in one transaction with them, each item was billed
    twice."""
    settings = deps.catalog.settings()
    sent = claimed.sent(now, wamid, message, settings.expire_after.approx())
    try:
        deps.commit([FollowUpChange(sent, Status.SENDING)], now)
    except CommitRejected:
        return False
    return True


def _commit_with_fresh_reads(
    deps: Deps,
    followup: FollowUp,
    expected: Status,
    now: datetime,
    enrollment_update: Callable[[Enrollment, Contact], Enrollment],
    *,
    undecided: bool = False,
) -> bool:
    """Commit the follow-up's move from `expected` with its enrollment's.

    Contact and enrollment are re-read on each try. False when the follow-up itself had
    already moved (another worker settled it).
    """
    for _ in range(_COMMIT_TRIES):
        changes: list[Change] = [FollowUpChange(followup, expected, undecided=undecided)]
        contact_v = deps.contacts.contact(followup.contact_id)
        if contact_v is not None:
            enrollment_id = followup.enrollment_id
            enrollment_v = deps.followups.enrollment(enrollment_id) if enrollment_id else None
            if enrollment_v is not None and enrollment_v.item.state is EnrollmentState.ACTIVE:
                moved = enrollment_update(enrollment_v.item, contact_v.item)
                changes.append(EnrollmentChange(moved, enrollment_v.revision, enrollment_v.item))
        try:
            deps.commit(changes, now)
            return True
        except CommitRejected as rejected:
            if any(isinstance(change, FollowUpChange) for change in rejected.failed):
                return False
    raise CommitRejected([])
