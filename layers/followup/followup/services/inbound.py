"""Messages in the conversation: a contact's reply resets cadence, an opt-out ends it."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from hashlib import sha256
from typing import TYPE_CHECKING
from uuid import uuid4
from zoneinfo import ZoneInfo

from followup.domain.ai import AiUnavailable
from followup.domain.contact import Contact, Speaker, StageClaim
from followup.domain.conversation import Direction, Message, MessageIntent, Referral
from followup.domain.enrollment import Enrollment, EnrollmentState
from followup.domain.followup import FollowUp, Reason, Status
from followup.domain.intent import Detected, Intent
from followup.domain.localtime import to_utc, utc
from followup.domain.optout import is_opt_out, said_besides
from followup.domain.replies import WRONG_NUMBER_BY, Reading, read_reply
from followup.domain.rule import Rule, Step
from followup.domain.stamps import heard_after, may_follow
from followup.domain.triggers import IntentTrigger
from followup.domain.webhook_events import Identity
from followup.loading import loading
from followup.services.callbacks import (
    SCHEDULED,
    asked_by,
    booked_for,
    plan_follow_up,
    schedule,
    stand_through,
    still_to_come,
)
from followup.services.channels import may_reach
from followup.services.contacts import create_contact, find_contact, update_contact
from followup.services.conversations import CONTACT
from followup.services.planning import why_ended
from followup.services.ports import CommitRejected, EnrollmentChange, FollowUpChange
from followup.services.settle import end_unsent

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence, Set

    from followup.domain.ai_classify import Classified
    from followup.domain.channels import Channel
    from followup.domain.settings import WorkspaceSettings
    from followup.services.deps import Deps

log = logging.getLogger(__name__)


_REPEAT_LINES = 50
"""How many of the conversation's latest lines a repeated message is looked for among."""
TOLD_AGAIN_WITHIN = timedelta(minutes=5)
"""A line another system tells without its time or an id, told again this soon with the
same words by the same speaker, is the same line (a CRM posting again after losing its
answer); the same words later are a new line."""
_TRIES = 5
"""How often a follow-up that keeps moving meanwhile is read again to settle it."""


@dataclass(frozen=True)
class InboundResult:
    contact_id: str
    created: bool
    opted_out: bool
    responded: int
    canceled: int
    ai_read: bool | None = None
    """True when the AI's reading was used, False when the rules' was kept instead of it,
    None when the AI was not asked."""
    ai_input_tokens: int = 0
    ai_output_tokens: int = 0
    ai_cost_usd: float = 0.0


