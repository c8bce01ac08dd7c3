"""Choosing the channel a follow-up goes out on, and sending by SMS or email.

A step names its channels in order (`Step.chain`). The sender starts at the follow-up's
`channel_index` and passes over a channel the contact cannot be reached on (no address,
opted out there, SNS's opt-out list, an email address that hard-bounced, the channel not
set up), recording why; a refusal by SMS or email moves on to the next channel when the
step falls back on undeliverable ones.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.channels import (
    NO_CHANNEL,
    Channel,
    ChannelBusy,
    ChannelRefused,
    OutboundEmail,
    fit_sms,
    one_line,
    skip_reason,
)
from followup.domain.contact import Contact
from followup.domain.costs import Pricing, email_pricing, sms_pricing
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import FollowUp, Reason, RenderedMessage, Status, StatusChange
from followup.domain.ids import fallback_followup_id
from followup.domain.journey import must_stop
from followup.domain.messaging import blank_text, render_text
from followup.domain.whatsapp import OutcomeUnknown, stopped_marketing
from followup.services import sent_stream
from followup.services.handover import handing_over
from followup.services.planning import commit_passing_slot, journey_of, past_fallbacks
from followup.services.ports import CommitRejected, EnrollmentChange, NewFollowUp
from followup.services.settle import end_unsent, record_sent
from followup.services.take_over import carried_on, take_over_from, went_on
from followup.services.timeline import outbound_line

if TYPE_CHECKING:
    from followup.domain.rule import Rule, Step
    from followup.services.deps import Deps

_OPTED_OUT = "opted_out:"


class TryLater(Exception):
    """The channel's provider could not take `followup` now: nothing went, and the sender
    tries it again later, as it does a WhatsApp send 360dialog could not take."""

    def __init__(self, followup: FollowUp, why: str) -> None:
        super().__init__(why)
        self.followup, self.why = followup, why


@dataclass(frozen=True)
class Picked:
    """The follow-up with its channel chosen (and the ones passed over); `channel` is None
    when no channel from the start on can reach the contact."""

    followup: FollowUp
    channel: Channel | None


def pick(deps: Deps, followup: FollowUp, contact: Contact, step: Step, start: int) -> Picked:
    """The first channel of the step, from `start` on, that may reach the contact."""
    skipped = list(followup.skipped_channels)
    for index, channel in enumerate(step.chain[start:], start=start):
        reason = _passed_over(deps, contact, channel)
        if reason is None:
            return Picked(followup.on_channel(channel, index, skipped), channel)
        skipped.append(reason)
    return Picked(followup.model_copy(update={"skipped_channels": skipped}), None)


def unreachable(followup: FollowUp) -> tuple[Status, str]:
    """How a follow-up that no channel can carry ends: opted out if any channel was
    stopped, else skipped; the reason lists every channel passed over."""
    skipped = followup.skipped_channels
    status = Status.OPTED_OUT if any(s.startswith(_OPTED_OUT) for s in skipped) else Status.SKIPPED
    return status, NO_CHANNEL + "; ".join(skipped)


def may_reach(deps: Deps, contact: Contact, channel: Channel) -> bool:
    """Whether `channel` may carry a message to the contact, as far as is known without
    asking SNS: it is set up, and the contact has an address there they have not stopped.
    The sender still checks SNS's opt-out list before it sends an SMS."""
    if not _set_up(deps, channel):
        return False
    address, stopped = contact.address(channel), contact.stopped(channel)
    return skip_reason(channel, address, stopped, contact.bounced(channel)) is None


def first_reachable(deps: Deps, contact: Contact, step: Step, start: int) -> Channel | None:
    """The first channel of the step, from `start` on, that `may_reach` the contact: the one
    the sender would pick, as far as is known without asking SNS. Only the sender may ask
    SNS's opt-out list, so the views of what would go (the preview, the contact page,
    send-now) judge with this."""
    return next((c for c in step.chain[start:] if may_reach(deps, contact, c)), None)


