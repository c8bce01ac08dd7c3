"""What WhatsApp tells us, applied: replies and opt-outs, a changed number or user id,
delivery statuses, marketing preferences and number quality. Each effect is conditional,
so a repeated delivery changes nothing the second time."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING

from followup.domain.contact import Speaker
from followup.domain.errors import InvalidTransition
from followup.domain.followup import TRANSITIONS, FollowUp, Reason, Status, StatusChange
from followup.domain.gating import unreached_send
from followup.domain.ids import resend_followup_id
from followup.domain.numbers import (
    AGENT_TOOK_OVER_CODE,
    NumberHealth,
    failure_code,
    quality_code,
)
from followup.domain.phones import international_digits
from followup.domain.stamps import may_follow
from followup.domain.templates import (
    TemplateCategoryChange,
    TemplateQualityChange,
    TemplateStatusChange,
)
from followup.domain.webhook_events import (
    AgentStandby,
    AgentWrote,
    DeliveryState,
    DeliveryStatus,
    Identity,
    IdentityChange,
    InboundMessage,
    MarketingPreference,
    MessagingTier,
    NumberQuality,
    Unhandled,
    Unreadable,
    WebhookEvent,
)
from followup.domain.whatsapp import (
    Disposition,
    ProviderFailure,
    refused_template_status,
    reported_failure,
    stopped_marketing,
)
from followup.services import settings as workspace
from followup.services.channels import after_failed, falls_back
from followup.services.contacts import choose_marketing, find_contact, update_contact
from followup.services.goals import converted_meanwhile
from followup.services.identity import relink
from followup.services.inbound import record_inbound, record_outbound
from followup.services.messaging_limit import set_tier
from followup.services.pausing import pause_number, release
from followup.services.planning import commit_passing_slot
from followup.services.ports import Change, CommitRejected, FollowUpChange, NewFollowUp
from followup.services.resend import SKIPPING, resend
from followup.services.templates import apply_event, refused_by_whatsapp

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.services.deps import Deps

log = logging.getLogger(__name__)

AGENT_TOOK_OVER = (
    "Meta Business Agent took over this number's chats (WhatsApp sends standby webhooks):"
    " automation is paused; turn the agent off, then resume the number"
)
_RANK = {Status.SENT: 1, Status.DELIVERED: 2, Status.READ: 3}
_UNDELIVERED = frozenset({Status.FAILED, Status.SKIPPED})
_REACHED = frozenset({Status.DELIVERED, Status.READ, Status.RESPONDED})
"""Statuses a follow-up reaches only once its message was delivered."""


class NotYetRecorded(Exception):
    """A status arrived before the sender recorded its send: answer 5xx so it comes again."""


@dataclass(frozen=True)
class Applied:
    """What one delivery did: events counted by outcome, and what reading replies cost."""

    outcome: Counter[str]
    ai_classify_cost_usd: float

    @property
    def again(self) -> bool:
        """Whether the provider must deliver it again (answered 5xx): a status in it came
        ahead of its send's record. The rest of it is applied already, and changes nothing
        when it comes again."""
        return self.outcome["status_early"] > 0


def apply(deps: Deps, events: list[WebhookEvent], received_at: datetime) -> Applied:
    """Apply every event of one delivery; returns what happened, for logs and metrics."""
    outcome: Counter[str] = Counter()
    cost = 0.0
    for event in events:
        try:
            cost += _apply_one(deps, event, received_at, outcome)
        except NotYetRecorded as early:
            # Only this status waits for its send's record; the others are heard now (a
            # STOP beside it must stop the next send), and heard again change nothing.
            log.info("status ahead of its send record", extra={"followup_id": str(early)})
            outcome["status_early"] += 1
        except InvalidTransition as refused:
            # A move its follow-up can no longer make: stale, as a late status is. A 5xx
            # would have the provider deliver the whole POST again for days, and every
            # other event in it (a STOP among them) would never be heard.
            kind = type(event).__name__
            log.warning("webhook event stale", extra={"event": kind, "error": str(refused)})
            outcome["status_stale" if isinstance(event, DeliveryStatus) else "stale"] += 1
    return Applied(outcome, cost)


def _agent_wrote(deps: Deps, event: AgentWrote) -> str:
    """A counsellor's message from the WhatsApp Business app: their line in the contact's
    conversation, the agent now the last to speak (told again, still one line). A message
    to a number no contact has is to someone the business talks to apart from its leads (a
    supplier, a friend): no contact is made for them."""
    wa_id = event.recipient.wa_id
    number = (international_digits(wa_id) or wa_id) if wa_id else None
    found = find_contact(deps, number, event.recipient.user_id)
    if found is None:
        return "agent_message_unknown_contact"
    record_outbound(deps, found.item.id, Speaker.AGENT, event.text, event.at, ref=event.message_id)
    return "agent_message"


def _apply_one(
    deps: Deps, event: WebhookEvent, received_at: datetime, outcome: Counter[str]
) -> float:
    """Apply one event, counting what it did in `outcome`; returns what reading it cost."""
    cost = 0.0
    if isinstance(event, AgentWrote):
        outcome[_agent_wrote(deps, event)] += 1
    elif isinstance(event, InboundMessage):
        result = record_inbound(
            deps,
            event.sender,
            event.text,
            event.at,
            event.message_id,
            event.name,
            referral=event.referral,
            number=event.phone_number_id,
            worded=event.worded,
            kind=event.kind,
        )
        outcome["opt_out" if result.opted_out else "inbound"] += 1
        if result.ai_read is not None:
            outcome["ai_classify_used" if result.ai_read else "ai_classify_fallback"] += 1
            outcome["ai_classify_input_tokens"] += result.ai_input_tokens
            outcome["ai_classify_output_tokens"] += result.ai_output_tokens
            cost += result.ai_cost_usd
    elif isinstance(event, IdentityChange):
        outcome[f"identity_{relink(deps, event)}"] += 1
    elif isinstance(event, DeliveryStatus):
        outcome[f"status_{apply_status(deps, event)}"] += 1
    elif isinstance(event, MarketingPreference):
        known = _suppress(deps, event.user, event.stopped, event.at)
        change = "marketing_stop" if event.stopped else "marketing_resume"
        outcome[change if known else "preference_unknown_contact"] += 1
    elif isinstance(event, NumberQuality):
        if not _record_quality(deps, event):
            outcome["quality_late"] += 1
        else:
            outcome["quality_degraded" if event.degraded else "quality_ok"] += 1
    elif isinstance(event, MessagingTier):
        outcome[set_tier(deps, event)] += 1
    elif isinstance(event, AgentStandby):
        number = deps.numbers.named(event.phone_number_id, event.display_phone_number)
        # One delivered again after an operator resumed the number pauses nothing.
        paused = not _resumed_since(deps, number, event.at) and pause_number(
            deps,
            event.phone_number_id,
            AGENT_TOOK_OVER,
            event.at,
            event.display_phone_number,
            AGENT_TOOK_OVER_CODE,
        )
        outcome["agent_standby_paused" if paused else "agent_standby"] += 1
    elif isinstance(event, TemplateStatusChange | TemplateQualityChange | TemplateCategoryChange):
        outcome[apply_event(deps, event)] += 1
    elif isinstance(event, Unhandled):
        log.info(
            "webhook event not acted on", extra={"field": event.field, "summary": event.summary}
        )
        outcome["unhandled"] += 1
    elif isinstance(event, Unreadable):
        outcome["unreadable"] += 1
    return cost


def apply_status(deps: Deps, status: DeliveryStatus) -> str:
    """Move the follow-up forward (sent → delivered → read), never back; or fail it. Its
    price, when the status names one, is kept with what it costs at the workspace's rates."""
    if status.pricing is not None:
        card = deps.catalog.settings().rate_card()
        priced = status.pricing.costed(status.recipient or "", status.at, card)
        status = replace(status, pricing=priced)
    found = _followup_of(deps, status)
    if found is None:
        return "unknown"
    for _ in range(_LATE_TRIES):
        outcome = _status_applied(deps, found, status)
        if outcome is not None:
            if outcome in _FIRST_REACHED and status.user_id and status.recipient != status.user_id:
                _user_id_learned(deps, found.contact_id, status.user_id, status.at)
            return outcome
        found = deps.followups.followup(found.id)
        if found is None:
            return "stale"
    return "stale"