def record_inbound(
    deps: Deps,
    sender: str | Identity,
    text: str,
    at: datetime,
    message_id: str | None = None,
    name: str = "",
    *,
    referral: Referral | None = None,
    read_before: MessageIntent | None = None,
    number: str | None = None,
    worded: bool = True,
    kind: str | None = None,
) -> InboundResult:
    """The contact wrote: record it, then answer sent follow-ups and cancel queued ones.

    `number` is the business number written to: the contact is tied to the number of
    their latest message. Safe to repeat for the same message: every effect is
    conditional on the current state and bounded by the message's own time, so a late
    duplicate changes nothing. `read_before` is the reading the message got when it was
    first heard (by a contact since folded into this one): its intent is acted on again
    without asking the AI twice. So is a message WhatsApp delivers again: read as it was
    recorded the first time, it plans the same follow-ups, which exist already. One that
    planned none then (no rule followed its intent up, a call back was still to come)
    plans none now: a call back or busy heard months ago on a contact since folded in is
    not followed up today by a rule made since. A message that is not `worded` (a call, a
    photo without a caption: a `[kind]` marker; a reaction's emoji) is read as `other`, by
    neither the rules nor the AI; a 🛑 reaction still opts out. `kind` is what WhatsApp says
    was sent (`image`, `audio`, `order`...), kept with the line so the app can say it.
    """
    identity = Identity(sender) if isinstance(sender, str) else sender
    settings = deps.catalog.settings()
    stop = is_opt_out(text, extra_keywords=settings.opt_out_keywords)
    # A STOP stops every channel, unless the workspace lets it stop WhatsApp alone.
    stops_all = stop and settings.whatsapp_stop_stops_all
    existing = find_contact(deps, identity.wa_id, identity.user_id)
    created = existing is None
    if existing is None:
        known = create_contact(
            deps, wa_id=identity.wa_id, user_id=identity.user_id, name=name, at=at
        )
    else:
        known = existing.item
    contact_id = known.id
    repeated = None if created else _heard_before(deps, known, at, message_id)
    if repeated is not None:
        read_before = repeated.intent  # delivered again: acted on as it was first read
    asked = read_before is None and repeated is None
    line_id = message_id or uuid4().hex
    reading: Reading | None = None
    if asked or read_before is not None:
        reading = _read(deps, text, at, known, settings, read_before, worded=worded)
    follow_up: list[Enrollment] = []
    planned_none = (
        None if read_before is None or read_before.effect_code == SCHEDULED else read_before
    )
    if reading is not None and reading.follow_up is not None and planned_none is not None:
        reading = _as_first_read(reading, planned_none)
    elif reading is not None:
        now = deps.clock.now()
        reading, follow_up = plan_follow_up(deps, reading, known, line_id, at, now, stop)
    line_at = _line_at(known, deps.followups.followups_of(contact_id), at)
    deps.contacts.add_message(
        Message(
            id=line_id,
            contact_id=contact_id,
            at=at,
            direction=Direction.INBOUND,
            speaker=Speaker.CONTACT,
            text=text,
            kind=kind,
            referral=referral,
            intent=reading.record if reading else None,
            placed_at=line_at if line_at != at else None,
        )
    )

    placed = at
    """Where the message falls in the conversation, as the contact written records it."""

    def heard(contact: Contact) -> Contact:
        nonlocal placed
        new = contact.last_inbound_at is None or at > contact.last_inbound_at
        # Heard after what we recorded in its second, it answers that; a repeat stays put.
        placed = contact.heard_at(at) if new else at
        contact = contact.with_conversation(True, placed, CONTACT)
        update: dict[str, object] = {}
        if new:
            update["last_inbound_at"] = at
        if number and (contact.last_inbound_at is None or at >= contact.last_inbound_at):
            update["phone_number_id"] = number
        if contact.last_activity_at is None or placed >= contact.last_activity_at:
            update |= {"last_activity_at": placed, "last_speaker": Speaker.CONTACT}
        if name and not contact.name:
            update["name"] = name
        if identity.wa_id and not contact.wa_id:
            update["wa_id"] = identity.wa_id
        if identity.user_id and not contact.user_id:
            update["user_id"] = identity.user_id
        if stops_all and not contact.opted_out:
            update |= {"opted_out": True, "opted_out_at": at}
        if stops_all and contact.opted_out_by != CONTACT:
            update["opted_out_by"] = CONTACT  # their own word: no one else may undo it
        if stop:
            contact = contact.with_channel_stopped("whatsapp", at)
        if reading and reading.suppress_marketing:
            contact = contact.with_marketing(True, at)
        claimed = reading.record.suggested_stage if reading else None
        if new and claimed:
            update["claimed_stage"] = StageClaim(stage=claimed, at=at)
        booked = booked_for(reading, follow_up) if new else None
        if booked is not None:
            update["call_back_at"] = booked
        if reading and reading.stops_all and not contact.opted_out:
            update |= {"opted_out": True, "opted_out_at": at, "opted_out_by": WRONG_NUMBER_BY}
        return contact.model_copy(update=update)

    # A silence it starts enrolls as it is written.
    contact = update_contact(deps, contact_id, heard, at)
    ends = reading.ends if reading else None
    # Read again once the contact holds the message: a tick that planned a follow-up before
    # then did not see the reply, and this read finds it.
    followups = deps.followups.followups_of(contact_id)
    # A STOP that stops WhatsApp alone leaves what goes on other channels as it is.
    only: Channel | None = "whatsapp" if stop and not stops_all else None
    heard_id = line_id if asked else None
    keeps = not stop and (reading is None or reading.keeps_call_back)
    replaces = not stop and reading is not None and reading.follow_up is Intent.CALL_BACK_AT
    over, stands = _end_enrollments(
        deps, contact_id, stop, at, placed, ends, only, heard_id, (keeps, replaces)
    )
    responded, canceled = _settle_followups(
        deps, followups, stop, at, ends, only, over, stands, contact
    )
    schedule(deps, follow_up, deps.clock.now())
    record = reading.record if reading and asked else None
    if record is None or (record.source == "rules" and record.ai_fallback is None):
        return InboundResult(contact_id, created, stop, responded, canceled)
    return InboundResult(
        contact_id,
        created,
        stop,
        responded,
        canceled,
        ai_read=record.source == "ai",
        ai_input_tokens=record.input_tokens or 0,
        ai_output_tokens=record.output_tokens or 0,
        ai_cost_usd=record.cost_usd or 0.0,
    )