def _set_up(deps: Deps, channel: Channel) -> bool:
    """Whether the workspace can send on `channel` (WhatsApp always)."""
    return not (
        (channel == "sms" and deps.sms is None) or (channel == "email" and deps.email is None)
    )


def _passed_over(deps: Deps, contact: Contact, channel: Channel) -> str | None:
    address = contact.address(channel)
    if not _set_up(deps, channel):
        return f"not_set_up:{channel}"
    stopped = contact.stopped(channel)
    if channel == "sms" and address is not None and not stopped and deps.sms is not None:
        stopped = deps.sms.opted_out(address)
    return skip_reason(channel, address, stopped, contact.bounced(channel))


def send_elsewhere(
    deps: Deps, picked: FollowUp, contact: Contact, step: Step, now: datetime
) -> Status | None:
    """Send by SMS or email on the channel `pick` chose; the status it ended in, or None
    when another worker settled it first. TryLater when the provider could not take it
    now; ChannelRefused when it refused it (the sender then decides what comes next). An
    SMS or email the contact's fields leave blank is not sent: `skipped`, naming the field.
    One the provider took carries its price, which the stats count with its send."""
    missing = _blank(picked, contact, step)
    if missing is not None:
        reason = f"attribute_missing:{missing}"
        return Status.SKIPPED if end_unsent(deps, picked, Status.SKIPPED, reason, now) else None
    try:
        message, provider_id = _deliver(deps, picked, contact, step)
    except OutcomeUnknown:
        ended = end_unsent(deps, picked, Status.FAILED, Reason.OUTCOME_UNKNOWN, now)
        return Status.FAILED if ended else None
    except ChannelBusy as busy:
        raise TryLater(picked, f"{picked.channel}: {busy}") from busy
    priced = picked.model_copy(update={"pricing": _price(deps, picked, contact, message)})
    if not record_sent(deps, priced, message, provider_id, now) and not _bounced_first(
        deps, picked, provider_id
    ):
        # Settled meanwhile by another worker: the follow-up does not carry this send.
        line = outbound_line(picked.id, contact.id, provider_id, now, message)
        deps.contacts.add_message(line)
    return Status.SENT


def _bounced_first(deps: Deps, picked: FollowUp, provider_id: str) -> bool:
    """Whether SES's hard bounce of this email, heard before its send was recorded here,
    recorded it on the follow-up and failed it (services.email_feedback): the lead never
    got it, so no line shows it said, as none does for one recorded before its bounce."""
    found = deps.followups.followup(picked.id)
    return found is not None and found.provider_message_id == provider_id


def falls_back(deps: Deps, failed: FollowUp) -> bool:
    """Whether a message WhatsApp accepted, then reported failed, goes on its step's next
    channel (`after_failed`): a step that goes there for no reply too goes on only while
    its enrollment has yet to send it there, or when that send was planned and is sent or
    still to go (it takes over as the step's send: services.take_over), and one sent
    already takes over even when the journey ended since. Else the failed one stays the
    step's send, and its failure."""
    if _handing_over(deps, failed) is not None:
        return True
    step = _falling_back(deps, failed)
    if step is None:
        return False
    if step.fallback_when.no_reply_within is None:
        return True
    return _yet_to_go_on(deps, failed) or carried_on(deps, failed, len(step.chain))


def _yet_to_go_on(deps: Deps, failed: FollowUp) -> bool:
    """Whether `failed`'s enrollment is still at its step, yet to send it on a later
    channel: waiting for the follow-up stream to move it past `failed`'s send, or for the
    next channel's time."""
    found = deps.followups.enrollment(failed.enrollment_id) if failed.enrollment_id else None
    if found is None:
        return False
    enrollment = found.item
    return (
        enrollment.state is EnrollmentState.ACTIVE
        and (enrollment.step_index, enrollment.repeat_index)
        == (failed.step_index, failed.repeat_index)
        and enrollment.channel_index <= failed.channel_index + 1
    )


