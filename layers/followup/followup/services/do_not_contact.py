"""Do-not-contact: staff stop every follow-up to a contact; an admin may allow them again.

It sets the same opt-out the sender and every tick already honour, marked with who set
it. A contact's own STOP is marked `contact` and can never be undone here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.errors import Conflict, KeptChanging, NotFound
from followup.domain.followup import Reason, Status
from followup.domain.ids import followup_id
from followup.services import date_triggers
from followup.services.contacts import update_contact
from followup.services.conversations import CONTACT
from followup.services.late import enroll_late
from followup.services.other_form import other_form
from followup.services.ports import CommitRejected, ContactChange, NewEnrollment
from followup.services.settle import end_enrollment, end_unsent

if TYPE_CHECKING:
    from collections.abc import Callable

    from followup.domain.contact import Contact
    from followup.services.deps import Deps


_TRIES = 8
"""Reads of the contact again when someone else wrote it first, before giving up (409)."""


class OwnOptOut(Conflict):
    """The contact opted out themselves: only their own message can change that."""

    code = "own_opt_out"


def stop_contacting(deps: Deps, contact_id: str, by: str, at: datetime) -> Contact:
    """Mark the contact do-not-contact, cancel their queued follow-ups and end their running
    journeys (reason `canceled_by_staff`). Repeating it finishes a sweep that stopped."""

    def stopped(contact: Contact) -> Contact:
        if contact.opted_out:
            return contact
        return contact.model_copy(
            update={"opted_out": True, "opted_out_at": at, "opted_out_by": by}
        )

    contact = update_contact(deps, contact_id, stopped, at)
    reason = Reason.CANCELED_BY_STAFF
    for followup in deps.followups.followups_of(contact_id):
        if followup.status.unsent:
            # False when the sender claimed it first: it re-reads the contact and stops.
            end_unsent(deps, followup, Status.CANCELED, reason, at)
    for enrollment_v in deps.followups.enrollments_of(contact_id):
        if enrollment_v.item.state is EnrollmentState.ACTIVE:
            end_enrollment(deps, enrollment_v.item.id, reason, at)
    return contact


def allow_contacting(
    deps: Deps, contact_id: str, at: datetime, on_lift: Callable[[], object] | None = None
) -> Contact:
    """Lift a do-not-contact set by staff: the journeys it ended in the current silence go
    on from the step each stood on (a step that went is never sent again), and rules whose
    idle time the current silence passed enroll the contact now; the same do-not-contact
    shared with the lead's contact under the other form of their number is lifted there
    too. Refused (OwnOptOut) when the contact opted out themselves.

    The lift and the journeys it resumes are one write: a busy store refuses them together,
    and the call sent again does it all. `on_lift` is called once this call's lift went in,
    before the enrolling after it: a call repeated then finds the contact allowed, lifts
    nothing, calls it not and enrolls what it did not.
    """
    for _ in range(_TRIES):
        found = deps.contacts.contact(contact_id)
        if found is None:
            raise NotFound("contact", contact_id)
        before = found.item
        if not before.opted_out:
            enroll_late(deps, before, at)
            return before
        if before.opted_out_by in (None, CONTACT):
            raise OwnOptOut(f"contact {contact_id} opted out themselves; only they can undo it")
        after = before.model_copy(
            update={"opted_out": False, "opted_out_at": None, "opted_out_by": None}
        )
        resumed = _resumed(deps, after, before.opted_out_at or at)
        lift = ContactChange(after, found.revision)
        try:
            deps.commit([lift, *(NewEnrollment(e) for e in resumed)], at)
        except CommitRejected:
            continue  # the contact changed, or a lift made at the same time resumed them
        except Exception:
            if not _allowed_now(deps, contact_id):
                raise
        date_triggers.reindex(deps, before, after)
        if on_lift is not None:
            on_lift()
        enroll_late(deps, after, at)
        _lift_shared(deps, before, at)
        return after
    raise KeptChanging(f"contact {contact_id} kept changing; try again")


def _lift_shared(deps: Deps, before: Contact, at: datetime) -> None:
    """The do-not-contact the lead's contact under the other form of their number shares
    (merging the duplicates kept the two apart, their stops shared) is lifted there too:
    the sender reads both, and would still send neither."""
    twin = other_form(deps, before)
    if twin is None or not twin.item.opted_out:
        return
    if (twin.item.opted_out_by, twin.item.opted_out_at) == (
        before.opted_out_by,
        before.opted_out_at,
    ):
        allow_contacting(deps, twin.item.id, at)


def _allowed_now(deps: Deps, contact_id: str) -> bool:
    """The contact is stored allowed: the lift this call wrote went in, its answer lost."""
    found = deps.contacts.contact(contact_id)
    return found is not None and not found.item.opted_out


def _resumed(deps: Deps, contact: Contact, stopped_at: datetime) -> list[Enrollment]:
    """The journeys in rules that idle fires that the do-not-contact set at `stopped_at`
    ended in the contact's current silence, each once, running again (held, in a rule that
    is off: it goes on once the rule is switched on); not one whose follow-up staff
    cancelled from the queue before it, nor one resumed already."""
    zone = contact.zone(deps.catalog.settings().zone)
    heads = {head.rule_id: head for head in deps.rules.rule_heads()}
    journeys = [e.item for e in deps.followups.enrollments_of(contact.id)]
    known = {e.id for e in journeys}
    running = {e.rule_id for e in journeys if e.state is EnrollmentState.ACTIVE}
    resumed = []
    for ended in journeys:
        stopped = ended.state is EnrollmentState.EXITED and (
            ended.exit_reason == Reason.CANCELED_BY_STAFF
        )
        if not stopped or ended.rule_id not in heads or ended.rule_id in running:
            continue
        rule = deps.catalog.rule(ended.rule_id, ended.rule_version)
        if rule is None or rule.idle is None or ended.silence_key != contact.silence_key:
            continue
        if _cancelled_before(deps, ended, stopped_at) or ended.step_index >= len(rule.steps):
            continue
        again = ended.resumed(rule, contact, zone)
        if not heads[ended.rule_id].active:
            again = again.hold(stopped_at)
        if again.id in known:
            continue  # resumed by an earlier lift, and ended since
        resumed.append(again)
        running.add(ended.rule_id)
    return resumed


def _cancelled_before(deps: Deps, enrollment: Enrollment, stopped_at: datetime) -> bool:
    """Staff cancelled the follow-up of the step `enrollment` stood on from the queue
    before the do-not-contact set at `stopped_at`: that ended the journey, not this."""
    index = (enrollment.step_index, enrollment.repeat_index, enrollment.channel_index)
    found = deps.followups.followup(followup_id(enrollment.id, *index))
    if found is None or found.reason != Reason.CANCELED_BY_STAFF or not found.history:
        return False
    return found.history[-1].at < stopped_at
