"""A send WhatsApp accepted, then reported failed for policy (131047, 131049) or for a rate
limit (131056, 130429): sent again.

131047 (the window closed): the step's template, at once, when the text went and the step
has one. 131049 (Meta withheld a marketing message): the same step a day or more later,
longer each time, up to the workspace's `withheld_attempts`. A rate limit: the same step
after the pair's gap (131056: 6 s) or a short wait (130429), up to `REPORTED_THROTTLES`
times. The new follow-up's id comes
from the failed one's, so a report delivered twice plans it once; one already sent as the
template, or withheld as often as allowed, plans nothing, so no report can loop. Nor
does one whose journey's next move (its next step, or the step on another channel) is due
before it would go: the lead never gets a journey's messages out of order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import AiWriting, FollowUp, Status, StatusChange
from followup.domain.ids import resend_followup_id
from followup.domain.journey import send_at
from followup.domain.pacing import RECIPIENT_GAP
from followup.domain.whatsapp import Disposition, ProviderFailure, withheld_gap
from followup.services import sent_stream

if TYPE_CHECKING:
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

REPORTED_THROTTLES = 3
"""Rate limits reported after a step was sent that send it again; past that it ends
`skipped`, so a number throttled without end cannot keep a step coming back."""
REPORTED_THROTTLE_WAIT = timedelta(seconds=30)
"""How long after a reported 130429 the step goes again (longer each time)."""

SKIPPING = frozenset(
    {
        Disposition.SKIP,
        Disposition.TEMPLATE_INSTEAD,
        Disposition.RETRY_AFTER_24H,
        Disposition.THROTTLED,
    }
)
"""Policy errors (and rate limits) that end a follow-up `skipped` when nothing is sent in
its place: one that ends `failed` with such an error was sent again."""


def resend(deps: Deps, failed: FollowUp, failure: ProviderFailure, at: datetime) -> FollowUp | None:
    """The follow-up that sends `failed`'s step again, or None when policy says not to."""
    rule = deps.catalog.rule(failed.rule_id, failed.rule_version)
    if rule is None or failed.channel != "whatsapp" or failed.step_index >= len(rule.steps):
        return None
    step = rule.send_step(failed.step_index)
    if failure.disposition is Disposition.TEMPLATE_INSTEAD:
        was_text = failed.rendered is not None and failed.rendered.kind == "text"
        if not was_text or step.template is None:
            return None
        if not _ahead_of_the_journey(deps, failed, at):
            return None
        return _again(failed, at, at, failure.reason, template_only=True)
    if failure.disposition is Disposition.THROTTLED:
        return _after_a_throttle(deps, failed, failure, rule, at)
    if failure.disposition is not Disposition.RETRY_AFTER_24H:
        return None
    settings = deps.catalog.settings()
    withheld = failed.withheld + 1
    contact = deps.contacts.contact(failed.contact_id)
    if withheld >= settings.withheld_attempts or contact is None:
        return None
    when = send_at(at + withheld_gap(withheld), at, contact.item, rule, settings)
    if not _ahead_of_the_journey(deps, failed, when):
        return None
    return _again(failed, at, when, failure.reason, withheld=withheld)


def _after_a_throttle(
    deps: Deps, failed: FollowUp, failure: ProviderFailure, rule: Rule, at: datetime
) -> FollowUp | None:
    """`failed`'s step again once the rate limit WhatsApp reported has passed: after the
    pair's gap (131056), or 30 s, 60 s, 90 s (130429); at its send window's next opening
    when that is later. None past `REPORTED_THROTTLES`, or when the journey moves on
    first. Only reports count: the rate limits 360dialog answered at send time, before
    it took the step, were spent on getting it sent."""
    reported = failed.throttles_reported + 1
    contact = deps.contacts.contact(failed.contact_id)
    if reported > REPORTED_THROTTLES or contact is None:
        return None
    wait = RECIPIENT_GAP if failure.code == 131056 else REPORTED_THROTTLE_WAIT * reported
    when = send_at(at + wait, at, contact.item, rule, deps.catalog.settings())
    if not _ahead_of_the_journey(deps, failed, when):
        return None
    return _again(failed, at, when, failure.reason, throttles_reported=reported)


def _ahead_of_the_journey(deps: Deps, failed: FollowUp, when: datetime) -> bool:
    """Whether `failed`'s step, sent again at `when`, still goes before its journey moves
    on: its enrollment ended, or its next move is due after then. A report heard before
    the follow-up stream moved the enrollment past the send applies that move first
    (sent_stream.record; the stream's record then finds it done)."""
    if failed.enrollment_id is None:
        return True
    sent_stream.record(deps, failed)
    found = deps.followups.enrollment(failed.enrollment_id)
    if found is None or found.item.state is not EnrollmentState.ACTIVE:
        return True
    due = found.item.next_due_at
    return due is not None and due > when


def _written_for(ai: AiWriting | None) -> AiWriting | None:
    """The AI's text the failed send carried, to go again as written (and as a person
    approved it) rather than asked for and paid for anew; its cost stays counted on the
    failed one."""
    if ai is None or ai.text is None:
        return None
    return AiWriting(used=True, text=ai.text, target=ai.target, model=ai.model)


def _again(
    failed: FollowUp,
    at: datetime,
    when: datetime,
    why: str,
    *,
    template_only: bool = False,
    withheld: int = 0,
    throttles_reported: int = 0,
) -> FollowUp:
    return FollowUp(
        id=resend_followup_id(failed.id),
        contact_id=failed.contact_id,
        rule_id=failed.rule_id,
        rule_version=failed.rule_version,
        step_index=failed.step_index,
        repeat_index=failed.repeat_index,
        channel_index=failed.channel_index,
        skipped_channels=failed.skipped_channels,
        silence_key=failed.silence_key,
        manual=failed.manual,
        ai=_written_for(failed.ai),
        proposed=failed.proposed if failed.approved_at else None,
        approved_at=failed.approved_at,
        withheld=withheld or failed.withheld,
        throttles_reported=throttles_reported or failed.throttles_reported,
        template_only=template_only or failed.template_only,
        created_at=at,
        scheduled_at=when,
        wake_at=when,
        queued_at=at,
        history=[StatusChange(status=Status.QUEUED, at=at, reason=why)],
    )
