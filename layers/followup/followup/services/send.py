"""The sender: claim a dispatched follow-up, re-check everything, send, record the outcome."""

from __future__ import annotations

import contextlib
import hashlib
import math
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from followup.domain.channels import Channel, ChannelRefused, ChannelUnavailable
from followup.domain.contact import Contact
from followup.domain.errors import RULE_DATA_ERRORS
from followup.domain.followup import AiWriting, FollowUp, Reason, RenderedMessage, Status
from followup.domain.gating import step_spaced
from followup.domain.journey import date_passed, is_open, must_stop, send_at
from followup.domain.lookahead import judged_at, queue_delay
from followup.domain.messaging import blank_text, compose, incomplete, missing_param
from followup.domain.numbers import failure_code
from followup.domain.pacing import RECIPIENT_GAP
from followup.domain.whatsapp import (
    ACCOUNT_RATE_LIMITS,
    Disposition,
    OutboundMessage,
    OutcomeUnknown,
    ProviderFailure,
    ProviderRejected,
    refused_template_status,
    stopped_marketing,
    withheld_gap,
)
from followup.services import handover
from followup.services.callbacks import after_call_back
from followup.services.channels import Picked, TryLater, pick, send_elsewhere, unreachable
from followup.services.contacts import choose_marketing
from followup.services.goals import converted_meanwhile
from followup.services.messaging_limit import Deferral, cleared
from followup.services.number_pause import holder
from followup.services.other_form import with_other_form_stops
from followup.services.pausing import pause_email, pause_number, pause_workspace
from followup.services.planning import answered_since_send, journey_of, why_ended
from followup.services.ports import EMAIL_HELD, CommitRejected, Delayed, FollowUpChange
from followup.services.settle import end_unsent, record_sent, skip_answered, skip_passed
from followup.services.templates import (
    gate,
    refused_by_whatsapp,
    routed,
    send_routed,
    with_body,
)
from followup.services.timeline import outbound_line
from followup.services.writing import Fallback, personalise, window_closed

if TYPE_CHECKING:
    from followup.domain.rule import Rule, Step
    from followup.services.deps import Deps

_THROTTLED_RETRY = timedelta(seconds=4)
"""After a 130429 (or a bare 429): back on the queue 2 to 4 s later, jittered."""
_ACCOUNT_THROTTLED_RETRY = timedelta(seconds=60)
"""After an app's or account's rate limit (4, 80007): back on the queue 30 to 60 s later,
jittered."""
RETRY_GAP_AT_MOST = timedelta(minutes=15)
"""The longest wait between two tries of a retryable failure (360dialog unreachable or
failing): with the default tries (`max_attempts`), a 360dialog outage of an hour is ridden
out, and a follow-up goes within 15 minutes of its end. No longer than SQS holds a
message back, so every try comes from the queue, not from a tick."""
THROTTLED_IN_A_ROW = 30
"""Rate-limit answers a follow-up may meet without spending an attempt (a few minutes of
them, up to half an hour of the app's or account's); past that each one counts, with the
retries' backoff, so a number throttled without end cannot keep a follow-up coming back
forever."""
_CLEARED: ContextVar[FollowUp | None] = ContextVar("cleared", default=None)
"""This send's follow-up as the caps cleared it (the warm-up place it holds, and when it
counted its user toward the messaging limit): kept should the send fail before it is
handed over, so the try again holds the same place and count and takes no other."""
_UNAVAILABLE: ContextVar[Channel | None] = ContextVar("unavailable", default=None)
"""The channel whose provider refused this send for the whole account, if one did."""


class SendResult(StrEnum):
    SENT = "sent"
    IGNORED = "ignored"  # not queued any more: a duplicate delivery or already handled
    EARLY = "early"  # not yet due: back on the queue, unclaimed, for the time that remains
    CANCELED = "canceled"
    OPTED_OUT = "opted_out"
    SKIPPED = "skipped"
    RESCHEDULED = "rescheduled"
    RETRYING = "retrying"  # 360dialog could not take it (unreachable, 5xx): tried again
    WITHHELD = "withheld"  # Meta withheld it (131049): tried again a day or more later
    PACED = "paced"  # back on the queue for a few seconds: the number or recipient is busy
    THROTTLED = "throttled"  # WhatsApp said too fast all the same: back on the queue shortly
    HELD = "held"  # back to queued while sending is paused, or waiting for its template
    PAUSED = "paused"  # WhatsApp said to stop: sending paused (alarmed) and this one held
    AWAITING_APPROVAL = "awaiting_approval"  # written, back to queued until a person approves
    DEFERRED = "deferred"  # back to queued until the portfolio's messaging limit has room
    FAILED = "failed"
    UNKNOWN = "unknown"  # handed over, no answer: WhatsApp's status or its deadline settles it


@dataclass(frozen=True)
class Outcome:
    """What became of one follow-up, and what this attempt's AI writing did and cost (None
    when it wrote nothing, e.g. a retry that sent the text written before); `unavailable`
    names the channel whose provider refused it for the whole account (SES paused, say),
    which the sender counts for the operators' alarm."""

    result: SendResult
    ai: AiWriting | None = None
    unavailable: Channel | None = None


