"""Running a journey's due steps in the enqueue tick: waits that ended, branches and
actions go at once, several in a row, up to the send step they lead to, which
`planning.advance` queues.

An action changes the contact through the same services a user's edit does (each with
its own conditional write), then the enrollment moves on with its revision. Should that
move lose a race, the next tick repeats the step: every action is idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.errors import InvalidField
from followup.domain.ids import notification_id, task_id
from followup.domain.journey import must_stop
from followup.domain.notification import Notification
from followup.domain.rule import (
    Action,
    AddTag,
    CreateTask,
    Notify,
    RemoveTag,
    Rule,
    SetAttribute,
    SetStage,
    Step,
    WaitStep,
)
from followup.domain.task import Task
from followup.services.contacts import change_stage, update_contact
from followup.services.conversations import close_conversation, journey
from followup.services.planning import Outcome
from followup.services.planning import advance as queue_send
from followup.services.ports import CommitRejected, EnrollmentChange, Versioned

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps


def advance(
    deps: Deps,
    enrollment_v: Versioned[Enrollment],
    contact_v: Versioned[Contact],
    rule: Rule | None,
    now: datetime,
    *,
    guess_slot: bool = False,
) -> tuple[Outcome, str | None]:
    """Take the enrollment through its due steps that send nothing, then queue the send
    step they reach, for its due time; or end it where the journey ends (`guess_slot`:
    see `planning.claim`)."""
    if rule is None:
        return queue_send(deps, enrollment_v, contact_v, rule, now)
    stepped = False
    for _ in range(len(rule.steps)):  # branches jump forward only: this bounds the walk
        enrollment = enrollment_v.item
        step = rule.steps[enrollment.step_index]
        sends = isinstance(step, Step)
        by = taken_by(step, now, deps.timings.horizon(now))
        due = enrollment.next_due_at
        if due is not None and due > by:
            return Outcome.STEPPED, None
        if sends:
            break
        moved = _step(deps, enrollment_v, contact_v.item, rule, now)
        if moved is None:
            return Outcome.LOST_RACE, EnrollmentChange.__name__
        enrollment_v, stepped = moved, True
        if moved.item.state is EnrollmentState.EXITED:
            return Outcome.EXITED, moved.item.exit_reason
        if moved.item.state is EnrollmentState.COMPLETED:
            return Outcome.STEPPED, moved.item.exit_reason
        found = deps.contacts.contact(enrollment.contact_id)
        if found is None:
            return Outcome.STEPPED, None
        contact_v = found
    if stepped and not isinstance(rule.steps[enrollment_v.item.step_index], Step):
        return Outcome.STEPPED, None
    return queue_send(deps, enrollment_v, contact_v, rule, now, guess_slot=guess_slot)


def taken_by(step: object, now: datetime, horizon: datetime) -> datetime:
    """A step due by this is taken at a tick at `now`. A send is queued before it is due,
    up to the next tick (`horizon`): dispatch holds it back. A wait is passed before it
    ends too: it does nothing, and a send after it is then queued for the wait's end, not
    for the tick after it. A branch or an action is taken once due."""
    return horizon if isinstance(step, Step | WaitStep) else now


def _step(
    deps: Deps, enrollment_v: Versioned[Enrollment], contact: Contact, rule: Rule, now: datetime
) -> Versioned[Enrollment] | None:
    """Do the current step and move the enrollment past it (or end it); None when someone
    else changed the enrollment first."""
    enrollment = enrollment_v.item
    settings = deps.catalog.settings()
    stop = must_stop(contact, rule, enrollment.silence_key, settings, now)
    reason = stop.reason if stop is not None and not stop.gated else None  # caps gate sends
    if reason is not None:
        moved = enrollment.end(reason, EnrollmentState.EXITED)
    else:
        step = rule.steps[enrollment.step_index]
        if isinstance(step, Action):
            contact = _act(deps, step, enrollment, contact, rule, now)
            current = deps.followups.enrollment(enrollment.id)
            if current is None or current.item.state is not EnrollmentState.ACTIVE:
                return current  # the action ended it (a closed conversation, an exit stage)
            if _position(current.item) != _position(enrollment):
                return None  # another tick passed this step meanwhile: its move stands
            enrollment_v = current
        zone = contact.zone(deps.catalog.settings().zone)
        moved = enrollment_v.item.passed(rule, contact, zone, now)
    try:
        deps.commit([EnrollmentChange(moved, enrollment_v.revision, enrollment_v.item)], now)
    except CommitRejected:
        return None
    return Versioned(moved, enrollment_v.revision + 1)


def _position(enrollment: Enrollment) -> tuple[int, int, int, int]:
    """Where a journey stands: its rule version, step, repeat and channel."""
    return (
        enrollment.rule_version,
        enrollment.step_index,
        enrollment.repeat_index,
        enrollment.channel_index,
    )


def _act(
    deps: Deps,
    step: Action,
    enrollment: Enrollment,
    contact: Contact,
    rule: Rule,
    now: datetime,
) -> Contact:
    """Apply an action step to the contact, as the API would; returns the contact after."""
    if isinstance(step, CreateTask):
        zone = contact.zone(deps.catalog.settings().zone)
        # The id is the enrollment's step: a repeated step finds its task already written.
        deps.tasks.add_task(
            Task(
                id=task_id(enrollment.id, enrollment.step_index),
                contact_id=contact.id,
                rule_id=rule.id,
                step=enrollment.step_index,
                title=step.title,
                assignee=step.assignee,
                due_at=step.due.after(now, zone),
                priority=step.priority,
                created_at=now,
            )
        )
        return contact
    if isinstance(step, Notify):
        # Recorded, not sent: the tick's delivery pass (and later ones, retrying) sends it.
        deps.notifications.add_notification(
            Notification(
                id=notification_id(enrollment.id, enrollment.step_index),
                contact_id=contact.id,
                rule_id=rule.id,
                step=enrollment.step_index,
                created_at=now,
                webhook=step.webhook,
                detail_type=step.detail_type if step.bus else None,
                payload=dict(step.payload),
                next_attempt_at=now,
            )
        )
        return contact
    if isinstance(step, AddTag):
        tag = step.tag
        return update_contact(
            deps,
            contact.id,
            lambda c: c if c.has_tag(tag) else c.patched({"tags": [*c.tags, tag]}),
            now,
        )
    if isinstance(step, RemoveTag):
        tag = step.tag
        return update_contact(
            deps, contact.id, lambda c: c.patched({"tags": c.without_tags([tag])}), now
        )
    if isinstance(step, SetAttribute):
        change = {"attributes": {step.attribute: step.value}}
        return update_contact(deps, contact.id, lambda c: c.patched(change), now)
    if isinstance(step, SetStage):
        if step.stage not in deps.catalog.settings().stages:
            raise InvalidField("stage", f"unknown stage {step.stage!r}")
        return change_stage(deps, contact.id, step.stage, now)
    return close_conversation(deps, contact.id, journey(rule.id), now)