_FIRST_REACHED = frozenset({"delivered", "read"})
"""What `apply_status` answers for a status that first shows a message on the lead's phone."""


def _user_id_learned(deps: Deps, contact_id: str, user_id: str, at: datetime) -> None:
    """WhatsApp named the lead's business-scoped user id beside the number we sent to: a
    contact without one keeps it, so what they write under that id alone (a username
    user's message, from 2026) finds them, their STOP included. A contact with a user id
    keeps its own (a change comes as its own notice), and an id another contact holds stays
    with that contact."""
    current = deps.contacts.contact(contact_id)
    if current is None or current.item.user_id or user_id in current.item.previous_user_ids:
        return
    if find_contact(deps, None, user_id) is not None:
        return
    update_contact(
        deps,
        contact_id,
        lambda contact: (
            contact if contact.user_id else contact.model_copy(update={"user_id": user_id})
        ),
        at,
    )


def _status_applied(deps: Deps, found: FollowUp, status: DeliveryStatus) -> str | None:
    """What `status` does to the follow-up as `found`; None when its write was refused
    because something moved the follow-up first (the lead's reply, another status): then
    `apply_status` reads it again and applies the status to that, as if it had come just
    after, so what it still means (its price) is kept and nothing is counted twice."""
    followup = _sent_after_all(deps, found, status)
    recovered = followup.status is not found.status
    if status.state is DeliveryState.FAILED:
        # One found sent only now goes sent, then failed, as any other: its journey moves
        # on from the send, and the failure may resend it or fall back to another channel.
        if recovered and not _moved(deps, followup, found.status, status.at):
            return None
        return _failed(deps, followup, status)
    target = Status(status.state.value)
    if not followup.status.outbound or (_RANK[target] <= _RANK[followup.status] and not recovered):
        return _priced_late(deps, followup, status)
    moved = followup if target is followup.status else followup.progressed(target, status.at)
    if status.pricing is not None:
        moved = moved.model_copy(update={"pricing": status.pricing})
    if not _moved(deps, moved, found.status, status.at):
        return None
    if not recovered:
        return target.value
    _answered_meanwhile(deps, moved)
    return "recovered"