def send_one(deps: Deps, followup_id: str, due: datetime | None = None) -> Outcome:
    """Send one follow-up at most once, whatever duplicate deliveries or crashes do. `due`
    is the scheduled time its message was handed over for, when the message names one."""
    now = deps.clock.now()
    found = deps.followups.followup(followup_id)
    if found is None or found.status is not Status.QUEUED:
        return Outcome(SendResult.IGNORED)
    if found.scheduled_at > now:
        return Outcome(_not_yet(deps, found, due, now))
    undecided = found.proposed is not None and found.approved_at is None
    if undecided and found.wake_at is not None and found.wake_at > now:
        # A text written and waiting for a person: a copy of the message that brought it
        # (a dispatch run again, an SQS duplicate) leaves it waiting; its end comes when
        # its wait is over.
        return Outcome(SendResult.IGNORED)
    claimed = found.claimed(now, deps.timings.sending_deadline)
    claim = FollowUpChange(claimed, Status.QUEUED, undecided=undecided, moves=found.moves)
    handover.starting()
    _CLEARED.set(None)
    _UNAVAILABLE.set(None)
    try:
        deps.commit([claim], now)
    except CommitRejected:
        # Another sender claimed it, a reply canceled it, a person approved the text read
        # unapproved here (the approval queued it again), or it moved since it was read: a
        # copy of the message read before another sender's try (claimed, then put back for
        # a retry) must not send again at once, over that try's backoff and attempt
        return Outcome(SendResult.IGNORED)
    except Exception:
        # No answer (every try timed out): the claim may have been made. Nothing reached
        # a provider, so one made is put back, as after any failure before the hand-over;
        # a claim another sender made meanwhile is theirs, and stays.
        _put_back(deps, claimed.id, now, claim=claimed)
        raise
    try:
        return replace(_send_claimed(deps, claimed, now), unavailable=_UNAVAILABLE.get())
    except Exception:
        if not handover.handed_over():
            _put_back(deps, claimed.id, now)
        raise


def _put_back(
    deps: Deps, followup_id: str, now: datetime, *, claim: FollowUp | None = None
) -> None:
    """A failure (a store or network error) before anything reached a provider sent
    nothing: queued again as stored now, for the send queue to bring back with the failed
    record, rather than left claimed until its deadline gives it up as unknown. Each such
    try counts as an attempt, so one that fails every time (a fault in its own data) ends
    `failed` after the workspace's tries instead of coming back for ever. What the caps
    gave it goes with it (its warm-up place, its count toward the messaging limit): the
    next try takes neither again. The store failing here too leaves it claimed, as
    before. With `claim`, only that claim is put back: not one made by another sender."""
    with contextlib.suppress(Exception):
        current = deps.followups.followup(followup_id)
        if current is None or current.status is not Status.SENDING:
            return
        if claim is not None and (current.claimed_at, current.moves) != (
            claim.claimed_at,
            claim.moves,
        ):
            return
        # What the AI wrote (and what that cost) goes with it: the next try sends that
        # text rather than paying for another.
        ai = handover.written() or current.ai
        caps = _CLEARED.get() or current
        tried = current.model_copy(
            update={
                "attempt": current.attempt + 1,
                "ai": ai,
                "warm_up_place": caps.warm_up_place,
                "reached_at": caps.reached_at,
            }
        )
        if tried.attempt < deps.catalog.settings().max_attempts:
            _requeue(deps, tried, now, now, dispatched=True, reason=Reason.INTERRUPTED)
        else:
            reason = f"{Reason.RETRIES_EXHAUSTED.value}: {Reason.INTERRUPTED.value}"
            end_unsent(deps, tried, Status.FAILED, reason, now)


def _deleted(deps: Deps, rule_id: str) -> bool:
    """Whether the rule was deleted: among none of the rules listed (as cached), and none
    read again (a rule created since the cache was filled is). A delete whose canceling of
    the rule's queue stopped midway leaves the rest to this check."""
    if any(head.rule_id == rule_id for head in deps.catalog.heads()):
        return False
    return deps.rules.rule_head(rule_id) is None