def _as_first_read(reading: Reading, before: MessageIntent) -> Reading:
    """`reading` of a message heard before, asking for a follow-up it did not get then,
    with the effect its first reading recorded (why nothing was scheduled)."""
    said = {"effect": before.effect, "effect_code": before.effect_code}
    return replace(reading, record=reading.record.model_copy(update=said))


def _heard_before(
    deps: Deps, contact: Contact, at: datetime, message_id: str | None
) -> Message | None:
    """The message as recorded when it was first heard, when this is WhatsApp delivering
    it again (its 200 lost, or the POST answered 5xx for another event in it); else None.
    Only a message no later than the last one heard can be a repeat: its line is looked
    for among the conversation's latest ones."""
    heard_at = contact.last_inbound_at
    if message_id is None or heard_at is None or at > heard_at:
        return None
    lines = deps.contacts.recent_messages(contact.id, _REPEAT_LINES)
    return next((m for m in lines if m.id == message_id and m.direction is Direction.INBOUND), None)


def _read(
    deps: Deps,
    text: str,
    at: datetime,
    contact: Contact,
    settings: WorkspaceSettings,
    before: MessageIntent | None = None,
    *,
    worded: bool = True,
) -> Reading | None:
    """The reply's intent, read in the contact's zone as of when it was written: by Claude
    when a key is set and the workspace's AI is on, else (or when its answer is unusable)
    by the rules. None for a reply that is only an opt-out, handled by keyword; of one
    that closes or opens with a request to stop, Claude reads only what it says besides."""
    said = said_besides(text, settings.opt_out_keywords)
    if not settings.intents.enabled or not said.strip():
        return None
    if before is not None:
        again = Detected(before.intent, before.confidence, before.source, before.at, before.local)
        return read_reply(again, settings, contact.stage)
    if not worded:  # a marker or a reaction: "[call]" is no request to be called back
        return read_reply(Detected(Intent.OTHER, 0.0), settings, contact.stage)
    zone = contact.zone(settings.zone)
    with loading():  # the reply rules compile their patterns as they load: a reply's alone
        from followup.domain.intents import classify
    try:
        detected = classify(text, at, zone, opt_out_keywords=settings.opt_out_keywords)
    except Exception:
        # A reply the rules fail on is still heard: recorded, and ending what it ends, read
        # as nothing; logged without its text, so the failure is seen and fixed.
        log.exception("the rules could not read a reply", extra={"contact_id": contact.id})
        detected = Detected(Intent.OTHER, 0.0)
    if deps.classifier is None or not settings.ai.enabled:
        return read_reply(detected, settings, contact.stage)
    answer = deps.classifier.classify(said, at.astimezone(zone))
    usage = answer.usage
    spent: dict[str, object] = {}
    if usage is not None:
        spent = {
            # what the sender's writing counts too: the prompt written to the cache is read
            "input_tokens": usage.input_tokens + usage.cache_creation_input_tokens,
            "output_tokens": usage.output_tokens,
            "cost_usd": usage.cost_usd,
        }
    if isinstance(answer, AiUnavailable):
        reading = read_reply(detected, settings, contact.stage)
        update = spent | {"ai_fallback": str(answer)}
        return replace(reading, record=reading.record.model_copy(update=update))
    reading = read_reply(_detected(answer.answer, zone), settings, contact.stage)
    return replace(reading, record=reading.record.model_copy(update=spent))


def _detected(answer: Classified, zone: ZoneInfo) -> Detected:
    """The AI's reading as the rules would give it; a time only for `call_back_at`."""
    if answer.intent is not Intent.CALL_BACK_AT or answer.local_time is None:
        return Detected(answer.intent, answer.confidence, "ai")
    local = datetime.fromisoformat(answer.local_time)
    return Detected(answer.intent, answer.confidence, "ai", to_utc(local, zone), answer.local_time)