def _moved(deps: Deps, followup: FollowUp, stored: Status, at: datetime) -> bool:
    """Written on the status `stored` as read; False when something moved it first. A
    conversion credited meanwhile moves nothing: the copy is written again with it."""
    try:
        deps.commit([FollowUpChange(followup, stored)], at)
    except CommitRejected:
        converted = converted_meanwhile(deps, followup, stored)
        return converted is not None and _moved(deps, converted, stored, at)
    return True


def _sent_after_all(deps: Deps, followup: FollowUp, status: DeliveryStatus) -> FollowUp:
    """The follow-up as WhatsApp's status shows it: sent, when the status names a send whose
    outcome nobody recorded (`FollowUp.recovered`); else as it is stored.

    A status ahead of a sender that may still record its send raises `NotYetRecorded`
    (answered 5xx, so it comes again): that sender keeps what went and what it counted.
    Once its sender lost 360dialog's answer, or the claim is older than a sender's longest
    run, no sender will: the status is the only word on it, before or after the expire tick
    gave it up as unknown. So it is for a try 360dialog answered with an error although
    the message went: recorded sent, it is not tried again (WhatsApp has no idempotency
    key). A failure reported for one not sending leaves it as it is."""
    claimed_at = followup.claimed_at if followup.may_have_gone else None
    sending = followup.status is Status.SENDING
    if claimed_at is None:
        if sending:
            raise NotYetRecorded(followup.id)
        return followup
    if sending:
        sender_may_record = followup.reason != Reason.OUTCOME_UNKNOWN
        if sender_may_record and deps.clock.now() < claimed_at + deps.timings.sender_run:
            raise NotYetRecorded(followup.id)
    elif status.state is DeliveryState.FAILED:
        return followup
    expire_after = deps.catalog.settings().expire_after.approx()
    return followup.recovered(status.at, status.wamid, expire_after)