def _send_claimed(deps: Deps, claimed: FollowUp, now: datetime) -> Outcome:
    """Send `claimed`, just claimed: re-check it, write it, hand it over, record it."""
    # Re-read after claiming: an opt-out landing from now on sees `sending` and cannot be
    # missed by us, and one that landed before is in this consistent read.
    contact_v = deps.contacts.contact(claimed.contact_id)
    deleted = _deleted(deps, claimed.rule_id)
    rule = None if deleted else deps.catalog.rule(claimed.rule_id, claimed.rule_version)
    if contact_v is None or rule is None:
        reason = Reason.RULE_DELETED if rule is None else "contact_deleted"
        return Outcome(_finish(deps, claimed, Status.CANCELED, reason, now))
    # Stopped as the contact under the other form of its number is: the same person.
    contact = with_other_form_stops(deps, contact_v.item)
    if claimed.proposed is not None and claimed.approved_at is None:
        # Its wait for a person is over (the claim comes no sooner): it ends now, whatever
        # the send window, rather than waiting for the window to open unapproved.
        return Outcome(_finish(deps, claimed, Status.SKIPPED, Reason.APPROVAL_EXPIRED, now))
    try:
        verdict = _recheck(deps, claimed, contact, rule, now)
    except RULE_DATA_ERRORS as exc:  # e.g. a stored window that never opens
        reason = f"{Reason.RULE_ERROR.value}: {exc}"
        return Outcome(_finish(deps, claimed, Status.FAILED, reason, now))
    if verdict is not None:
        return Outcome(verdict)
    step = rule.send_step(claimed.step_index)
    picked = pick(deps, claimed, contact, step, claimed.channel_index)
    if picked.channel != "whatsapp":
        return Outcome(_on_channel(deps, picked, contact, rule, step, now))
    claimed = picked.followup
    static = compose(step, contact, now, template_only=_template_only(claimed))
    if static is None:
        fallen = _fall_back(deps, claimed, contact, rule, step, Reason.WINDOW_CLOSED, now)
        return Outcome(fallen or _finish(deps, claimed, Status.SKIPPED, Reason.WINDOW_CLOSED, now))
    gated = _template_gate(deps, claimed, contact, step, static, now)
    if isinstance(gated, SendResult):
        return Outcome(gated)
    static = gated
    address = contact.address("whatsapp")
    if address is None:
        return Outcome(_finish(deps, claimed, Status.FAILED, Reason.NO_WA_ID, now))
    if claimed.proposed is not None:
        approved = claimed.proposed
        if approved.kind == "text" and static.kind != "text":
            # The window closed while the text waited for a person: free text cannot go
            # now (WhatsApp refuses it, 131047), so the step's template goes as it would.
            approved = static
            claimed = _written_unsent(claimed)
        elif approved.kind == "template":
            # Under the name the gate chose: the sibling's, when its template was paused
            # while the text waited.
            approved = approved.model_copy(update={"template_name": static.template_name})
        return Outcome(_hand_over(deps, claimed, contact, address, rule, approved, now))
    # Written after the claim and before the provider: a duplicate delivery finds it no
    # longer queued, so whatever text was written goes out at most once; a retry after a
    # provider error sends the text kept on the follow-up rather than paying for another.
    written = personalise(deps, step, rule, contact, static, claimed.ai)
    if written.ai is not None:
        claimed = claimed.model_copy(update={"ai": written.ai})
        handover.wrote(written.ai, written.attempt)
    if written.message.kind == "text":
        missing = blank_text(step.text or "", written.message.text or "")
        if missing is not None:  # free text with nothing in it: no channel takes it
            reason = f"attribute_missing:{missing}"
            return Outcome(_finish(deps, claimed, Status.SKIPPED, reason, now), written.attempt)
    if step.ai is not None and step.ai.approval:
        return Outcome(_await_approval(deps, claimed, written.message, now), written.attempt)
    if written.attempt is not None:  # the model was asked, which takes seconds
        current = _heard_while_writing(deps, claimed, contact, rule, now)
        if isinstance(current, SendResult):
            return Outcome(current, written.attempt)
        contact = current
        picked = pick(deps, claimed, contact, step, claimed.channel_index)
        if picked.channel != "whatsapp":  # WhatsApp stopped alone while the model wrote
            return Outcome(_on_channel(deps, picked, contact, rule, step, now), written.attempt)
    result = _hand_over(deps, claimed, contact, address, rule, written.message, now)
    return Outcome(result, written.attempt)


def _template_only(claimed: FollowUp) -> bool:
    """Whether only the step's template may go: WhatsApp said the window is closed, or a
    person approved the AI's parameter of the template (it goes as that template, even
    once the lead wrote back and free text could go)."""
    approved = claimed.proposed
    return claimed.template_only or (approved is not None and approved.kind == "template")


def _template_gate(
    deps: Deps,
    claimed: FollowUp,
    contact: Contact,
    step: Step,
    static: RenderedMessage,
    now: datetime,
) -> RenderedMessage | SendResult:
    """The message to send; or, when the catalogue says its template cannot go (or it is
    marketing and the contact stopped marketing messages, or a parameter would be empty),
    the follow-up held or skipped.
    Every template the sender gives WhatsApp passes here, the one sent in place of free
    text WhatsApp refused included."""
    if static.kind != "template" or step.template is None:
        return static
    missing = missing_param(step, static)
    if missing is not None:  # WhatsApp refuses an empty parameter: a failure of ours
        return _finish(deps, claimed, Status.SKIPPED, f"attribute_missing:{missing}", now)
    decided = gate(deps, static, step.template, contact.wa_id or "", claimed.history, now)
    if decided.skipped:
        return _finish(deps, claimed, Status.SKIPPED, decided.skipped, now)
    if decided.waiting:
        why = decided.waiting
        held = claimed.held_for_template(now, why.reason, why.until, why.templates)
        try:
            deps.commit([FollowUpChange(held, Status.SENDING)], now)
        except CommitRejected:
            return SendResult.IGNORED
        return SendResult.HELD
    if contact.marketing_suppressed and decided.marketing:
        return _finish(deps, claimed, Status.SKIPPED, Reason.MARKETING_SUPPRESSED, now)
    return decided.message


def _not_yet(deps: Deps, found: FollowUp, due: datetime | None, now: datetime) -> SendResult:
    """Arrived before its time: a hop of a wait longer than the queue holds, or a stale
    copy. A message handed over for the time the follow-up is still scheduled at (or any,
    for one a write marked dispatched) waits on the queue again for the rest (another hop
    of at most 900 s), still unclaimed. Any other is a stale copy, dropped: the follow-up
    moved since, and goes with the message handed over for its new time."""
    if found.dispatched_at is None and due != found.scheduled_at:
        return SendResult.IGNORED
    later = Delayed(found.id, queue_delay(found.scheduled_at, now), found.scheduled_at)
    deps.queue.enqueue_each([later])
    return SendResult.EARLY