def record_outbound(
    deps: Deps,
    contact_id: str,
    speaker: Speaker,
    text: str,
    at: datetime,
    *,
    ref: str | None = None,
    dated: bool = True,
) -> None:
    """A counsellor (agent) or other automation (system) wrote to the contact. Told again
    (a bus delivering twice, a sender posting the same line with the same time), it is still
    one line in the conversation: a line the sender names by its own `ref` is known by it
    whenever it comes again; one told without its time (not `dated`) nor a ref is the same
    words by the same speaker told within `TOLD_AGAIN_WITHIN` of a line recorded so. Told
    again, it finishes what the first telling began, at the first telling's time."""
    earlier = _told_before(deps, contact_id, speaker, text, at, ref) if ref or not dated else None
    at = earlier.at if earlier is not None else at
    deps.contacts.add_message(
        Message(
            id=_outbound_line_id(contact_id, speaker, text, at, ref),
            contact_id=contact_id,
            at=at,
            direction=Direction.OUTBOUND,
            speaker=speaker,
            text=text,
        )
    )

    def spoke(contact: Contact) -> Contact:
        # A line heard late moves no time back: the gap after the newest line still holds.
        update: dict[str, object] = {"last_outbound_at": _latest(contact.last_outbound_at, at)}
        if speaker is Speaker.AGENT:
            update["last_agent_at"] = _latest(contact.last_agent_at, at)
        if contact.last_activity_at is None or at >= contact.last_activity_at:
            update |= {"last_activity_at": at, "last_speaker": speaker}
        return contact.model_copy(update=update)

    update_contact(deps, contact_id, spoke, at)  # a silence it moves enrolls as it is written


def _latest(stored: datetime | None, at: datetime) -> datetime:
    return at if stored is None else max(stored, at)


def _told_before(
    deps: Deps, contact_id: str, speaker: Speaker, text: str, at: datetime, ref: str | None
) -> Message | None:
    """The line recorded when this one was first told, looked for among the conversation's
    latest lines: the line of the same `ref`, or without one, the same words by the same
    speaker (not a follow-up's) recorded at most `TOLD_AGAIN_WITHIN` before `at`."""
    lines = deps.contacts.recent_messages(contact_id, _REPEAT_LINES)
    if ref is not None:
        line_id = _outbound_line_id(contact_id, speaker, text, at, ref)
        return next((m for m in lines if m.id == line_id), None)
    return next(
        (
            m
            for m in lines
            if m.direction is Direction.OUTBOUND
            and m.followup_id is None
            and (m.speaker, m.text) == (speaker, text)
            and at - TOLD_AGAIN_WITHIN <= m.at <= at
        ),
        None,
    )


def _outbound_line_id(
    contact_id: str, speaker: Speaker, text: str, at: datetime, ref: str | None
) -> str:
    """The same id for the same line told again: the sender's own ref for it, else who
    wrote what to whom, and when."""
    said = [contact_id, speaker.value, text, utc(at).isoformat()]
    if ref is not None:
        said = [contact_id, speaker.value, "ref", ref]
    return sha256(json.dumps(said).encode()).hexdigest()[:32]


def _line_at(contact: Contact, followups: Sequence[FollowUp], at: datetime) -> datetime:
    """Where the contact's message stamped `at`, heard now, falls among the lines of the
    conversation: just after what we recorded (the contact's own account, see
    `Contact.heard_at`) and what we sent within its second; a late one at its stamp."""
    if contact.last_inbound_at is not None and at <= contact.last_inbound_at:
        return at
    return max(contact.heard_at(at), heard_after(at, [f.sent_at for f in followups]))


