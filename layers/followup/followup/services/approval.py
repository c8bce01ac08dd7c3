"""A person approves (possibly edited) or rejects an AI text waiting to be sent."""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.domain.errors import Conflict, InvalidField, NotFound
from followup.domain.followup import FollowUp, Reason, RenderedMessage, Status
from followup.domain.guardrails import Target, check_edited
from followup.services.ports import CommitRejected, FollowUpChange
from followup.services.settle import end_unsent

if TYPE_CHECKING:
    from followup.services.deps import Deps


class AlreadyDecided(Conflict):
    """The follow-up is no longer awaiting approval: someone decided, or its wait ended."""

    code = "already_decided"


def approve(deps: Deps, followup_id: str, text: str | None = None) -> FollowUp:
    """Send the proposed message (with `text` in place of the written part) once."""
    now = deps.clock.now()
    waiting = _awaiting(deps, followup_id)
    edited = None if text is None else _edited(deps, waiting, text)
    approved = waiting.approved(now, deps.timings.redrive_after, edited)
    _commit(deps, approved)
    deps.queue.enqueue([approved.id])
    return approved


def reject(deps: Deps, followup_id: str) -> FollowUp:
    """Cancel the follow-up, ending its journey with it (`rejected`): its text is never
    sent, and the contact's next silence enrolls afresh."""
    now = deps.clock.now()
    waiting = _awaiting(deps, followup_id)
    if not end_unsent(deps, waiting, Status.CANCELED, Reason.REJECTED, now, undecided=True):
        raise _decided(deps.followups.followup(followup_id) or waiting)
    return waiting.ended(Status.CANCELED, now, Reason.REJECTED)


def _awaiting(deps: Deps, followup_id: str) -> FollowUp:
    """The follow-up, still awaiting a decision. One whose wait for a person is over ends
    `skipped` (`approval_expired`) now, as the sender would end it, and the decision is
    refused: a tick that has not come yet (or a workspace paused, when no tick sends)
    never lets a text be approved after its wait."""
    found = deps.followups.followup(followup_id)
    if found is None:
        raise NotFound("follow-up", followup_id)
    if found.status is not Status.QUEUED or found.proposed is None or found.approved_at:
        raise _decided(found)
    now = deps.clock.now()
    if found.wake_at is not None and found.wake_at <= now:
        # Ended here, or by the sender or a decision meanwhile: said as it stands.
        end_unsent(deps, found, Status.SKIPPED, Reason.APPROVAL_EXPIRED, now)
        raise _decided(deps.followups.followup(followup_id) or found)
    return found


def _decided(stored: FollowUp) -> AlreadyDecided:
    """Refused: `stored` is no longer awaiting approval; says what became of it."""
    gone = f"follow-up {stored.id} is not awaiting approval"
    if stored.approved_at is not None and stored.proposed is not None:
        proposed = stored.proposed
        text = proposed.text if proposed.kind == "text" else " · ".join(proposed.params)
        return AlreadyDecided(f"{gone}: already approved by someone else, to send: {text}")
    if stored.status is Status.CANCELED and stored.reason == Reason.REJECTED:
        return AlreadyDecided(f"{gone}: already rejected by someone else")
    reason = f", {stored.reason}" if stored.reason else ""
    return AlreadyDecided(f"{gone} ({stored.status}{reason})")


def _edited(deps: Deps, waiting: FollowUp, text: str) -> RenderedMessage:
    """The proposed message with the person's text in the written part."""
    proposed = waiting.proposed
    assert proposed is not None
    if proposed.kind == "text":
        target, slot = Target.TEXT, None
    else:
        rule = deps.catalog.rule(waiting.rule_id, waiting.rule_version)
        template = rule.send_step(waiting.step_index).template if rule else None
        slot = template.ai_param if template else None
        if slot is None:
            raise InvalidField("text", "this template has no AI-written parameter to edit")
        target = Target.TEMPLATE_PARAMETER
    refusal = check_edited(text, target)
    if refusal is not None:
        raise InvalidField("text", f"{refusal.guardrail.value}: {refusal.detail}")
    if slot is None:
        return proposed.model_copy(update={"text": text})
    params = list(proposed.params)
    params[slot] = text
    return proposed.model_copy(update={"params": params})


def _commit(deps: Deps, changed: FollowUp) -> None:
    """Write the decision if the text still awaits one: of decisions at once, one wins."""
    try:
        deps.commit([FollowUpChange(changed, Status.QUEUED, undecided=True)], deps.clock.now())
    except CommitRejected as lost:
        stored = deps.followups.followup(changed.id)
        if stored is None:
            raise NotFound("follow-up", changed.id) from lost
        raise _decided(stored) from lost
