"""Send now: a counsellor queues one rule's first step for one contact, dispatched at once.

Only a rule whose journey opens with a message can be sent now: one that first tags,
waits or branches is neither offered nor taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from followup.domain.errors import Conflict, InvalidField, KeptChanging, NotFound
from followup.domain.followup import FollowUp, Status
from followup.domain.ids import manual_followup_id
from followup.domain.journey import next_opening, send_at
from followup.domain.messaging import compose
from followup.domain.rule import Step
from followup.services.channels import first_reachable
from followup.services.number_pause import holder
from followup.services.planning import (
    MANUAL_TRIES,
    claim,
    ended_without_going,
    tries_by_hand,
    went_by_hand,
)
from followup.services.ports import (
    EMAIL_HELD,
    CommitRejected,
    ContactChange,
    FollowUpChange,
    NewFollowUp,
    Slot,
    SlotChange,
)
from followup.services.waiting import capped, opening

if TYPE_CHECKING:
    from followup.domain.contact import Contact
    from followup.domain.rule import Rule
    from followup.services.deps import Deps


class OptedOut(Conflict):
    """The contact opted out: nothing may be sent to them."""

    code = "opted_out"


class ConversationClosed(Conflict):
    """The conversation with the contact is closed: reopen it before sending by hand."""

    code = "conversation_closed"


class TriesUsedUp(Conflict):
    """Send-now of the rule ended without reaching the contact as often as it may in this
    silence."""

    code = "tries_used_up"


class FollowUpWaiting(Conflict):
    """Another follow-up of the contact waits to be sent, or one just sent is being counted."""

    code = "followup_waiting"


class Overtaken(Conflict):
    """A reply, an opt-out or a canceled rule moved the follow-up first: nothing was sent."""

    code = "overtaken"


class WindowClosed(Conflict):
    """The step's message is free text only, the lead's 24-hour window is closed when it
    would go, and no other channel of the step reaches them: WhatsApp would refuse it."""

    code = "window_closed"


@dataclass(frozen=True)
class When:
    """When a send-now follow-up really goes, in the lead's time, and why then."""

    send_at: datetime
    zone: ZoneInfo
    now: bool
    why: str
    why_code: str
    """`why` as a stable code: already_sent, not_sent, window_closed, warm_up,
    messaging_limit, paused, email_paused, send_anytime, window_open."""

    @property
    def local(self) -> datetime:
        return self.send_at.astimezone(self.zone)


def applicable(deps: Deps, contact: Contact) -> list[Rule]:
    """Active rules whose journey opens with a message and whose trigger stages and
    conditions take this contact (and, when its conversation is closed, send into closed
    ones)."""
    now = deps.clock.now()
    zone = deps.catalog.settings().zone
    found = []
    for head in deps.rules.rule_heads():
        rule = deps.catalog.rule(head.rule_id, head.version) if head.active else None
        if rule is None or not isinstance(rule.steps[0], Step) or rule.closed_to(contact):
            continue
        if _takes(rule, contact, now, zone):
            found.append(rule)
    return found


def _takes(rule: Rule, contact: Contact, now: datetime, zone: ZoneInfo) -> bool:
    """The rule's trigger stages and conditions take the contact."""
    stages = rule.trigger_stages
    return (not stages or contact.stage in stages) and rule.conditions.hold(contact, now, zone)


_PUT_OFF = {
    "warm_up": "the sending number's warm-up cap for today is used up: it goes on its next"
    " day, at the send window's first opening",
    "messaging_limit": "the portfolio's messaging limit has no room now: it goes once it has,"
    " at the send window's first opening then",
}