def _handing_over(deps: Deps, failed: FollowUp) -> int | None:
    """How many channels `failed`'s step has, when it went on a later one already because
    no reply came (`follows_on`), and falls back on undeliverable sends: that send takes
    over as the step's send (services.take_over), whether or not the journey ended since
    (it went before). None otherwise."""
    found = _undeliverable_step(deps, failed)
    if found is None or found[1].fallback_when.no_reply_within is None:
        return None
    channels = len(found[1].chain)
    return channels if went_on(deps, failed, channels) else None


def _falling_back(deps: Deps, failed: FollowUp) -> Step | None:
    """The step of `failed` when it falls back on undeliverable sends and has a channel
    after the one that failed (`_undeliverable_step`); else None. None too for one whose
    journey ended since its send (`_journey_over`)."""
    found = _undeliverable_step(deps, failed)
    if found is None:
        return None
    rule, step = found
    return None if _journey_over(deps, failed, rule) else step


def _undeliverable_step(deps: Deps, failed: FollowUp) -> tuple[Rule, Step] | None:
    """The rule and step of `failed` when the step falls back on undeliverable sends and
    has a channel after the one that failed; else None. None too for a message refused
    because its lead stopped marketing messages (131050): that is the lead's opt-out of the
    step's marketing message, which reaches them on no other channel either."""
    rule = deps.catalog.rule(failed.rule_id, failed.rule_version)
    if rule is None or failed.manual or failed.step_index >= len(rule.steps):
        return None
    if stopped_marketing(failed.error_code):
        return None
    step = rule.send_step(failed.step_index)
    if not step.fallback_when.undeliverable or failed.channel_index + 1 >= len(step.chain):
        return None
    return rule, step


def _journey_over(deps: Deps, failed: FollowUp, rule: Rule) -> bool:
    """Whether the journey `failed` was sent for ended since its send: its enrollment
    exited, or its lead ended it as the sender and the tick judge a step about to go (an
    exit or goal stage or event, a STOP, a reply to a rule that exits on one). Its step
    goes on no other channel then: that send would be canceled unsent, and the failed one
    stays the step's send, and its failure."""
    journey = journey_of(deps, failed)
    if journey is not None and journey.state is EnrollmentState.EXITED:
        return True
    found = deps.contacts.contact(failed.contact_id)
    if found is None:
        return False
    settings = deps.catalog.settings()
    stop = must_stop(found.item, rule, failed.silence_key, settings, deps.clock.now())
    return stop is not None and not stop.gated


def after_failed(deps: Deps, failed: FollowUp, at: datetime) -> bool:
    """WhatsApp accepted a message, then reported it failed: send its step on the next
    channel, when the step falls back on undeliverable sends. A fallback planned for no
    reply is brought forward to now, or, planned already, takes over as the step's send
    (services.take_over); otherwise a follow-up of its own is queued now. True when one
    was planned or took over. Refused because the lead stopped marketing messages (131050), it
    goes on no other channel, and a fallback planned for no reply is dropped."""
    if stopped_marketing(failed.error_code):
        _past_channels(deps, failed, at)
        return False
    channels = _handing_over(deps, failed)
    if channels is not None:
        return take_over_from(deps, failed, channels, at)
    step = _falling_back(deps, failed)
    if step is None:
        return False
    following = failed.channel_index + 1
    if step.fallback_when.no_reply_within is not None:
        return _bring_forward(deps, failed, following, at)
    why = f"{failed.channel}: {failed.reason}"
    fallback = FollowUp(
        id=fallback_followup_id(failed.id),
        contact_id=failed.contact_id,
        rule_id=failed.rule_id,
        rule_version=failed.rule_version,
        step_index=failed.step_index,
        repeat_index=failed.repeat_index,
        channel=step.chain[following],
        channel_index=following,
        skipped_channels=[*failed.skipped_channels, why],
        silence_key=failed.silence_key,
        created_at=at,
        scheduled_at=at,
        wake_at=at,
        queued_at=at,
        history=[StatusChange(status=Status.QUEUED, at=at, reason=why)],
    )
    try:
        commit_passing_slot(deps, [NewFollowUp(fallback)], failed, fallback, at)
    except CommitRejected:
        return False  # planned already (the same report delivered twice)
    return True


