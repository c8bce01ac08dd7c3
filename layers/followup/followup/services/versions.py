"""Rule versions side by side, and moving running sequences onto the latest one.

In-flight enrollments finish on the version they started with unless marketing asks, when
saving, to migrate them: each then continues from the same step of the new version. A
follow-up already queued (or waiting for its template) for the current step goes as it was
written; the steps after it come from the new version, and a step after a send that is
still to be queued waits as the new version says. One waiting for a fallback channel or a
repeat the new step no longer has goes on as after the step's last send. A sequence
that stands on a step the new version no longer has, or has as another kind (a send become
a wait), stays on its own version (the new one has nowhere to put it).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import chain
from typing import TYPE_CHECKING

from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.errors import InvalidField
from followup.domain.rule import AnyStep, Step
from followup.domain.versions import Difference, differences
from followup.services.number_pause import held_names
from followup.services.planning import past_fallbacks
from followup.services.ports import CommitRejected, EnrollmentChange, Phase, Versioned
from followup.services.rules import current

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

_EVERYTHING = timedelta(days=3650)
_ATTEMPTS = 3


def diff(deps: Deps, rule_id: str, old: int | None, new: int | None) -> list[Difference]:
    """What changed from version `old` (default: the one before `new`) to `new` (default:
    the current one)."""
    latest = current(deps, rule_id).version
    to = latest if new is None else new
    if old is None and to == 1:
        _version(deps, rule_id, to, "to")
        return []  # the first version: nothing before it to differ from
    since = to - 1 if old is None else old
    return differences(_version(deps, rule_id, since, "from"), _version(deps, rule_id, to, "to"))


def _version(deps: Deps, rule_id: str, version: int, name: str) -> Rule:
    found = deps.rules.rule(rule_id, version) if version >= 1 else None
    if found is None:
        raise InvalidField(name, f"rule {rule_id!r} has no version {version}")
    return found


@dataclass
class Migration:
    moved: int = 0
    kept: list[str] = field(default_factory=list)
    """Enrollments left on their version: the new one has no step where they stand."""
    lost: list[str] = field(default_factory=list)
    """Enrollments that kept changing under us (each retried) and stay on their version."""


def migrate(deps: Deps, rule: Rule) -> Migration:
    """Move the rule's running enrollments on older versions onto `rule` (just saved)."""
    report = Migration()
    now = deps.clock.now()
    for enrollment_id in _running(deps, rule.id):
        for _ in range(_ATTEMPTS):
            found = deps.followups.enrollment(enrollment_id)
            if found is None or not _older(found.item, rule):
                break
            if not _same_step(deps, found.item, rule):
                report.kept.append(enrollment_id)
                break
            moved = _onto(deps, found.item, rule)
            try:
                deps.commit([EnrollmentChange(moved, found.revision, found.item)], now)
            except CommitRejected:
                continue
            report.moved += 1
            break
        else:
            report.lost.append(enrollment_id)
    return report


def _same_step(deps: Deps, enrollment: Enrollment, rule: Rule) -> bool:
    """The new version has a step of the same kind where the enrollment stands, after the
    steps it went through: a step put before it (a welcome added in front) would move the
    journey onto a step it already had, and send it twice."""
    index = enrollment.step_index
    own = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
    if own is None or index >= len(rule.steps) or index >= len(own.steps):
        return False
    passed = all(_said(own.steps[j]) == _said(rule.steps[j]) for j in range(index))
    return passed and own.steps[index].kind == rule.steps[index].kind


def _said(step: AnyStep) -> tuple[str | None, ...]:
    """A step as the lead would tell it from another: its kind, and for a send its channel
    and its message (the template's name, else the text or the email's subject)."""
    if not isinstance(step, Step):
        return (step.kind,)
    email = step.email.subject if step.email else None
    message = step.template.name if step.template else (step.text or email)
    return (step.kind, step.channel, message)