def when(deps: Deps, followup: FollowUp) -> When:
    """When `followup` (from `send_now`) goes: now, at the send window's next opening,
    at its first opening once the cap that put it off has room again (the number's warm-up,
    the portfolio's messaging limit), once sending resumes (a paused workspace holds it, and
    a paused number when it goes by WhatsApp: `number_pause.holder`), once an admin resumes
    email (paused email holds it when it goes by email), or it already went."""
    now = deps.clock.now()
    settings = deps.catalog.settings()
    contact_v = deps.contacts.contact(followup.contact_id)
    zone = contact_v.item.zone(settings.zone) if contact_v else settings.zone
    rule = deps.catalog.rule(followup.rule_id, followup.rule_version)
    if followup.sent_at is not None:
        return When(followup.sent_at, zone, False, "already sent in this silence", "already_sent")
    went = went_by_hand(followup)
    if went is not None:
        why = "may already have gone in this silence: WhatsApp's answer to its send was lost"
        return When(went, zone, False, why, "already_sent")
    if followup.status is not Status.QUEUED and followup.status is not Status.SENDING:
        return When(
            followup.scheduled_at, zone, False, f"not sent: {followup.status.value}", "not_sent"
        )
    if followup.scheduled_at > now and rule is not None and contact_v is not None:
        cap = capped(followup)
        if cap is not None:
            goes = next_opening(followup.scheduled_at, contact_v.item, rule, settings)
            return When(goes, zone, False, _PUT_OFF[cap], cap)
        opens = opening(followup.scheduled_at, contact_v.item, rule, settings)
        why = f"outside the send window ({opens.window} {zone.key}); next opening {opens.when}"
        return When(followup.scheduled_at, zone, False, why, "window_closed")
    paused = deps.catalog.sending_paused()
    if rule is not None and contact_v is not None:
        number = deps.numbers.sender(contact_v.item.phone_number_id, rule.numbers)
        held = holder(deps, followup, contact_v.item, rule, number)
        if held is not None and held[1] == EMAIL_HELD:
            why = f"{held[0]}: it goes once an admin resumes email"
            return When(now, zone, False, why, "email_paused")
        paused = None if held is None else held[0]
    if paused:
        return When(
            now, zone, False, f"sending is paused ({paused}): it goes once it resumes", "paused"
        )
    if rule is not None and rule.send_anytime:
        return When(
            now, zone, True, "the rule sends at any hour: handed to the sender now", "send_anytime"
        )
    return When(now, zone, True, "inside the send window: handed to the sender now", "window_open")


def send_now(deps: Deps, contact_id: str, rule_id: str) -> FollowUp:
    """Queue rule `rule_id`'s first step for the contact and hand it to the sender now.

    Still inside policy: outside the send window it waits for the next opening. Asking
    twice in the same silence returns the same follow-up instead of sending twice;
    after one that ended without going (refused by WhatsApp, canceled) it is a new try. The
    rule's own first step its tick sent in this silence is returned as it is (never sent
    twice), and free text the lead's closed 24-hour window would refuse is refused
    (`WindowClosed`) before anything is written. One the dispatch tick hands to the sender
    between the two writes here is returned as going. A rule
    whose journey opens with something other than a message is refused (`InvalidField`,
    code `rule_opens_without_message`) before anything is written, as is one that is off
    (`rule_inactive`) or whose trigger stages or conditions leave the contact out
    (`rule_not_for_contact`): send now offers only the rules `applicable` finds, and
    whoever may not turn a rule on may not send from one that is off either.
    """
    now = deps.clock.now()
    settings = deps.catalog.settings()
    head = deps.rules.rule_head(rule_id)
    rule = deps.catalog.rule(rule_id, head.version) if head else None
    if rule is None:
        raise NotFound("rule", rule_id)
    first = rule.steps[0]
    if not isinstance(first, Step):
        raise InvalidField(
            "rule_id",
            f"rule {rule_id!r} opens with a {first.kind} step, not a message: send now"
            " sends a rule's first message, so pick a rule that opens with one",
            "rule_opens_without_message",
        )
    if head is not None and not head.active:
        raise InvalidField(
            "rule_id", f"rule {rule_id!r} is off: turn it on to send it by hand", "rule_inactive"
        )
    contact_v = deps.contacts.contact(contact_id)
    if contact_v is None:
        raise NotFound("contact", contact_id)
    contact = contact_v.item
    if contact.opted_out:
        raise OptedOut(f"contact {contact_id} opted out")
    if rule.closed_to(contact):
        raise ConversationClosed(
            f"the conversation with contact {contact_id} is closed; reopen it first"
        )
    if not _takes(rule, contact, now, settings.zone):
        raise InvalidField(
            "rule_id",
            f"rule {rule_id!r} is not for this contact: its trigger stages or conditions leave"
            f" them out (stage {contact.stage!r})",
            "rule_not_for_contact",
        )
    by_rule = _sent_by_the_rule(deps, rule.id, contact)
    if by_rule is not None:
        return by_rule  # its step went in this silence: not twice (`when`: already_sent)
    scheduled = send_at(now, now, contact, rule, settings)
    if _window_shut(deps, contact, first, scheduled):
        raise WindowClosed(
            f"the 24-hour window of contact {contact_id} is closed when rule {rule_id!r} would"
            " send, and its first step has no template (nor another channel reaching them):"
            " WhatsApp would refuse its free text"
        )
    attempt, existing = tries_by_hand(deps, rule.id, contact.id, contact.silence_key)
    if existing is not None and not ended_without_going(existing):
        due = existing.status is Status.QUEUED and existing.scheduled_at <= now
        # A press that erred before handing it to the sender: this one hands it over.
        return _hand_over(deps, existing, now) if due and existing.claimed_at is None else existing
    if existing is not None:
        attempt += 1
        if attempt == MANUAL_TRIES:
            raise TriesUsedUp(
                f"send now of rule {rule_id!r} ended without reaching the contact"
                f" {MANUAL_TRIES} times in this silence; see why on its follow-ups"
            )
    fid = manual_followup_id(rule.id, contact.id, contact.silence_key, attempt)
    claimed = claim(deps, contact, fid, now, channel=first.chain[0])
    if claimed.busy_until is not None:
        raise FollowUpWaiting(
            f"contact {contact_id} already has a follow-up waiting to be sent, or one sent"
            " moments ago that is still being counted; try again in a minute"
        )
    followup = FollowUp.planned(
        followup_id=fid,
        contact_id=contact.id,
        rule_id=rule.id,
        rule_version=rule.version,
        silence_key=contact.silence_key,
        at=now,
        scheduled_at=scheduled,
        due=now,
        manual=True,
        note="manual",
    )
    slot = SlotChange(Slot(contact.id, fid, scheduled, held=claimed.keeps), claimed.revision)
    # The contact is written back on the revision read so that a reply or an opt-out
    # landing since refuses the request, rather than queue a send the sender would drop. It
    # notes the send by hand: a rule's tick then finds it, even one whose outcome is unknown.
    marked = ContactChange(contact.model_copy(update={"manual_at": now}), contact_v.revision)
    try:
        deps.commit([NewFollowUp(followup), slot, marked], now)
    except CommitRejected as rejected:
        raise KeptChanging(f"contact {contact_id} changed meanwhile; try again") from rejected
    if scheduled > now:
        return followup
    return _hand_over(deps, followup, now)