def _bring_forward(deps: Deps, failed: FollowUp, following: int, at: datetime) -> bool:
    """The enrollment waits to send this step on the next channel if no reply comes: now.

    A report that comes before the follow-up stream moved the enrollment past the send
    applies that move first (sent_stream.record; the stream's record then finds it done)."""
    sent_stream.record(deps, failed)
    found = deps.followups.enrollment(failed.enrollment_id) if failed.enrollment_id else None
    if found is None:
        return False
    enrollment = found.item
    waiting = (
        enrollment.state is EnrollmentState.ACTIVE
        and (enrollment.step_index, enrollment.repeat_index)
        == (failed.step_index, failed.repeat_index)
        and enrollment.channel_index == following
        and enrollment.next_due_at is not None
        and enrollment.next_due_at > at
    )
    if not waiting:
        return False
    sooner = enrollment.model_copy(update={"next_due_at": at})
    try:
        deps.commit([EnrollmentChange(sooner, found.revision, enrollment)], at)
    except CommitRejected:
        return False
    return True


def _past_channels(deps: Deps, failed: FollowUp, at: datetime) -> None:
    """The enrollment waits to send this step on a next channel if no reply comes: it goes
    on past the step's channels instead, as after a reply. Left as it is when it moved on
    or ended meanwhile (a report heard again finds it so)."""
    sent_stream.record(deps, failed)
    found = deps.followups.enrollment(failed.enrollment_id) if failed.enrollment_id else None
    contact = deps.contacts.contact(failed.contact_id)
    rule = deps.catalog.rule(failed.rule_id, failed.rule_version)
    if found is None or contact is None or rule is None:
        return
    enrollment = found.item
    waiting = (
        enrollment.state is EnrollmentState.ACTIVE
        and (enrollment.step_index, enrollment.repeat_index)
        == (failed.step_index, failed.repeat_index)
        and enrollment.channel_index > failed.channel_index
    )
    if not waiting:
        return
    onward = past_fallbacks(enrollment, rule, contact.item, deps.catalog.settings())
    with suppress(CommitRejected):
        deps.commit([EnrollmentChange(onward, found.revision, enrollment)], at)


def _blank(followup: FollowUp, contact: Contact, step: Step) -> str | None:
    """The field the step's SMS text or email body goes blank without, for `contact`."""
    written = step.email.body if followup.channel == "email" and step.email else step.text
    return blank_text(written or "", render_text(written or "", contact)) if written else None


def _price(deps: Deps, sent: FollowUp, contact: Contact, message: RenderedMessage) -> Pricing:
    """What SNS or SES bills for the message it took, at the workspace's prices."""
    if sent.channel == "sms":
        card = deps.catalog.settings().rate_card()
        return sms_pricing(contact.address("sms") or "", message.text or "", card)
    return email_price(deps)


def email_price(deps: Deps) -> Pricing:
    """What SES bills for an email it took, at the workspace's prices: the same whatever
    the email says, so known from SES's event about one nobody recorded sent too."""
    return email_pricing(deps.catalog.settings().rate_card())


def _deliver(
    deps: Deps, followup: FollowUp, contact: Contact, step: Step
) -> tuple[RenderedMessage, str]:
    """Hand the step's SMS text or email to its provider (a channel `pick` chose)."""
    address = contact.address(followup.channel)
    if followup.channel == "sms" and deps.sms is not None and address and step.text:
        text = fit_sms(render_text(step.text, contact))
        with handing_over(ChannelRefused, ChannelBusy):
            sent = deps.sms.send(address, text)
        return RenderedMessage(kind="sms", text=text), sent
    if followup.channel == "email" and deps.email is not None and address and step.email:
        subject = one_line(render_text(step.email.subject, contact))
        body = render_text(step.email.body, contact)
        outbound = OutboundEmail(
            to=address,
            subject=subject,
            body=body,
            unsubscribe_for=contact.id,
            followup_id=followup.id,
        )
        with handing_over(ChannelRefused, ChannelBusy):
            sent = deps.email.send(outbound)
        return RenderedMessage(kind="email", subject=subject, text=body), sent
    raise ChannelRefused(f"cannot send {followup.channel} from this step")