def _answered_meanwhile(deps: Deps, sent: FollowUp) -> None:
    """A reply heard before the send was found sent passed it by (it was `sending`, or
    given up): it answers it all the same, within the attribution window, as it would have
    (responded, or opted out for a STOP)."""
    found = deps.contacts.contact(sent.contact_id)
    sent_at = sent.sent_at
    if found is None or sent_at is None:
        return
    heard = found.item.last_inbound_at
    attribution = deps.catalog.settings().attribution_window.approx()
    if heard is None or not may_follow(heard, sent_at) or heard - sent_at > attribution:
        return
    # Stopped before the send, its sender would not have sent it: the stop answers it.
    stopped = found.item.stopped(sent.channel)
    status, reason = (Status.OPTED_OUT, Reason.OPTED_OUT) if stopped else (Status.RESPONDED, None)
    _moved(deps, sent.ended(status, deps.clock.now(), reason), sent.status, deps.clock.now())


def _followup_of(deps: Deps, status: DeliveryStatus) -> FollowUp | None:
    """The follow-up the status is about: by the id the sender gave WhatsApp to echo back,
    read by key. A message sent before the sender gave one (or by another tool on the
    number) echoes nothing: its recipient's follow-ups are searched for its wamid."""
    if status.followup_id:
        found = deps.followups.followup(status.followup_id)
        recorded = found.provider_message_id if found else None
        return found if found and recorded in (None, status.wamid) else None
    if not status.recipient:
        return None
    # The recipient is a wa_id or, from 2026, a business-scoped user id: try it as both.
    contact = find_contact(deps, status.recipient, status.recipient)
    if contact is None:
        return None
    sent = deps.followups.followups_of(contact.item.id)
    return next((f for f in sent if f.provider_message_id == status.wamid), None)


def _priced_late(deps: Deps, followup: FollowUp, status: DeliveryStatus) -> str:
    """A status that moves nothing may still bring the first price of a message already
    sent (a reply or a `read` came before its priced statuses, or it expired first), when
    it is one to keep (`_kept`), or show delivered one that ended never shown so
    (`_delivered_late`). A follow-up written meanwhile (the lead's STOP after their reply
    marked it) is read again, so its copy read before never writes over that."""
    for _ in range(_LATE_TRIES):
        late = _shown_late(followup, status)
        if late is None:
            return "stale"
        outcome, shown = late
        if _moved(deps, shown, followup.status, status.at):
            return outcome
        found = deps.followups.followup(followup.id)
        if found is None:
            return "stale"
        followup = found
    return "stale"


_LATE_TRIES = 3


def _shown_late(followup: FollowUp, status: DeliveryStatus) -> tuple[str, FollowUp] | None:
    """What a status that moves nothing records on `followup`, and its outcome; None when
    it records nothing (see `_priced_late`)."""
    if _delivered_late(followup, status):
        change = StatusChange(status=Status(status.state.value), at=status.at)
        shown = followup.model_copy(
            update={
                "pricing": followup.pricing or status.pricing,
                "history": [*followup.history, change],
            }
        )
        return "delivered_late", shown
    unpriced = followup.pricing is None and status.pricing is not None
    if not unpriced or followup.sent_at is None or not _kept(followup, status):
        return None
    return "priced", followup.model_copy(update={"pricing": status.pricing})