def _hand_over(
    deps: Deps,
    claimed: FollowUp,
    contact: Contact,
    address: str,
    rule: Rule,
    message: RenderedMessage,
    now: datetime,
) -> SendResult:
    """Give the message to `address` (the contact's wa_id, else its business-scoped user
    id) from the contact's number (its key) at its turn in that number's pace, and record
    what came of it; or defer it to the
    portfolio's next window (or the warming number's next day) when it would pass the
    messaging limit (or the day's warm-up cap). A message WhatsApp could not take as it
    stands (a template without its name) is not handed over: the follow-up ends `failed`,
    saying what it lacks."""
    lacking = incomplete(message)
    if lacking is not None:
        reason = f"{Reason.RULE_ERROR.value}: {lacking}"
        return _finish(deps, claimed, Status.FAILED, reason, now)
    number = deps.numbers.sender(contact.phone_number_id, rule.numbers)
    going = cleared(deps, contact, claimed, number, now)
    if isinstance(going, Deferral):
        deferred = _requeue(deps, claimed, now, going.until, dispatched=False, reason=going.reason)
        return SendResult.IGNORED if deferred is SendResult.IGNORED else SendResult.DEFERRED
    # From here on every write of the follow-up keeps whether its user was counted now: a
    # try after a busy number or a throttle does not count them again.
    claimed = going
    _CLEARED.set(claimed)
    if deps.pacer is not None:
        held = deps.pacer.admit(address, number)
        if held is not None:
            moved = _back_shortly(deps, claimed, now, held.until, held.reason)
            return SendResult.PACED if moved else SendResult.IGNORED
    message = with_body(deps, message)
    outbound = routed(
        deps,
        OutboundMessage(
            to=address,
            message=message,
            callback_data=claimed.id,
            to_user_id=not contact.wa_id,
            number=number,
        ),
    )
    try:
        wamid = send_routed(deps, outbound, now)
    except OutcomeUnknown:
        return _answer_lost(deps, claimed, now)
    except ProviderRejected as rejected:
        return _handle_rejection(deps, claimed, contact, rule, outbound, rejected.failure, now)
    if record_sent(deps, claimed, message, wamid, now):
        _answered_while_sending(deps, claimed, contact, now)
    else:  # settled meanwhile by another worker, the follow-up does not carry this send
        deps.contacts.add_message(outbound_line(claimed.id, contact.id, wamid, now, message))
    return SendResult.SENT


def _on_channel(
    deps: Deps, picked: Picked, contact: Contact, rule: Rule, step: Step, now: datetime
) -> SendResult:
    """Send by SMS or email, or end the follow-up when no channel of its step can reach
    the contact. While email is paused (SES refused the account), one whose channel now
    is email is held until an admin resumes email, its tries unspent; SES refusing the
    account for this one pauses email and holds it so."""
    if picked.channel is None:
        status, reason = unreachable(picked.followup)
        return _finish(deps, picked.followup, status, reason, now)
    going = _written_for_whatsapp(picked.followup)
    email_paused = deps.catalog.email_paused() if picked.channel == "email" else None
    if email_paused is not None:
        return _hold(deps, going, now, email_paused, SendResult.HELD, EMAIL_HELD)
    try:
        ended = send_elsewhere(deps, going, contact, step, now)
    except TryLater as busy:
        return _tried_later(deps, busy.followup, contact, rule, step, busy.why, now)
    except ChannelRefused as refused:
        why = f"{picked.channel}: {refused}"
        if isinstance(refused, ChannelUnavailable):  # the account's problem, not the lead's
            _UNAVAILABLE.set(picked.channel)
            why = f"{picked.channel}_unavailable: {refused}"
        if isinstance(refused, ChannelUnavailable) and picked.channel == "email":
            pause_email(deps, str(refused), now)
            paused = deps.catalog.email_paused() or why
            return _hold(deps, going, now, paused, SendResult.PAUSED, EMAIL_HELD)
        skipped = [*going.skipped_channels, why]
        noted = going.model_copy(update={"skipped_channels": skipped})
        onward = _onward(deps, noted, contact, rule, step, now)
        return onward or _finish(deps, noted, Status.FAILED, why, now)
    return SendResult.IGNORED if ended is None else SendResult(ended.value)


def _tried_later(
    deps: Deps,
    claimed: FollowUp,
    contact: Contact,
    rule: Rule,
    step: Step,
    why: str,
    now: datetime,
) -> SendResult:
    """The SMS or email provider could not take it now: back on the queue after a backoff,
    as a WhatsApp send 360dialog could not take, up to the workspace's tries on this
    channel (an earlier channel's spent none of them); then the step's next channel, or
    failed."""
    attempt = claimed.attempt + 1
    noted = claimed.model_copy(update={"attempt": attempt})
    if attempt < deps.catalog.settings().max_attempts:
        return _after_backoff(deps, noted, now, why)
    reason = f"{Reason.RETRIES_EXHAUSTED.value}: {why}"
    refused = noted.model_copy(update={"skipped_channels": [*noted.skipped_channels, reason]})
    onward = _onward(deps, refused, contact, rule, step, now)
    return onward or _finish(deps, noted, Status.FAILED, reason, now)


def _fall_back(
    deps: Deps, claimed: FollowUp, contact: Contact, rule: Rule, step: Step, why: str, now: datetime
) -> SendResult | None:
    """WhatsApp cannot deliver it (`why`): the step's next channel, when the step falls back
    on undeliverable sends and has one that reaches the contact."""
    refused = [*claimed.skipped_channels, f"whatsapp: {why}"]
    noted = claimed.model_copy(update={"skipped_channels": refused})
    return _onward(deps, noted, contact, rule, step, now)


def _onward(
    deps: Deps, refused: FollowUp, seen: Contact, rule: Rule, step: Step, now: datetime
) -> SendResult | None:
    """`refused` cannot go on its channel (why is the last of its skipped channels): the
    step's next channel that reaches the contact as it is stored now, when the step falls
    back on undeliverable sends; None when it does not, or no channel is left."""
    following = refused.channel_index + 1
    if not step.fallback_when.undeliverable or following >= len(step.chain):
        return None
    contact = _read_again(deps, refused, seen, rule, now)
    if isinstance(contact, SendResult):
        return contact
    later = pick(deps, refused, contact, step, following)
    return None if later.channel is None else _on_channel(deps, later, contact, rule, step, now)