def _settle_followups(
    deps: Deps,
    followups: Sequence[FollowUp],
    stop: bool,
    at: datetime,
    ends: str | None,
    only: Channel | None,
    over: Mapping[str, str],
    stands: Set[str],
    contact: Contact,
) -> tuple[int, int]:
    """Of the contact's `followups`, sent ones within the attribution window → responded;
    queued ones → canceled (all of them when the reply `ends` the contact's follow-ups, and
    those of a journey that is `over`, with the reason it ended for, so none holds the
    contact's slot for a journey that will not send it), but for a call back that `stands`
    through the reply. A STOP for `only` one channel
    settles that channel's alone, and of those still to go only the ones with no later
    channel that may reach the `contact` (as the STOP left them). A step's send the reply
    came too late for (expired, or past its window) takes the answer of the send that
    followed on it on a later channel (`_followed_on`): the lead answered the step."""
    attribution = deps.catalog.settings().attribution_window.approx().total_seconds()
    responded = canceled = 0
    for followup in followups:
        if only is not None and not _stopped_with(deps, followup, only, contact):
            continue
        if followup.status.unsent and followup.enrollment_id in stands:
            continue
        journey_over = over.get(followup.enrollment_id or "")
        later = [
            f
            for f in _followed_on(followup, followups)
            if only is None or _stopped_with(deps, f, only, contact)
        ]
        settled = _settle(deps, followup, stop, at, attribution, ends, journey_over, later)
        if settled is None:
            continue
        if settled.status.unsent:
            canceled += 1
        else:
            responded += 1
    return responded, canceled


def _followed_on(followup: FollowUp, followups: Sequence[FollowUp]) -> list[FollowUp]:
    """The sends that followed on `followup`, a step's send, on its step's later channels
    because no reply came to it (`follows_on`): they carry its message, and it counts their
    answer. None for one that is no step's send."""
    if followup.follows_on or followup.enrollment_id is None:
        return []
    step = (followup.enrollment_id, followup.step_index, followup.repeat_index)
    return [
        f
        for f in followups
        if f.follows_on
        and (f.enrollment_id, f.step_index, f.repeat_index) == step
        and f.channel_index > followup.channel_index
    ]


def _stopped_with(deps: Deps, followup: FollowUp, channel: Channel, contact: Contact) -> bool:
    """Whether a STOP of `channel` alone settles `followup`: one on that channel, unless it
    is still to go and a later channel of its step may reach the contact. That one is left
    to the sender, which passes over the stopped channel, as it does for a step queued
    after the STOP."""
    if followup.channel != channel:
        return False
    if not followup.status.unsent:
        return True
    rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
    if rule is None:
        return True
    steps = rule.steps
    step = steps[followup.step_index] if followup.step_index < len(steps) else None
    later = step.chain[followup.channel_index + 1 :] if isinstance(step, Step) else []
    return not any(may_reach(deps, contact, other) for other in later)


def _settle(
    deps: Deps,
    followup: FollowUp,
    stop: bool,
    at: datetime,
    attribution_seconds: float,
    ends: str | None,
    journey_over: str | None,
    later: Sequence[FollowUp] = (),
) -> FollowUp | None:
    """Settle one follow-up; the copy it settled from, or None when there was nothing to
    settle. One that moved meanwhile is read again and judged as it stands now: the expire
    tick that expired it a moment ago leaves a reply written before its expiry to answer it
    (`_expired_before`); one the sender claimed is left to the sender, which finds the
    reply before it sends. `later` are the sends that followed on it (`_followed_on`), as
    they stood before the reply. A STOP answering one the lead replied to already leaves
    it `responded` and marks it stopped (`_stops_after_reply`), which settles nothing."""
    current: FollowUp | None = followup
    for _ in range(_TRIES):
        if current is None:
            return None
        target = _settled(deps, current, stop, at, attribution_seconds, ends, journey_over)
        if target is None and _answers_later(current, later, stop, at, attribution_seconds):
            target = (Status.OPTED_OUT, Reason.OPTED_OUT) if stop else (Status.RESPONDED, "")
        if target is None:
            if not (stop and _stops_after_reply(current, later, at, attribution_seconds)):
                return None
            if _marked_stopped(deps, current, at):
                return None
            current = deps.followups.followup(current.id)
            continue
        status, reason = target
        if _ended(deps, current, status, reason, at, running=journey_over is None):
            return current
        current = deps.followups.followup(current.id)
    return None


