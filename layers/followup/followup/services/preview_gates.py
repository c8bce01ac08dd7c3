"""The questions a preview asks about one contact, read only: those enqueue asks before
it writes a follow-up, and those the sender asks before it calls the provider."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import FollowUp, Reason
from followup.domain.gating import messaged, spaced
from followup.domain.ids import followup_id
from followup.domain.journey import Exit, date_passed, must_stop, send_at
from followup.domain.messaging import compose
from followup.domain.rule import Step
from followup.services import reentry
from followup.services.channels import first_reachable
from followup.services.number_pause import holder
from followup.services.planning import SENT_BY_HAND, claim, first_channel, manual_send
from followup.services.ports import EMAIL_HELD
from followup.services.templates import gate

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from followup.domain.contact import Contact
    from followup.domain.enrollment import Enrollment
    from followup.domain.rule import Rule
    from followup.services.deps import Deps

NUMBER_PAUSED = "number_paused"
"""The sender holds it until someone resumes sending: the workspace is paused, or it goes
by WhatsApp from a paused number."""
EMAIL_PAUSED = "email_paused"
"""The sender holds it until an admin resumes email: it goes by email, and SES refused the
account."""
PENDING = "pending_followup"
NO_CHANNEL = "no_channel"
"""No channel of the step reaches the contact (no WhatsApp number, phone or email)."""


def first_step(rule: Rule) -> Step | None:
    """The rule's first step that sends, if any."""
    return next((s for s in rule.steps if isinstance(s, Step)), None)


def goes(
    deps: Deps, rule: Rule, enrollment: Enrollment, contact: Contact, now: datetime
) -> tuple[datetime, str | None] | str:
    """When the rule's first message would go to `contact` enrolled as `enrollment` (and
    what puts it off), or the code of why it would not: the questions enqueue asks (number,
    this silence's journey started already, re-entry, `must_stop`, the journey, the one
    pending follow-up), then those the sender asks at that time (paused number or
    workspace, channel, window, template)."""
    settings = deps.catalog.settings()
    other = deps.numbers.refusal(contact.phone_number_id, rule.numbers)
    if other is not None:
        return code(other)
    history = reentry.History(deps, contact.id)
    if rule.idle is not None:
        # The tick plays a silence once: the enrollments the re-entry policy reads anyway
        # say whether this silence's journey ended already, or has sent.
        played = history.served(enrollment)
        if played is not None:
            return played
    refused = history.refused(rule, enrollment)
    if refused is not None:
        return refused
    stop = must_stop(contact, rule, enrollment.silence_key, settings, now)
    if stop is not None and stop.reason is not Reason.FREQUENCY_CAP:
        return stop.reason.value
    if _by_hand(deps, rule, contact, enrollment):
        return SENT_BY_HAND
    reached = _to_first_send(rule, enrollment, contact, contact.zone(settings.zone), now)
    if reached.state is EnrollmentState.EXITED:
        return code(reached.exit_reason or "")
    if reached.state is EnrollmentState.ACTIVE and reached.next_due_at is not None:
        due = spaced(
            reached.next_due_at, contact, settings.gating, own_last=None, at_once=rule.calls_back
        )
        at: datetime | Exit = send_at(due, now, contact, rule, settings)
    else:  # a journey that sends nothing: the first opening after its first step is due
        at = send_at(enrollment.next_due_at or now, now, contact, rule, settings)
    if isinstance(at, Exit):
        return code(at.reason)
    if stop is not None:
        # The cap counts the sends of the day before the step goes, as the tick judges it.
        stop = must_stop(contact, rule, enrollment.silence_key, settings, at)
        if stop is not None:
            return stop.reason.value
    enrollment = reached if reached.state is EnrollmentState.ACTIVE else enrollment
    fid = followup_id(enrollment.id, enrollment.step_index, enrollment.repeat_index)
    busy_until = claim(deps, contact, fid, now, channel=first_channel(rule, enrollment)).busy_until
    waits_for = None
    if busy_until is not None:
        after = _next_tick(deps, max(busy_until, now), now)
        lead = messaged(contact, busy_until)  # the pending one sent
        after = spaced(after, lead, settings.gating, own_last=None, at_once=rule.calls_back)
        at, waits_for = send_at(max(at, after), now, contact, rule, settings), PENDING
    index = _first_send_index(rule, enrollment.step_index)
    if index is None:
        return at, waits_for
    why = _sender_refusal(deps, rule, index, contact, enrollment, fid, at)
    return (at, waits_for) if why is None else why