def _kept(followup: FollowUp, status: DeliveryStatus) -> bool:
    """Whether the price `status` names is kept on `followup`; services.stats counts it once
    the message is shown delivered, as WhatsApp bills per delivered message. None is kept
    for a message that failed or was skipped. A `sent` status's price is kept while the
    follow-up waits for its answer: it may be the only one (a message read at once gets
    no `delivered` status, and `read` names none). On a follow-up that ended never shown
    delivered (expired, or ended by a stop of the channel elsewhere) it is not: a price
    there is one a `delivered` or `read` status named, which shows the message delivered."""
    if followup.status in _UNDELIVERED:
        return False
    if status.state is not DeliveryState.SENT or followup.status.outbound:
        return True
    stop = followup.status is Status.OPTED_OUT and followup.reason == Reason.OPTED_OUT
    return stop or any(change.status in _REACHED for change in followup.history)


def _delivered_late(followup: FollowUp, status: DeliveryStatus) -> bool:
    """Whether `status` shows delivered a message whose follow-up ended never shown so
    (expired, or ended by a stop of the channel elsewhere): a `delivered` or `read` status
    heard after the end. Its history records it, once, and the follow-up stays as it ended;
    services.stats then bills its price (the `sent` status's, or this one's when it had
    none), as WhatsApp bills per delivered message."""
    ended = followup.status is Status.EXPIRED or (
        followup.status is Status.OPTED_OUT and followup.reason != Reason.OPTED_OUT
    )
    delivery = status.state in (DeliveryState.DELIVERED, DeliveryState.READ)
    shown = any(change.status in _REACHED for change in followup.history)
    return ended and delivery and followup.sent_at is not None and not shown


def _failed(deps: Deps, followup: FollowUp, status: DeliveryStatus) -> str | None:
    """Fail a sent follow-up (or skip it, or send it again, as policy says) and apply what
    the failure means for the contact, the number and the step's next channel. A status
    the follow-up cannot take any more (it was read, answered or ended) is stale; one
    heard again for a follow-up it already failed (or skipped) applies those effects again,
    so a first try that erred after failing it loses none of them. None when its write was refused
    because something other than a conversion moved the follow-up first (its `delivered`
    status, the lead's reply): `apply_status` reads it again and fails what that left, so
    those effects follow the one write that fails it."""
    error = status.errors[0] if status.errors else None
    failure = reported_failure(
        error.code if error else None,
        error.title if error else "",
        error.detail if error else "",
    )
    if followup.status is Status.FAILED:
        return _failed_again(deps, followup, status, failure)
    if followup.status is Status.SKIPPED and followup.error_code == failure.code:
        unreached(deps, followup, status.at)  # a first try may have erred before it
        return "skipped"
    if Status.FAILED not in TRANSITIONS.get(followup.status, frozenset()):
        return "stale"
    again = resend(deps, followup, failure, status.at)
    skipped = again is None and failure.disposition in SKIPPING
    ending = Status.SKIPPED if skipped else Status.FAILED
    # Not delivered, so not billed: whatever price an earlier status named is dropped. One
    # whose step goes on its next channel says so, for the stats to count that send alone.
    failed = followup.ended(ending, status.at, failure.reason).model_copy(
        update={"error_code": failure.code, "error_title": failure.title, "pricing": None}
    )
    if ending is Status.FAILED and again is None and falls_back(deps, failed):
        failed = failed.model_copy(update={"fell_back": True})
    changes: list[Change] = [FollowUpChange(failed, followup.status)]
    try:
        if again is None:
            deps.commit(changes, status.at)
        else:
            commit_passing_slot(deps, [*changes, NewFollowUp(again)], followup, again, status.at)
    except CommitRejected:
        converted = converted_meanwhile(deps, followup, followup.status)
        return None if converted is None else _failed(deps, converted, status)
    unreached(deps, failed, status.at)
    if again is not None:
        return "failed_sent_again"
    if skipped:
        return "skipped"
    _after_failure(deps, failed, status, failure)
    return "failed_paused" if failure.disposition is Disposition.PAUSE else "failed"