def _read_again(
    deps: Deps, claimed: FollowUp, seen: Contact, rule: Rule, now: datetime
) -> Contact | SendResult:
    """The contact as stored now (a consistent read), for a send decided within this claim
    after the first read, mostly once a provider answered another: a STOP heard while it
    answered counts as heard before the claim. Stopped on every channel by then, nothing
    more goes: the follow-up ends `opted_out` instead. A stop of one channel is left to
    `pick`, which passes over that channel. The contact as `seen` when it is no longer
    stored. A journey that ended meanwhile (the lead said they are not interested, or
    paid, while the provider answered) sends nothing more either: the follow-up ends
    `canceled` with the journey's reason (`opted_out` when a STOP ended it)."""
    found = deps.contacts.contact(claimed.contact_id)
    contact = seen if found is None else with_other_form_stops(deps, found.item)
    settings = deps.catalog.settings()
    stop = must_stop(contact, rule, claimed.silence_key, settings, now, manual=claimed.manual)
    if stop is not None and stop.reason is Reason.OPTED_OUT:
        return _finish(deps, claimed, Status.OPTED_OUT, Reason.OPTED_OUT, now)
    journey_over = why_ended(journey_of(deps, claimed))
    if journey_over is not None:
        stopped = journey_over == Reason.OPTED_OUT
        status = Status.OPTED_OUT if stopped else Status.CANCELED
        return _finish(deps, claimed, status, journey_over, now)
    return contact


def _heard_while_writing(
    deps: Deps, claimed: FollowUp, seen: Contact, rule: Rule, now: datetime
) -> Contact | SendResult:
    """The contact read again once the model wrote the step's text, up to its timeout after
    the claim's first read: what the lead did meanwhile found the follow-up `sending` and
    was left to this send (`inbound._settle`). It counts as heard before the claim, as
    `_recheck` judges it: a STOP, a reply to a rule that ends on one, or a stage that ends
    the journey ends the follow-up unsent (`opted_out`, else `canceled` with the reason),
    and what the model wrote stays on it; a STOP of WhatsApp alone is left to `pick`,
    which sends the step on its next channel. A gate the first read passed (the lead's score,
    the caps) is not judged again."""
    current = _read_again(deps, claimed, seen, rule, now)
    if isinstance(current, SendResult):
        return current
    settings = deps.catalog.settings()
    stop = must_stop(current, rule, claimed.silence_key, settings, now, manual=claimed.manual)
    if stop is not None and not stop.gated:
        return _finish(deps, claimed, Status.CANCELED, stop.reason, now)
    return current


def _await_approval(
    deps: Deps, claimed: FollowUp, proposed: RenderedMessage, now: datetime
) -> SendResult:
    """Back to queued with the text to approve; unapproved after `expire_after`, the next
    dispatch finds it still unapproved and ends it `skipped`."""
    expire_after = deps.catalog.settings().expire_after.approx()
    waiting = claimed.awaiting_approval(proposed, now, expire_after)
    try:
        deps.commit([FollowUpChange(waiting, Status.SENDING)], now)
    except CommitRejected:
        return SendResult.IGNORED
    return SendResult.AWAITING_APPROVAL


def _answered_while_sending(deps: Deps, claimed: FollowUp, seen: Contact, now: datetime) -> None:
    """A reply heard after the re-read, while the message was being handed over, found this
    follow-up `sending` and passed it by; it answers this message all the same.

    Compared with the contact as the sender saw it, not by the message's own time: WhatsApp
    stamps whole seconds and a webhook may come late, so a STOP heard mid-send can carry a
    time before the claim. Settled as the reply would have been (responded, or opted out
    for a STOP), at the time it is recorded sent.
    """
    found = deps.contacts.contact(claimed.contact_id)
    if found is None:
        return
    stopped = found.item.stopped(claimed.channel) and not seen.stopped(claimed.channel)
    if not stopped and found.item.last_inbound_at == seen.last_inbound_at:
        return
    current = deps.followups.followup(claimed.id)
    if current is None or current.status is not Status.SENT:
        return
    status, reason = (Status.OPTED_OUT, Reason.OPTED_OUT) if stopped else (Status.RESPONDED, None)
    moved = current.ended(status, now, reason)
    try:
        deps.commit([FollowUpChange(moved, Status.SENT)], now)
    except CommitRejected:  # a later reply or status got there first, or a conversion
        converted = converted_meanwhile(deps, moved, Status.SENT)
        if converted is not None:
            with contextlib.suppress(CommitRejected):
                deps.commit([FollowUpChange(converted, Status.SENT)], now)