def _to_first_send(
    rule: Rule, enrollment: Enrollment, contact: Contact, zone: ZoneInfo, now: datetime
) -> Enrollment:
    """`enrollment` moved past the steps before its first send (waits, branches, actions),
    each timed as the tick times it: the send's own wait counts from where they end."""
    for _ in range(len(rule.steps)):  # branches jump forward only: this bounds the walk
        if enrollment.state is not EnrollmentState.ACTIVE:
            break
        if isinstance(rule.steps[enrollment.step_index], Step):
            break
        enrollment = enrollment.passed(rule, contact, zone, now)
    return enrollment


def _next_tick(deps: Deps, after: datetime, now: datetime) -> datetime:
    """The first tick after `after`, ticks `deps.timings.tick` apart from the last dispatch
    tick (else from now). A contact's slot frees once its holder is sent (and counted),
    and only an enqueue tick plans the send waiting for it: the tick at the holder's due
    time runs before the holder goes, so the send waits for the tick after."""
    mark = deps.followups.dispatch_mark()
    anchor = mark.at if mark is not None else now
    tick = deps.timings.tick
    return anchor + ((after - anchor) // tick + 1) * tick


def _by_hand(deps: Deps, rule: Rule, contact: Contact, enrollment: Enrollment) -> bool:
    """Whether a counsellor sent the rule's first step by hand in this silence (or may
    have: its outcome is unknown), or queued it and it is still to go: the tick then sends
    it no more (`planning.manual_send`). One that ended without going leaves it to the
    rule."""
    return isinstance(rule.steps[0], Step) and manual_send(deps, enrollment, contact) is not None


def _first_send_index(rule: Rule, reached: int) -> int | None:
    """The index of the step the first message goes from: the one the journey reached,
    when it sends, else the rule's first step that sends (None when none does)."""
    if isinstance(rule.steps[reached], Step):
        return reached
    return next((n for n, step in enumerate(rule.steps) if isinstance(step, Step)), None)


def _sender_refusal(
    deps: Deps,
    rule: Rule,
    index: int,
    contact: Contact,
    enrollment: Enrollment,
    fid: str,
    at: datetime,
) -> str | None:
    """Why the sender would not send step `index` at `at` (the checks of `send.send_one`
    that need no provider): a pause holds it (the workspace's, its number's when it goes
    by WhatsApp, or email's when it goes by email: `number_pause.holder`), a reminder
    before a date that has come by then (`journey.date_passed`), no channel may reach the
    contact (SNS's opt-out list is not asked: `channels.first_reachable`), the WhatsApp
    window is closed with no template, or the template is unusable."""
    step = rule.send_step(index)
    followup = FollowUp.planned(
        followup_id=fid,
        contact_id=contact.id,
        rule_id=rule.id,
        rule_version=rule.version,
        silence_key=enrollment.silence_key,
        at=at,
        scheduled_at=at,
        step_index=index,
    )
    number = deps.numbers.sender(contact.phone_number_id, rule.numbers)
    held = holder(deps, followup, contact, rule, number)
    if held is not None:
        return EMAIL_PAUSED if held[1] == EMAIL_HELD else NUMBER_PAUSED
    zone = contact.zone(deps.catalog.settings().zone)
    passed = date_passed(rule, index, contact, zone, at)
    if passed is not None:
        return code(passed.reason)
    channel = first_reachable(deps, contact, step, 0)
    if channel is None:
        return NO_CHANNEL
    if channel != "whatsapp":
        return None
    message = compose(step, contact, at)
    if message is None:
        if step.fallback_when.undeliverable and first_reachable(deps, contact, step, 1):
            return None
        return Reason.WINDOW_CLOSED.value
    if message.kind == "template" and step.template is not None:
        decided = gate(deps, message, step.template, contact.wa_id or "", [], at)
        why = decided.skipped or (decided.waiting.reason if decided.waiting else None)
        if why:
            return code(why)
        if contact.marketing_suppressed and decided.marketing:
            return Reason.MARKETING_SUPPRESSED.value
    return None


def code(reason: str) -> str:
    """A reason's code, without the detail after it (`attribute_missing:renewal_at`)."""
    return reason.split(":", 1)[0].strip()