def _after_failure(
    deps: Deps,
    failed: FollowUp,
    status: DeliveryStatus,
    failure: ProviderFailure,
    *,
    again: bool = False,
) -> tuple[bool, bool]:
    """What a failure after the send means beyond the follow-up: the step on its next
    channel, marketing stopped (131050) as of the failure's time, the template paused or
    disabled in the catalogue (132015, 132016), the number paused. Each
    is idempotent: a fallback has an id of its own, a pause already set stays as it is,
    and marketing stopped at that time changes nothing the second time (nor undoes a
    newer resume). Heard `again`, it leaves paused no number an operator resumed (or a
    report found well) after the status's time. Returns (fallback planned, number paused)
    by this call."""
    planned = after_failed(deps, failed, status.at)
    if stopped_marketing(failure.code):
        choose_marketing(deps, failed.contact_id, True, status.at)
    sent = failed.rendered
    refused = refused_template_status(failure.code)
    if refused and sent is not None and sent.template_name and sent.language:
        # The template itself is paused or disabled: the sends after it hold, as when the
        # refusal comes at once (services.send).
        refused_by_whatsapp(
            deps, sent.template_name, sent.language, refused, failure.reason, status.at
        )
    if failure.disposition is not Disposition.PAUSE:
        return planned, False
    # WhatsApp refused it after accepting it (spam limit, policy block, locked account,
    # billing): what the sender would have paused the number for, it pauses here too.
    number = deps.numbers.named(_sent_from(deps, status, failed))
    if again and _resumed_since(deps, number, status.at):
        return planned, False
    code = failure_code(failure)
    return planned, pause_number(deps, number, failure.reason, status.at, code=code)


def _failed_again(
    deps: Deps, followup: FollowUp, status: DeliveryStatus, failure: ProviderFailure
) -> str:
    """A failed status heard again for the follow-up it failed after its send (WhatsApp
    delivers it again when a first try answered 5xx): its effects beyond the follow-up,
    written after it, are applied again, so none is lost. A step the first hearing sent
    again (its template instead, or a day later) had none, and gets none now: its next
    channel would reach the lead a second time. Anything else is stale."""
    after_send = len(followup.history) > 1 and followup.history[-2].status.outbound
    if followup.error_code != failure.code or not after_send:
        return "stale"
    unreached(deps, followup, status.at)
    if deps.followups.followup(resend_followup_id(followup.id)) is not None:
        return "stale"
    planned, paused = _after_failure(deps, followup, status, failure, again=True)
    if paused:
        return "failed_paused"
    return "failed" if planned else "stale"


def unreached(deps: Deps, failed: FollowUp, at: datetime) -> None:
    """The provider took the message, then reported it failed (WhatsApp's status, SES's
    hard bounce): it never reached the lead, so their frequency cap stops counting it
    (before the step is sent again, or the next step is planned). Marking it again
    changes nothing."""
    sent_at = failed.sent_at
    if sent_at is None:
        return
    gating = deps.catalog.settings().gating

    def marked(contact: Contact) -> Contact:
        return unreached_send(contact, sent_at, gating, at)

    update_contact(deps, failed.contact_id, marked, at)


def _resumed_since(deps: Deps, number: str, at: datetime) -> bool:
    """`number` was found running after `at` (an operator resumed it, or a report found
    it well): a report of that time heard again must not pause it."""
    reports = deps.numbers.health(number, deps.rules.numbers())
    return any(not r.paused and r.updated_at > at for r in reports)