def _recheck(
    deps: Deps, claimed: FollowUp, contact: Contact, rule: Rule, now: datetime
) -> SendResult | None:
    """Everything that may have changed since the follow-up was queued. The send window
    is judged at its due time when it came within `ARRIVAL_GRACE` of it, else now."""
    settings = deps.catalog.settings()
    stop = must_stop(contact, rule, claimed.silence_key, settings, now, manual=claimed.manual)
    if stop is not None and stop.reason is Reason.OPTED_OUT:
        return _finish(deps, claimed, Status.OPTED_OUT, Reason.OPTED_OUT, now)
    if stop is not None and stop.reason is Reason.CONVERSATION_CLOSED:
        return _finish(deps, claimed, Status.CANCELED, stop.reason, now)
    other = deps.numbers.refusal(contact.phone_number_id, rule.numbers)
    if other is not None:
        return _finish(deps, claimed, Status.SKIPPED, other, now)
    number = deps.numbers.sender(contact.phone_number_id, rule.numbers)
    held = holder(deps, claimed, contact, rule, number, asks_sns=True)
    if held is not None:
        return _hold(deps, claimed, now, held[0], SendResult.HELD, held[1])
    if stop is not None:
        status = Status.SKIPPED if stop.gated else Status.CANCELED
        return _finish(deps, claimed, status, stop.reason, now)
    # An exit event or an admin may end the journey and miss this follow-up (the tick
    # that queued it wrote it first, and died before ending it: planning._queue).
    journey = journey_of(deps, claimed)
    journey_over = why_ended(journey)
    if journey_over is not None:
        return _finish(deps, claimed, Status.CANCELED, journey_over, now)
    # A reminder before a date, put off (a closed window, a pause, a cap, a retry) until
    # the date has come: it would tell of a date gone, and the journey goes on without it.
    zone = contact.zone(settings.zone)
    passed = None if claimed.manual else date_passed(rule, claimed.step_index, contact, zone, now)
    if passed is not None:
        skipped = skip_passed(deps, claimed, rule, passed, now)
        return SendResult.SKIPPED if skipped else SendResult.IGNORED
    # A "no reply within" fallback or a repeat the lead answered since it was queued:
    # nothing to send.
    answered = journey is not None and answered_since_send(rule, journey, contact)
    if (claimed.channel_index > 0 or claimed.repeat_index > 0) and answered:
        skipped = skip_answered(deps, claimed, rule, now)
        return SendResult.CANCELED if skipped else SendResult.IGNORED
    # A call back the lead asked for after this one was planned, or still to come when it
    # was dispatched ahead of its time, goes first.
    if journey is not None and not claimed.manual:
        waits = after_call_back(deps, contact, rule, now, now)
        if waits > now:
            opening = send_at(waits, now, contact, rule, settings)
            reason = Reason.CALL_BACK_PENDING
            back = _requeue(deps, claimed, now, opening, dispatched=False, reason=reason, due=waits)
            return SendResult.IGNORED if back is SendResult.IGNORED else SendResult.RESCHEDULED
    # A message the lead was sent after this one was planned (a counsellor's) keeps the
    # least gap too: the planner read the contact before it.
    if journey is not None and not claimed.manual:
        apart = step_spaced(now, contact, settings.gating, rule, journey)
        if apart > now:
            opening = send_at(apart, now, contact, rule, settings)
            back = _requeue(
                deps, claimed, now, opening, dispatched=False, reason=Reason.SPACED, due=apart
            )
            return SendResult.IGNORED if back is SendResult.IGNORED else SendResult.RESCHEDULED
    # The send window as at its due time when the queue brought it a moment after that
    # (whole seconds, rounded up): one due in the window's last second goes that day.
    judged = judged_at(claimed.scheduled_at, now)
    if judged < now and is_open(judged, contact, rule, settings):
        return None
    opening = send_at(now, now, contact, rule, settings)
    if opening > now:
        due = claimed.due_at or claimed.scheduled_at
        _requeue(deps, claimed, now, opening, dispatched=False, due=due)
        return SendResult.RESCHEDULED
    return None


def _handle_rejection(
    deps: Deps,
    claimed: FollowUp,
    contact: Contact,
    rule: Rule,
    outbound: OutboundMessage,
    failure: ProviderFailure,
    now: datetime,
) -> SendResult:
    if failure.disposition in (Disposition.PAUSE, Disposition.PAUSE_WORKSPACE):
        return _pause(deps, claimed, outbound.number or deps.sending_number, failure, now)
    if failure.disposition is Disposition.THROTTLED and claimed.throttled < THROTTLED_IN_A_ROW:
        return _throttled(deps, claimed, failure, now)
    noted = claimed.model_copy(update={"error_code": failure.code, "error_title": failure.title})
    if stopped_marketing(failure.code):
        # The lead's opt-out from marketing, as when WhatsApp reports it after the send
        # (services.webhook), as of the refusal: kept on the contact before the follow-up
        # ends, so that no later marketing template is tried whatever becomes of this one.
        choose_marketing(deps, contact.id, True, deps.clock.now())
    if failure.disposition is Disposition.SKIP:
        return _finish(deps, noted, Status.SKIPPED, failure.reason, now)
    if failure.disposition is Disposition.RETRY_AFTER_24H:
        return _withheld(deps, noted, contact, rule, failure, now)
    if failure.disposition is Disposition.TEMPLATE_INSTEAD:
        return _template_instead(deps, noted, contact, rule, outbound, failure.reason, now)
    if failure.disposition is Disposition.TEMPLATE_REFUSED:
        held = _template_refused(deps, noted, contact, rule, outbound, failure, now)
        if held is not None:
            return held
    settings = deps.catalog.settings()
    attempt = claimed.attempt + 1
    noted = noted.model_copy(update={"attempt": attempt})
    retryable = failure.disposition in (Disposition.RETRY, Disposition.THROTTLED)
    if retryable and attempt < settings.max_attempts:
        return _after_backoff(deps, noted, now, failure.reason, failure.retry_after)
    reason = failure.reason
    if retryable:
        reason = f"{Reason.RETRIES_EXHAUSTED.value}: {failure.reason}"
    if stopped_marketing(failure.code):
        # The lead's opt-out of the step's marketing message: it goes on no other channel,
        # as when WhatsApp reports it after the send (services.channels.after_failed).
        return _finish(deps, noted, Status.FAILED, reason, now)
    fallen = _fall_back(deps, noted, contact, rule, rule.send_step(claimed.step_index), reason, now)
    return fallen or _finish(deps, noted, Status.FAILED, reason, now)


def _withheld(
    deps: Deps,
    claimed: FollowUp,
    contact: Contact,
    rule: Rule,
    failure: ProviderFailure,
    now: datetime,
) -> SendResult:
    """Meta withheld a marketing message (131049): again no sooner than a day later, and
    longer after each time, up to the workspace's `withheld_attempts`; then skipped. The
    attempt is not counted: nothing is wrong with the message."""
    settings = deps.catalog.settings()
    withheld = claimed.withheld + 1
    noted = claimed.model_copy(update={"withheld": withheld})
    if withheld >= settings.withheld_attempts:
        reason = f"{failure.reason}; withheld {withheld} times, not tried again"
        return _finish(deps, noted, Status.SKIPPED, reason, now)
    when = send_at(now + withheld_gap(withheld), now, contact, rule, settings)
    later = _requeue(deps, noted, now, when, dispatched=False, reason=failure.reason)
    return SendResult.WITHHELD if later is SendResult.RETRYING else later