def _ended(
    deps: Deps, followup: FollowUp, status: Status, reason: str, at: datetime, *, running: bool
) -> bool:
    """End `followup` as `status`; False when it moved meanwhile. One still to go of a
    journey that may be `running` ends with it, as any follow-up ended unsent does
    (`end_unsent`): a journey that went on would wait for ever on a step that will not go.
    Any other is written alone."""
    if followup.status.unsent and followup.enrollment_id and running:
        return end_unsent(deps, followup, status, reason, at)
    try:
        deps.commit([FollowUpChange(followup.ended(status, at, reason), followup.status)], at)
    except CommitRejected:
        return False
    return True


def _settled(
    deps: Deps,
    followup: FollowUp,
    stop: bool,
    at: datetime,
    attribution_seconds: float,
    ends: str | None,
    journey_over: str | None,
) -> tuple[Status, str] | None:
    if followup.status.unsent:
        if not may_follow(at, followup.created_at):
            return None  # planned after this message: a late duplicate must not cancel it
        if stop:
            return Status.OPTED_OUT, Reason.OPTED_OUT
        if ends:
            return Status.CANCELED, ends
        rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
        if rule is None or rule.exit.on_reply:
            return Status.CANCELED, Reason.REPLIED
        if journey_over is not None:
            return Status.CANCELED, journey_over
        return None
    if not _answered(followup, at, attribution_seconds):
        return None
    return (Status.OPTED_OUT, Reason.OPTED_OUT) if stop else (Status.RESPONDED, "")


def _answered(followup: FollowUp, at: datetime, attribution_seconds: float) -> bool:
    """Whether a message stamped `at` answers `followup`'s send: written after it, within
    its attribution window, while it waited for its answer (or before it expired)."""
    answerable = followup.status.outbound or _expired_before(followup, at)
    return answerable and _within(followup, at, attribution_seconds)


def _within(followup: FollowUp, at: datetime, attribution_seconds: float) -> bool:
    """Whether a message stamped `at` was written after `followup`'s send, within its
    attribution window."""
    sent_at = followup.sent_at
    if sent_at is None or not may_follow(at, sent_at):
        return False
    return (at - sent_at).total_seconds() <= attribution_seconds


def _stops_after_reply(
    followup: FollowUp, later: Sequence[FollowUp], at: datetime, attribution_seconds: float
) -> bool:
    """Whether a STOP stamped `at` answers `followup`, which the lead replied to already:
    within its attribution window (or that of a send that followed on it, whose answer it
    took), and the first such STOP. The follow-up stays `responded`, a reply came, and its
    rule counts the opt-out too (services.stats): a lead who asks "who is this?" and then
    stops is an opt-out of that rule all the same. A send that followed on another carries
    no outcome of its own: the step's send it followed on takes the mark."""
    if followup.status is not Status.RESPONDED or followup.follows_on:
        return False
    if followup.stopped_after_reply_at is not None:
        return False
    return any(_within(f, at, attribution_seconds) for f in (followup, *later))


def _marked_stopped(deps: Deps, followup: FollowUp, at: datetime) -> bool:
    """Mark `followup` stopped after its reply, as of `at`; False when the stored copy is no
    longer as read (no longer `responded`, or converted or priced since): read it again, so
    the mark never writes away what landed meanwhile. The stats count the mark once, when a
    copy without it is replaced by one with it, so two STOPs heard at once count one
    opt-out."""
    marked = followup.model_copy(update={"stopped_after_reply_at": at})
    unpriced = followup.pricing is None
    change = FollowUpChange(marked, Status.RESPONDED, moves=followup.moves, unpriced=unpriced)
    try:
        deps.commit([change], at)
    except CommitRejected:
        return False
    return True


def _answers_later(
    followup: FollowUp,
    later: Sequence[FollowUp],
    stop: bool,
    at: datetime,
    attribution_seconds: float,
) -> bool:
    """Whether a message stamped `at`, too late to answer `followup` (a step's send, sent
    and unanswered), answers a send that followed on it (or did, when heard before): that
    answer is the step's, and `followup` carries the step's outcome in the stats, so it
    takes it (from `expired` too), and the step counts it once."""
    if not (followup.status.outbound or followup.status is Status.EXPIRED):
        return False
    answer = Status.OPTED_OUT if stop else Status.RESPONDED
    return any(
        _answered(f, at, attribution_seconds) or (f.status is answer and f.history[-1].at == at)
        for f in later
    )