def _suppress(deps: Deps, user: Identity, stopped: bool, at: datetime) -> bool:
    """Stop (or restore) marketing sends to the user, by a choice made at `at`, unless a
    newer choice is kept (`choose_marketing`); False when we do not know them."""
    found = find_contact(deps, user.wa_id, user.user_id)
    if found is None:
        return False
    choose_marketing(deps, found.item.id, stopped, at)
    return True


def _sent_from(deps: Deps, status: DeliveryStatus, followup: FollowUp) -> str:
    """The number a message went from: as the status names it, else the contact's."""
    if status.phone_number_id:
        return status.phone_number_id
    found = deps.contacts.contact(followup.contact_id)
    return deps.numbers.sender(found.item.phone_number_id if found else None)


def _record_quality(deps: Deps, event: NumberQuality) -> bool:
    """A degraded number pauses sending from it; only an operator resumes it, not a later
    event. Kept under the configured number's phone_number_id, however the event names it,
    dated as Meta dated it. A report dated before the number's last report or resume
    (Meta delivering one again, after an admin resumed the number it paused) changes
    nothing: False."""
    number = deps.numbers.named(event.phone_number_id, event.display_phone_number)
    late = False

    def reported(reports: list[NumberHealth]) -> list[NumberHealth] | None:
        nonlocal late
        previous = next((n for n in reports if n.phone_number_id == number), None)
        late = previous is not None and event.at < previous.updated_at
        if late:
            return None
        health = NumberHealth(
            phone_number_id=number,
            display_phone_number=event.display_phone_number,
            quality=event.event,
            updated_at=event.at,
            paused=False,
        )
        return workspace.with_report(reports, _quality_pause(health, event, previous))

    workspace.change_numbers(deps, reported)
    return not late


def _quality_pause(
    health: NumberHealth, event: NumberQuality, previous: NumberHealth | None
) -> NumberHealth:
    """The report with the number's pause after this event: an earlier pause keeps its
    reason and the time it began; a degraded quality pauses a running number from now."""
    if previous is not None and previous.paused:
        kept = ("paused", "paused_reason", "paused_at", "paused_code")
        return health.model_copy(update={name: getattr(previous, name) for name in kept})
    if not event.degraded:
        return health
    pause = {
        "paused": True,
        "paused_reason": f"WhatsApp rated the number's quality {event.event}",
        "paused_at": health.updated_at,
        "paused_code": quality_code(event.event),
    }
    return health.model_copy(update=pause)


def paused_by_report(deps: Deps, phone_number_id: str) -> bool:
    """Whether a stored report about the number (as `resume_number` finds it) pauses it."""
    number = _reported_number(deps, phone_number_id)
    return number is not None and any(
        health.paused for health in deps.numbers.health(number, deps.rules.numbers())
    )


def _reported_number(deps: Deps, phone_number_id: str) -> str | None:
    """The configured number `phone_number_id` names, by itself or by a stored report about
    it; None when it is neither configured nor reported on."""
    stored = next((r for r in deps.rules.numbers() if r.phone_number_id == phone_number_id), None)
    if phone_number_id not in deps.numbers.ids and stored is None:
        return None
    return deps.numbers.about(stored) if stored else deps.numbers.named(phone_number_id)


def resume_number(deps: Deps, phone_number_id: str, at: datetime) -> bool:
    """An operator resumes sending from a paused number (every report about it); False
    when it is neither configured nor reported on."""
    number = _reported_number(deps, phone_number_id)
    if number is None:
        return False

    def resumed(reports: list[NumberHealth]) -> list[NumberHealth] | None:
        about = deps.numbers.health(number, reports)
        if not about:
            return None
        update = {
            "paused": False,
            "paused_reason": None,
            "paused_at": None,
            "paused_code": None,
            "updated_at": at,
        }
        for health in about:
            reports = workspace.with_report(reports, health.model_copy(update=update))
        return reports

    workspace.change_numbers(deps, resumed)
    deps.catalog.invalidate()
    if deps.catalog.sending_paused(number) is None:
        release(deps, number, at)  # its held follow-ups go now, not at the next tick
    return True