def _template_instead(
    deps: Deps,
    claimed: FollowUp,
    contact: Contact,
    rule: Rule,
    refused: OutboundMessage,
    why: str,
    now: datetime,
) -> SendResult:
    """WhatsApp found the window closed (131047) after all: the step's template instead,
    once. A step without one, or a template refused so too, ends the follow-up skipped
    (or on the step's next channel, when it falls back on undeliverable sends). A contact
    who stopped WhatsApp while it answered gets no template: the step goes on as for a
    contact who stopped it before (on its next channel that reaches them, else no more)."""
    noted = _written_unsent(claimed.model_copy(update={"template_only": True}))
    step = rule.send_step(claimed.step_index)
    template = compose(step, contact, now, template_only=True)
    if refused.message.kind != "text" or template is None:
        fallen = _fall_back(deps, noted, contact, rule, step, why, now)
        return fallen or _finish(deps, noted, Status.SKIPPED, why, now)
    return _template_again(deps, noted, contact, rule, step, template, refused.to, now)


def _template_again(
    deps: Deps,
    claimed: FollowUp,
    seen: Contact,
    rule: Rule,
    step: Step,
    template: RenderedMessage,
    to: str,
    now: datetime,
) -> SendResult:
    """The step's `template` once more within this claim, after WhatsApp refused the first
    message: to the contact as stored now (a STOP or an ended journey heard while it
    answered sends nothing; WhatsApp stopped alone, the step's next channel), through the
    catalogue's gate as it now stands."""
    current = _read_again(deps, claimed, seen, rule, now)
    if isinstance(current, SendResult):
        return current
    picked = pick(deps, claimed, current, step, claimed.channel_index)
    if picked.channel != "whatsapp":
        return _on_channel(deps, picked, current, rule, step, now)
    gated = _template_gate(deps, claimed, current, step, template, now)
    if isinstance(gated, SendResult):
        return gated
    return _hand_over(deps, claimed, current, to, rule, gated, now)


def _template_refused(
    deps: Deps,
    claimed: FollowUp,
    contact: Contact,
    rule: Rule,
    refused: OutboundMessage,
    failure: ProviderFailure,
    now: datetime,
) -> SendResult | None:
    """WhatsApp will not send the template itself (132015 paused, 132016 disabled) though
    the catalogue held it sendable: the catalogue is told, and the step's message is gated
    again, as the catalogue now stands (`_template_again`): it goes with the step's other
    template when that one may be sent, or holds for them as `waiting_template`. None when
    the catalogue could
    not take it (none synced yet): the refusal then ends it as any other does."""
    message = refused.message
    step = rule.send_step(claimed.step_index)
    status = refused_template_status(failure.code)
    name, language = message.template_name, message.language
    if step.template is None or status is None or name is None or language is None:
        return None
    if not refused_by_whatsapp(deps, name, language, status, failure.reason, now):
        return None
    # The step's own template first, as the gate chooses it: the one refused may have been
    # its sibling; the body and names are the chosen template's, filled in as it goes.
    again = message.model_copy(
        update={"template_name": step.template.name, "body": None, "param_names": []}
    )
    return _template_again(deps, claimed, contact, rule, step, again, refused.to, now)


def _written_unsent(followup: FollowUp) -> FollowUp:
    """`followup` whose AI free text cannot go after all (`window_closed`)."""
    ai = window_closed(followup.ai)
    return followup if ai is followup.ai else followup.model_copy(update={"ai": ai})


def _written_for_whatsapp(followup: FollowUp) -> FollowUp:
    """`followup` going by SMS or email after WhatsApp could not take it: what the AI wrote
    for WhatsApp does not go there (the step's own text does), and its record says so,
    keeping what the writing cost."""
    ai = followup.ai
    if ai is None or not ai.used:
        return followup
    unused = {"used": False, "fallback_reason": Fallback.OTHER_CHANNEL.value, "text": None}
    return followup.model_copy(update={"ai": ai.model_copy(update={**unused, "target": None})})


def _throttled(
    deps: Deps, claimed: FollowUp, failure: ProviderFailure, now: datetime
) -> SendResult:
    """Too fast for the number (130429) or the recipient (131056): back on the queue for a
    few seconds; for the app or the account (4, 80007): for up to a minute; longer when
    the answer asked for a longer wait (`Retry-After`). The attempt is not counted, since
    the message itself is fine."""
    key = f"{claimed.id}:{now.isoformat()}"
    if failure.code == 131056:
        pause = RECIPIENT_GAP
    elif failure.code in ACCOUNT_RATE_LIMITS:
        pause = backoff(_ACCOUNT_THROTTLED_RETRY, key, 1)
    else:
        pause = backoff(_THROTTLED_RETRY, key, 1)
    if failure.retry_after is not None:
        pause = max(pause, failure.retry_after)
    noted = claimed.model_copy(
        update={
            "error_code": failure.code,
            "error_title": failure.title,
            "throttled": claimed.throttled + 1,
        }
    )
    moved = _back_shortly(deps, noted, now, now + pause, failure.reason)
    return SendResult.THROTTLED if moved else SendResult.IGNORED


