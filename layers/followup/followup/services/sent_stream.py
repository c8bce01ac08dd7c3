"""A send's bookkeeping, applied from the follow-up stream: its contact counts it and its
enrollment moves on to the next step.

The sender writes the sent follow-up alone, one conditional write (in one transaction
with the contact and the enrollment, each item was billed twice). Each record of a
follow-up moving from `sending` to `sent` is applied here once in effect, however often
it comes and in whatever order records of different follow-ups come:
- the contact counts a send whose time it does not hold yet (`gating.counted_send`); it
  keeps send times past the stream's day of retention, and when the sender counted the
  send's user toward the messaging limit (services.messaging_limit);
- the enrollment moves on only while it waits for this very follow-up: active, at the
  step, repeat and channel the follow-up's id names, and sent nothing since. Once moved
  on, or ended by a reply or an opt-out meanwhile, it is left as it is.
Each is a conditional write on the revision read, read again and tried again when a
reply, an opt-out or a tick changed the item meanwhile, so what they wrote is kept. The
first read of each is eventually consistent (half the price): both items were last written
well before the send as a rule, and a copy a moment old only makes the write refuse. Every
later read is consistent, and so is the one that confirms there is nothing to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp
from followup.domain.gating import counted_send
from followup.domain.ids import followup_id
from followup.services.planning import past_send
from followup.services.ports import CommitRejected, ContactChange, EnrollmentChange
from followup.services.stats_stream import Record, StreamRecord
from followup.services.take_over import take_over_after_send

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps

TRIES = 5


def sends(records: Iterable[Record]) -> list[FollowUp]:
    """The follow-ups a batch of stream records shows sent: from `sending` to `sent`, or
    found sent by WhatsApp's status after nobody recorded the send (from `sending`, back
    in the queue or failed, to `sent`, `delivered` or `read`)."""
    return [
        record.new
        for record in records
        if isinstance(record, StreamRecord)
        and record.previous is not None
        and not record.previous.outbound
        and record.new.status.outbound
    ]


def apply(deps: Deps, sent: Iterable[FollowUp]) -> int:
    """Apply each send's bookkeeping; returns how many moved a contact or an enrollment
    now (the others had been applied before). A send that followed on its step's send,
    which WhatsApp reported failed and took back meanwhile, takes over as the step's send
    (services.take_over)."""
    moved = 0
    for followup in sent:
        moved += record(deps, followup)
        take_over_after_send(deps, followup, deps.clock.now())
    return moved


def record(deps: Deps, sent: FollowUp) -> bool:
    """Count `sent` on its contact and move its enrollment on; False when both were done."""
    sent_at = sent.sent_at
    if sent_at is None:
        return False
    counted, contact = _count(deps, sent, sent_at)
    if contact is None:
        return counted
    return _move_on(deps, sent, sent_at, contact) or counted


def waits_for(enrollment: Enrollment, sent: FollowUp, sent_at: datetime) -> bool:
    """Whether `enrollment` still waits for `sent` to go out: its next move is this one."""
    at = followup_id(
        enrollment.id, enrollment.step_index, enrollment.repeat_index, enrollment.channel_index
    )
    return (
        enrollment.state is EnrollmentState.ACTIVE
        and at == sent.id
        and (enrollment.last_sent_at is None or enrollment.last_sent_at < sent_at)
    )


def _count(deps: Deps, sent: FollowUp, sent_at: datetime) -> tuple[bool, Contact | None]:
    """Whether the contact counted the send now, and the contact as it stands after."""
    gating = deps.catalog.settings().gating
    consistent = False
    for _ in range(TRIES):
        found = deps.contacts.contact(sent.contact_id, consistent=consistent)
        counted = None
        if found is not None:
            counted = counted_send(found.item, sent_at, gating, deps.clock.now(), sent.reached_at)
        if counted is None and not consistent:
            consistent = True  # nothing to count, says a copy that may be old: make sure
            continue
        consistent = True
        if found is None:
            return False, None
        if counted is None:
            return False, found.item
        try:
            deps.commit([ContactChange(counted, found.revision)], sent_at)
        except CommitRejected:
            continue  # a reply or an opt-out landed meanwhile: count on top of it
        return True, counted
    raise CommitRejected([])


def _move_on(deps: Deps, sent: FollowUp, sent_at: datetime, contact: Contact) -> bool:
    if sent.enrollment_id is None:
        return False
    consistent = False
    for _ in range(TRIES):
        found = deps.followups.enrollment(sent.enrollment_id, consistent=consistent)
        waiting = found is not None and waits_for(found.item, sent, sent_at)
        if not waiting and not consistent:
            consistent = True  # not waiting, says a copy that may be old: make sure
            continue
        consistent = True
        if found is None or not waiting:
            return False
        rule = deps.catalog.rule(found.item.rule_id, found.item.rule_version)
        moved = past_send(deps, found.item, sent, sent_at, contact, rule)
        try:
            deps.commit([EnrollmentChange(moved, found.revision, found.item)], sent_at)
        except CommitRejected:
            continue  # a reply ended it or a tick moved it: look again
        return True
    raise CommitRejected([])