def _onto(deps: Deps, enrollment: Enrollment, rule: Rule) -> Enrollment:
    """The enrollment on `rule`, at the same step. One waiting for a fallback channel or a
    repeat the new step no longer has goes on as after the step's last send: the new
    version's next repeat or step, timed from that send. One waiting for a step after a
    send, whose wait the new version changed, waits as the new version says. One that has
    sent as many messages as the new version's `max_sends` allows ends there."""
    moved = enrollment.model_copy(update={"rule_version": rule.version})
    if rule.max_sends is not None and enrollment.sends >= rule.max_sends:
        return moved.end("max_sends", EnrollmentState.COMPLETED)
    step = rule.steps[enrollment.step_index]
    if enrollment.next_due_at is None or not isinstance(step, Step):
        return moved
    contact_v = deps.contacts.contact(enrollment.contact_id)
    if contact_v is None:
        return moved  # no one to time it for: the tick ends it
    repeats = step.repeat.times if step.repeat else 0
    if enrollment.channel_index < len(step.chain) and enrollment.repeat_index <= repeats:
        return _retimed(deps, moved, enrollment, rule, contact_v.item)
    return past_fallbacks(moved, rule, contact_v.item, deps.catalog.settings())


def _retimed(
    deps: Deps, moved: Enrollment, enrollment: Enrollment, rule: Rule, contact: Contact
) -> Enrollment:
    """`moved`, waiting for its step as `rule` (the new version) times it when the step's
    wait changed: counted from the last send, when the step before it is a send in both
    versions ("a day after step 1" become "3 days after step 1"). One already due by the
    new wait goes at the next tick. A fallback channel or a repeat waited for keeps its
    time, and so does a step after a wait or a branch: when the journey reached it is not
    kept."""
    index = enrollment.step_index
    own = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
    sent = enrollment.last_sent_at
    waits_for_a_step = not (enrollment.channel_index or enrollment.repeat_index)
    if own is None or sent is None or index == 0 or not waits_for_a_step:
        return moved
    before, after = own.steps[index], rule.steps[index]
    sends_before = isinstance(own.steps[index - 1], Step) and isinstance(
        rule.steps[index - 1], Step
    )
    if not (isinstance(before, Step) and isinstance(after, Step)) or not sends_before:
        return moved
    if before.wait == after.wait:
        return moved
    zone = contact.zone(deps.catalog.settings().zone)
    return moved.model_copy(update={"next_due_at": after.wait.after(sent, zone)})


def _older(enrollment: Enrollment, rule: Rule) -> bool:
    return (
        enrollment.state is EnrollmentState.ACTIVE
        and enrollment.rule_id == rule.id
        and enrollment.rule_version < rule.version
    )


def _running(deps: Deps, rule_id: str) -> Iterator[str]:
    """Ids of the rule's active enrollments: waiting for a step, held while the rule was
    off, or waiting on a follow-up on its way out, for its template or held by a paused
    number under any name it went by (each once)."""
    horizon = deps.clock.now() + _EVERYTHING
    waiting: Iterator[Versioned[Enrollment]] = chain(
        (e for e in deps.followups.due_enrollments(horizon) if e.item.rule_id == rule_id),
        deps.followups.held_enrollments(rule_id),
    )
    seen: set[str] = set()
    for enrollment_v in waiting:
        if enrollment_v.item.id not in seen:
            seen.add(enrollment_v.item.id)
            yield enrollment_v.item.id
    held = (f for name in held_names(deps) for f in deps.followups.held_for(name))
    phases = (Phase.QUEUED, Phase.DISPATCHED, Phase.SENDING, Phase.WAITING_TEMPLATE)
    for followup in chain(*(deps.followups.waiting(phase, horizon) for phase in phases), held):
        owner = followup.enrollment_id
        if followup.rule_id == rule_id and owner is not None and owner not in seen:
            seen.add(owner)
            yield owner