def _back_shortly(
    deps: Deps, claimed: FollowUp, now: datetime, until: datetime, reason: str
) -> bool:
    """Back to queued and on the send queue again at `until` (whole seconds, at least one);
    False when the follow-up changed meanwhile. Its send time stays: the wait is the
    pacer's or WhatsApp's, so one due in the send window's last seconds is judged at that
    time when it comes back within `ARRIVAL_GRACE` of it (`_recheck`)."""
    seconds = max(1, math.ceil((until - now).total_seconds()))
    delay = min(timedelta(seconds=seconds), deps.timings.max_queue_delay)
    moved = _requeue(
        deps, claimed, now, now + delay, dispatched=True, reason=reason, keep_schedule=True
    )
    if moved is SendResult.IGNORED:
        return False
    deps.queue.enqueue([claimed.id], delay_seconds=int(delay.total_seconds()))
    return True


def _pause(
    deps: Deps, claimed: FollowUp, number: str, failure: ProviderFailure, now: datetime
) -> SendResult:
    """WhatsApp said to stop sending: pause the number it went from (the workspace, when
    the key of its only number was refused: with several, each has its own key) and hold
    the follow-up; the attempt does not count against it."""
    if failure.disposition is Disposition.PAUSE_WORKSPACE and len(deps.numbers.ids) == 1:
        pause_workspace(deps, failure.reason)
    else:
        pause_number(deps, number, failure.reason, now, code=failure_code(failure))
    noted = claimed.model_copy(update={"error_code": failure.code, "error_title": failure.title})
    why = deps.catalog.sending_paused(number) or failure.reason
    return _hold(deps, noted, now, why, SendResult.PAUSED, number)


def _hold(
    deps: Deps, claimed: FollowUp, now: datetime, why: str, result: SendResult, number: str
) -> SendResult:
    """Back to queued, off the send queue: while the workspace is paused, for the save
    that resumes it to hand over at once (or dispatch, should that fail); while only
    `number` is, held apart until it is resumed, so that no tick reads or writes it
    meanwhile."""
    reason = f"held: {why}"
    if deps.catalog.workspace_paused():
        held = _requeue(deps, claimed, now, now, dispatched=False, reason=reason)
        return SendResult.IGNORED if held is SendResult.IGNORED else result
    apart = claimed.held_for_number(now, number, reason)
    try:
        deps.commit([FollowUpChange(apart, Status.SENDING)], now)
    except CommitRejected:
        return SendResult.IGNORED
    return result


def _after_backoff(
    deps: Deps, noted: FollowUp, now: datetime, why: str, asked: timedelta | None = None
) -> SendResult:
    """Back to queued for its next try (`noted.attempt`, counted already), after the
    backoff, or the wait the provider `asked` for (`Retry-After`) when that is longer, up
    to `RETRY_GAP_AT_MOST`: on the send queue with that delay when SQS can hold it, else
    for a tick."""
    delay = backoff(deps.timings.retry_base, noted.id, noted.attempt)
    if asked is not None:
        delay = max(delay, min(asked, RETRY_GAP_AT_MOST))
    in_queue = delay <= deps.timings.max_queue_delay
    result = _requeue(deps, noted, now, now + delay, dispatched=in_queue, reason=why)
    if in_queue:
        deps.queue.enqueue([noted.id], delay_seconds=queue_delay(now + delay, now))
    return result


def backoff(base: timedelta, key: str, attempt: int) -> timedelta:
    """Exponential backoff with deterministic jitter (50 to 100 %), so retries spread out,
    at most `RETRY_GAP_AT_MOST`."""
    digest = hashlib.sha256(f"{key}:{attempt}".encode()).digest()
    jitter = 0.5 + digest[0] / 510
    return min(base * (1 << (attempt - 1)) * jitter, RETRY_GAP_AT_MOST)


def _requeue(
    deps: Deps,
    claimed: FollowUp,
    now: datetime,
    when: datetime,
    *,
    dispatched: bool,
    reason: str | None = None,
    keep_schedule: bool = False,
    due: datetime | None = None,
) -> SendResult:
    """Back to queued: on the queue already (short delay) or waiting for a dispatch tick;
    with `keep_schedule`, due at `when` but still scheduled when it was; with `due`, put
    off from then to the send window's opening at `when`."""
    # Put back when it is written, not when the send began: a dispatch tick that read while
    # the send was out (a provider slow to answer) found it sending, and takes it as new.
    back = claimed.requeued(deps.clock.now(), when, reason, due)
    if keep_schedule:
        back = back.model_copy(update={"scheduled_at": claimed.scheduled_at})
    if dispatched:
        back = back.dispatched(now, deps.timings.redrive_after, due=when)
    try:
        deps.commit([FollowUpChange(back, Status.SENDING)], now)
    except CommitRejected:
        return SendResult.IGNORED
    return SendResult.RETRYING if reason else SendResult.RESCHEDULED


_RESULTS = {
    Status.CANCELED: SendResult.CANCELED,
    Status.OPTED_OUT: SendResult.OPTED_OUT,
    Status.SKIPPED: SendResult.SKIPPED,
    Status.FAILED: SendResult.FAILED,
}


def _answer_lost(deps: Deps, claimed: FollowUp, now: datetime) -> SendResult:
    """360dialog may have taken it: never sent again, and left to WhatsApp's status about
    it, which the webhook takes at once (services.webhook), or to its sending deadline."""
    try:
        deps.commit([FollowUpChange(claimed.answer_lost(), Status.SENDING)], now)
    except CommitRejected:
        return SendResult.IGNORED
    return SendResult.UNKNOWN


def _finish(
    deps: Deps, claimed: FollowUp, status: Status, reason: str, now: datetime
) -> SendResult:
    """End without a send."""
    return (
        _RESULTS[status] if end_unsent(deps, claimed, status, reason, now) else SendResult.IGNORED
    )