def _hand_over(deps: Deps, followup: FollowUp, now: datetime) -> FollowUp:
    """Hand the queued manual send, due now, to the sender: marked dispatched (unless it
    is), then on the queue. Handed over twice, the sender still claims it once."""
    dispatched = followup
    if followup.dispatched_at is None:
        dispatched = followup.dispatched(now, deps.timings.redrive_after)
        try:
            deps.commit([FollowUpChange(dispatched, Status.QUEUED, moves=followup.moves)], now)
        except CommitRejected as rejected:
            found = deps.followups.followup(followup.id)
            handed = found is not None and (found.dispatched_at or not found.status.unsent)
            if found is not None and handed and not ended_without_going(found):
                return found  # the dispatch tick handed it to the sender first
            raise Overtaken(_overtaken(found, followup.id)) from rejected
    deps.queue.enqueue([followup.id])
    return dispatched


def _sent_by_the_rule(deps: Deps, rule_id: str, contact: Contact) -> FollowUp | None:
    """The rule's own first step to the contact in this silence, when its tick sent it, or
    may have (outcome unknown)."""
    for followup in deps.followups.followups_of(contact.id):
        if (
            followup.rule_id == rule_id
            and followup.silence_key == contact.silence_key
            and followup.step_index == 0
            and not followup.manual
            and went_by_hand(followup) is not None
        ):
            return followup
    return None


def _window_shut(deps: Deps, contact: Contact, step: Step, at: datetime) -> bool:
    """Whether the step's message cannot go at `at`, as the sender would find: WhatsApp is
    the first channel reaching the lead, their 24-hour window is closed then and the step
    has no template, and it falls back to no other channel."""
    if first_reachable(deps, contact, step, 0) != "whatsapp" or compose(step, contact, at):
        return False
    return not (step.fallback_when.undeliverable and first_reachable(deps, contact, step, 1))


def _overtaken(found: FollowUp | None, fid: str) -> str:
    """Why send-now could not dispatch: a reply, an opt-out or a canceled rule moved it first."""
    state = f"{found.status.value} ({found.reason})" if found else "removed"
    return f"follow-up {fid} was {state} meanwhile; nothing was sent"