def _expired_before(followup: FollowUp, at: datetime) -> bool:
    """Expired after a message stamped `at` was written: heard late (WhatsApp's webhook
    retried, or ours was down), the answer counts as it would have on time."""
    if followup.status is not Status.EXPIRED:
        return False
    expired_at = next(
        (c.at for c in reversed(followup.history) if c.status is Status.EXPIRED), None
    )
    return expired_at is not None and at < expired_at


def _end_enrollments(
    deps: Deps,
    contact_id: str,
    stop: bool,
    at: datetime,
    placed: datetime,
    ends: str | None,
    only: str | None,
    heard: str | None,
    call_backs: tuple[bool, bool],
) -> tuple[dict[str, str], set[str]]:
    """A reply stamped `at`, which the contact places at `placed` in the conversation, ends
    the enrollments that exit on reply; an opt-out or a reply that `ends` the follow-ups
    (not interested, done) ends them all; a reply that breaks a silence before it crossed
    the idle time ends the journey enrolled ahead for it, whatever its exit. An opt-out for
    `only` one channel ends only the journeys that reach the contact on no other channel.
    `heard` is the message's id when it is heard for the first time: it also answers a
    call back (or busy) another message stamped the same second asked for before it, as a
    later message would. `call_backs`: whether the reply keeps a call back still to come,
    and whether it replaces one. A reply that keeps it (it neither ends the follow-ups nor
    asks for another time) leaves it running, answering only what comes after the reply,
    its step's follow-up too when it is queued: a lead often writes several short lines in
    a row. One that asks for another time ends it `replied`, also in a rule a reply does
    not end (one that branches on replies).

    Returns the contact's journeys that are over (ended now, or found ended) by id, with
    why each ended: their follow-ups still to go are ended with them; and the call backs
    that stand through the reply."""
    over: dict[str, str] = {}
    stands: set[str] = set()
    keeps, replaces = call_backs
    enrollments = deps.followups.enrollments_of(contact_id)
    to_come = keeps or replaces
    waiting = still_to_come(deps, contact_id, (e.item for e in enrollments)) if to_come else set()
    for enrollment_v in enrollments:
        enrollment = enrollment_v.item
        why = why_ended(enrollment)
        if why is not None:
            over[enrollment.id] = why
            continue
        if not may_follow(at, enrollment.enrolled_at):
            continue
        began = datetime.fromisoformat(enrollment.silence_key)
        rule = deps.catalog.rule(enrollment.rule_id, enrollment.rule_version)
        earlier = (
            heard is not None
            and rule is not None
            and isinstance(rule.trigger, IntentTrigger)
            and not asked_by(enrollment, heard)
        )
        if ((began in (at, placed) and not earlier) or not may_follow(at, began)) and not stop:
            # A silence this message began (a call back it asked for, or the contact's own
            # silence, which starts where the message is placed), or one begun a second or
            # more after its stamp: not answered. Another begun in its second is, and so is
            # what an earlier message of the same stamp asked for.
            continue
        replaced = replaces and enrollment.id in waiting
        if keeps and enrollment.id in waiting:
            stand_through(deps, contact_id, enrollment.id, placed, at)
            stands.add(enrollment.id)
            continue
        if only is not None and rule is not None and _reaches_beyond(rule, only):
            continue
        # Enrolled ahead of its silence crossing the idle time, which this message broke
        # first: its trigger never came true (`journey.broke_early`).
        early = (
            rule is not None and rule.idle is not None and placed < began + rule.idle.idle.approx()
        )
        if not (stop or ends or early or replaced) and rule is not None and not rule.exit.on_reply:
            continue
        broken = Reason.SILENCE_BROKEN if early else Reason.REPLIED
        reason = Reason.OPTED_OUT if stop else ends or broken
        try:
            deps.commit(
                [
                    EnrollmentChange(
                        enrollment.end(reason, EnrollmentState.EXITED),
                        enrollment_v.revision,
                        enrollment,
                    )
                ],
                at,
            )
        except CommitRejected:
            continue  # a tick advanced it meanwhile; its next step re-checks the reply
        over[enrollment.id] = reason
    return over, stands


def _reaches_beyond(rule: Rule, channel: str) -> bool:
    """Whether any of `rule`'s sends, fallbacks included, goes on another channel."""
    return any(
        other != channel for step in rule.steps if isinstance(step, Step) for other in step.chain
    )
