"""A follow-up: one planned send and the status machine it moves through."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from followup.domain.channels import Channel
from followup.domain.costs import Pricing
from followup.domain.durations import shifted
from followup.domain.errors import InvalidTransition


class Status(StrEnum):
    QUEUED = "queued"
    WAITING_TEMPLATE = "waiting_template"
    """Held: its template cannot be sent; its approval (or its wait's end) releases it."""
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    RESPONDED = "responded"
    EXPIRED = "expired"
    FAILED = "failed"
    CANCELED = "canceled"
    OPTED_OUT = "opted_out"
    SKIPPED = "skipped"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL

    @property
    def outbound(self) -> bool:
        """Sent and not yet answered or expired: it may still be responded to."""
        return self in (Status.SENT, Status.DELIVERED, Status.READ)

    @property
    def unsent(self) -> bool:
        """Not sent yet and still to go: a reply, a STOP or an exit cancels it."""
        return self in (Status.QUEUED, Status.WAITING_TEMPLATE)


TERMINAL = frozenset(
    {
        Status.RESPONDED,
        Status.EXPIRED,
        Status.FAILED,
        Status.CANCELED,
        Status.OPTED_OUT,
        Status.SKIPPED,
    }
)

_AFTER_SEND = frozenset({Status.RESPONDED, Status.EXPIRED, Status.OPTED_OUT})
_NOT_SENT = frozenset({Status.CANCELED, Status.OPTED_OUT, Status.SKIPPED})
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.QUEUED: frozenset({Status.SENDING}) | _NOT_SENT,
    Status.WAITING_TEMPLATE: frozenset({Status.QUEUED}) | _NOT_SENT,
    Status.SENDING: frozenset({Status.SENT, Status.FAILED, Status.QUEUED, Status.WAITING_TEMPLATE})
    | _NOT_SENT,
    Status.SENT: frozenset({Status.DELIVERED, Status.READ, Status.FAILED, Status.SKIPPED})
    | _AFTER_SEND,
    Status.DELIVERED: frozenset({Status.READ, Status.FAILED, Status.SKIPPED}) | _AFTER_SEND,
    Status.READ: _AFTER_SEND,
    # An answer written before the expiry and heard after it: what it would have been; or
    # one to the send that followed on it on its step's next channel: the step's answer.
    Status.EXPIRED: frozenset({Status.RESPONDED, Status.OPTED_OUT}),
}


class Reason(StrEnum):
    """Why a follow-up ended without (or after) a send; shown in the queue."""

    WINDOW_CLOSED = "window_closed"
    HOT = "hot_contact"
    COLD_CAP = "cold_cap"
    FREQUENCY_CAP = "frequency_cap"
    OPTED_OUT = "opted_out"
    OPTED_OUT_ELSEWHERE = "opted_out_elsewhere"
    """Sent, never answered, and its contact stopped its channel otherwise (a STOP of
    another message, do-not-contact, an unsubscribe) by the end of its attribution window:
    ended `opted_out` by the expire tick. Nothing shows the message reached the lead."""
    MARKETING_SUPPRESSED = "marketing_suppressed"
    REPLIED = "replied"
    EXIT_STAGE = "exit_stage"
    EXIT_EVENT = "exit_event"
    GOAL = "goal"
    OUTCOME_UNKNOWN = "outcome_unknown"
    RETRIES_EXHAUSTED = "retries_exhausted"
    PROVIDER_ERROR = "provider_error"
    NO_REPLY = "no_reply"
    RULE_DELETED = "rule_deleted"
    NO_WA_ID = "no_whatsapp_number"
    RULE_ERROR = "rule_error"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVAL_EXPIRED = "approval_expired"
    REJECTED = "rejected"
    CANCELED_BY_STAFF = "canceled_by_staff"
    CONVERSATION_CLOSED = "conversation_closed"
    SILENCE_BROKEN = "silence_broken"
    """The silence ended before it lasted the rule's idle time: its trigger never fired."""
    SAID_DONE = "said_done"
    """The lead said they reached a stage that ends the rule ("I already paid"), which staff
    have not confirmed yet: the rule does not ask them again meanwhile."""
    SPEAKER_CHANGED = "speaker_changed"
    """The rule is for conversations one side spoke last in (`last_speaker`), and the other
    side has spoken since: a counsellor answered a lead left unanswered."""
    INTERRUPTED = "interrupted"
    """A send stopped by a failure (a store or network error) before anything reached a
    provider: queued again, to go when the send queue brings it back."""
    SPACED = "spaced"
    """Queued later than its step was due: the contact was sent a message (another
    journey's follow-up, a counsellor's) less than `Gating.min_gap` before."""
    CALL_BACK_PENDING = "call_back_pending"
    """Queued later than its step was due: a call back the lead asked for is still to come,
    and this follow-up of another rule goes after it."""
    SENT_UNRECORDED = "sent_unrecorded"
    """WhatsApp reported a message no sender recorded (the sender died after handing it
    over, lost 360dialog's answer, or was told of an error for a message that went all the
    same): sent when it was claimed, its exact text unknown."""


class StatusChange(BaseModel):
    model_config = ConfigDict(defer_build=True)

    status: Status
    at: AwareDatetime
    reason: str | None = None


class RenderedMessage(BaseModel):
    """Exactly what went to the provider."""

    model_config = ConfigDict(defer_build=True)

    kind: Literal["text", "template", "sms", "email"]
    text: str | None = None
    subject: str | None = None
    template_name: str | None = None
    language: str | None = None
    params: list[str] = Field(default_factory=list)
    param_names: list[str] = Field(
        default_factory=list,
        description="a template with named placeholders: each parameter's name, in order",
    )
    body: str | None = Field(
        default=None, description="a template's body with its parameters, as the contact reads it"
    )


class AiWriting(BaseModel):
    """What the AI did for a follow-up whose step asks for an AI message.

    `used` is false when the static content went instead; `fallback_reason` says why (the
    writer's reason such as `rate_limited` or `timeout`, `no_api_key`, `ai_disabled`, or
    `guardrail`, then `guardrail` names the check the text failed, e.g. `url`, `duplicate`).
    Tokens and cost add up every call made for the follow-up (a retried send may have needed
    a second one), whether its text was used or not; `model` names the one that answered, so
    a cost reads against its prices after `ANTHROPIC_MODEL` changed. `text` keeps a used
    text, and `target` where it went, so a retried send sends it again instead of paying for
    another.
    """

    model_config = ConfigDict(defer_build=True)

    used: bool
    fallback_reason: str | None = None
    guardrail: str | None = None
    text: str | None = Field(default=None, description="the text written, when it was used")
    target: Literal["text", "template_parameter"] | None = Field(
        default=None, description="where the text went: the free text or the template parameter"
    )
    model: str | None = Field(
        default=None, description="the model that answered the last call, as it named itself"
    )
    input_tokens: int = Field(default=0, description="input tokens not read from the cache")
    output_tokens: int = 0
    cached_tokens: int = Field(default=0, description="input tokens read from the cache")
    cost_usd: float = 0.0


class FollowUp(BaseModel):
    """A queue entry. `silence_key` names the silence that caused it (dedup)."""

    model_config = ConfigDict(defer_build=True)

    id: str
    contact_id: str
    rule_id: str
    rule_version: int
    enrollment_id: str | None = None
    step_index: int = 0
    repeat_index: int = 0
    channel: Channel = Field(
        default="whatsapp", description="the channel planned, then the one actually used"
    )
    channel_index: int = Field(
        default=0, ge=0, description="where in the step's channels this send starts"
    )
    skipped_channels: list[str] = Field(
        default_factory=list, description="channels passed over, and why (`no_address:email`)"
    )
    fell_back: bool = Field(
        default=False,
        description="WhatsApp reported it failed after taking it, and its step went on the "
        "next channel: that send is the step's, this one none",
    )
    follows_on: bool = Field(
        default=False,
        description="sent on its step's next channel because no reply came to the step's "
        "send on an earlier one: that send is the step's and carries its outcome, this one "
        "counts neither",
    )
    took_over_at: AwareDatetime | None = Field(
        default=None,
        description="when it took over as its step's send (`follows_on` off since): WhatsApp "
        "reported the send it followed on failed, and that send was taken back (`fell_back`)",
    )
    silence_key: str
    manual: bool = False
    status: Status = Status.QUEUED
    reason: str | None = None
    error_code: int | None = None
    error_title: str | None = None
    attempt: int = 0
    throttled: int = Field(
        default=0, description="rate-limit answers met, sent again shortly without an attempt"
    )
    throttles_reported: int = Field(
        default=0,
        description="rate limits WhatsApp reported after taking its step, each sent again",
    )
    withheld: int = Field(
        default=0, description="times Meta withheld it (131049), each retried a day or more later"
    )
    template_only: bool = Field(
        default=False, description="WhatsApp said the window is closed: the template goes"
    )
    created_at: AwareDatetime
    scheduled_at: AwareDatetime
    due_at: AwareDatetime | None = Field(
        default=None,
        description="when its step was due, while the send window puts it off to a later "
        "opening (`scheduled_at`): a wider window may bring it forward",
    )
    wake_at: AwareDatetime | None = Field(
        default=None, description="when the engine must look at it next (dispatch, expiry...)"
    )
    dispatched_at: AwareDatetime | None = None
    queued_at: AwareDatetime | None = Field(
        default=None,
        description="when it was last put in the queue other than by the enqueue tick "
        "(put back, brought forward, planned by a delivery status): a dispatch tick at "
        "that time or before has not handed it over",
    )
    sent_at: AwareDatetime | None = None
    reached_at: AwareDatetime | None = Field(
        default=None,
        description="when the sender counted its user toward the portfolio's messaging limit"
        " (its contact records it from the sent follow-up)",
    )
    warm_up_place: str | None = Field(
        default=None,
        description="the warming number and day (`<number>#<day>`) whose cap holds a place"
        " for it: another try from that number that day takes no other",
    )
    provider_message_id: str | None = None
    rendered: RenderedMessage | None = None
    ai: AiWriting | None = None
    proposed: RenderedMessage | None = Field(
        default=None, description="the written message waiting for a person's approval"
    )
    approved_at: AwareDatetime | None = None
    converted_at: AwareDatetime | None = None
    stopped_after_reply_at: AwareDatetime | None = Field(
        default=None,
        description="when its lead opted out after replying to it, within its attribution "
        "window: it stays `responded`, and counts as answered with an opt-out too, once",
    )
    pricing: Pricing | None = Field(
        default=None, description="what WhatsApp's status webhooks said the message costs"
    )
    waiting_for: list[str] = Field(
        default_factory=list,
        description="while `waiting_template`: the templates (`name:language`, the step's "
        "own then its sibling) whose approval releases it",
    )
    held_by: str | None = Field(
        default=None,
        description="while queued: the paused number it waits for; resuming it releases it",
    )
    history: list[StatusChange] = Field(default_factory=list)

    @classmethod
    def planned(
        cls,
        *,
        followup_id: str,
        contact_id: str,
        rule_id: str,
        rule_version: int,
        silence_key: str,
        at: datetime,
        scheduled_at: datetime,
        due: datetime | None = None,
        enrollment_id: str | None = None,
        step_index: int = 0,
        repeat_index: int = 0,
        channel_index: int = 0,
        manual: bool = False,
        note: str | None = None,
        skipped: str | None = None,
    ) -> FollowUp:
        """A new follow-up queued for `scheduled_at`, when dispatch wakes it; or, when
        `skipped` says why, one that ends at once and never wakes. Scheduled later than it
        was `due` (the send window's next opening), it keeps when it was due."""
        status = Status.SKIPPED if skipped else Status.QUEUED
        return cls(
            id=followup_id,
            contact_id=contact_id,
            rule_id=rule_id,
            rule_version=rule_version,
            enrollment_id=enrollment_id,
            step_index=step_index,
            repeat_index=repeat_index,
            channel_index=channel_index,
            silence_key=silence_key,
            manual=manual,
            status=status,
            reason=skipped,
            created_at=at,
            scheduled_at=scheduled_at,
            due_at=due if due is not None and scheduled_at > due else None,
            wake_at=None if skipped else scheduled_at,
            history=[StatusChange(status=status, at=at, reason=skipped or note)],
        )

    def dispatched(
        self, at: datetime, redrive_after: timedelta, *, due: datetime | None = None
    ) -> FollowUp:
        """Handed to the send queue at `at`, to arrive at `due` (at once by default); still
        unclaimed `redrive_after` later, the expire tick hands it over again."""
        self._expect(Status.QUEUED)
        wake = (due or at) + redrive_after
        return self.model_copy(update={"dispatched_at": at, "wake_at": wake})

    def redriven(self, at: datetime) -> FollowUp:
        """Nobody claimed it from the send queue: due for the next dispatch tick."""
        self._expect(Status.QUEUED)
        return self.model_copy(update={"dispatched_at": None, "wake_at": at, "queued_at": at})

    def claimed(self, at: datetime, sending_deadline: timedelta) -> FollowUp:
        """Taken by a sender; still sending after `sending_deadline`, its outcome is unknown."""
        claimed = self._moved(Status.SENDING, at)
        return claimed.model_copy(update={"wake_at": at + sending_deadline, "queued_at": None})

    def requeued(
        self,
        at: datetime,
        scheduled_at: datetime,
        reason: str | None = None,
        due: datetime | None = None,
    ) -> FollowUp:
        """Back from the sender to wait for a dispatch tick at `scheduled_at`: the send
        window's next opening for a follow-up `due` earlier (which keeps when it was due),
        else the time of another try."""
        back = self._moved(Status.QUEUED, at, reason)
        return back.model_copy(
            update={
                "scheduled_at": scheduled_at,
                "due_at": due,
                "dispatched_at": None,
                "wake_at": scheduled_at,
                "queued_at": at,
            }
        )

    def brought_forward(self, at: datetime) -> FollowUp:
        """Deferred, and free to go sooner (the messaging limit was raised): due at `at`."""
        self._expect(Status.QUEUED)
        return self.model_copy(
            update={"scheduled_at": at, "wake_at": at, "reason": None, "queued_at": at}
        )

    def opened_sooner(self, at: datetime, opening: datetime) -> FollowUp:
        """Put off by the send window, which now opens for it sooner (widened): due at
        `opening`, and put in the queue at `at`, so the next dispatch tick hands it over."""
        self._expect(Status.QUEUED)
        return self.model_copy(
            update={"scheduled_at": opening, "wake_at": opening, "queued_at": at}
        )

    def held_for_number(self, at: datetime, number: str, reason: str) -> FollowUp:
        """Back from the sender to wait, queued, until `number` is resumed: no tick reads it
        meanwhile."""
        back = self.requeued(at, at, reason)
        return back.model_copy(update={"held_by": number})

    def unheld(self, at: datetime, redrive_after: timedelta) -> FollowUp:
        """Its number is sending again: due now and handed to the send queue."""
        self._expect(Status.QUEUED)
        free = self.model_copy(update={"held_by": None, "scheduled_at": at, "reason": None})
        return free.dispatched(at, redrive_after)

    def held_for_template(
        self, at: datetime, reason: str, until: datetime, templates: list[str]
    ) -> FollowUp:
        """Back from the sender to wait for one of `templates` to be approved; at `until`
        (the end of its wait) dispatch hands it to the sender again, which ends it."""
        held = self._moved(Status.WAITING_TEMPLATE, at, reason)
        return held.model_copy(
            update={"dispatched_at": None, "wake_at": until, "waiting_for": templates}
        )

    def released(self, at: datetime, reason: str) -> FollowUp:
        """Its template may go again (approved, or its wait is over): queued and due now,
        for the sender to check the template once more."""
        back = self._moved(Status.QUEUED, at, reason)
        return back.model_copy(
            update={"dispatched_at": None, "wake_at": at, "waiting_for": [], "queued_at": at}
        )

    def awaiting_approval(
        self, proposed: RenderedMessage, at: datetime, expire_after: timedelta
    ) -> FollowUp:
        """Back to queued with a written text for a person to approve; the next dispatch
        after `expire_after` finds it if nobody did."""
        waiting = self._moved(Status.QUEUED, at, Reason.AWAITING_APPROVAL)
        return waiting.model_copy(
            update={
                "proposed": proposed,
                "dispatched_at": None,
                "wake_at": shifted(at, expire_after),
                "queued_at": at,
            }
        )

    def approved(
        self, at: datetime, redrive_after: timedelta, edited: RenderedMessage | None = None
    ) -> FollowUp:
        """A person approved the proposed message (or `edited` in its place): due now and
        handed to the send queue."""
        self._expect(Status.QUEUED)
        approved = self.model_copy(
            update={
                "proposed": edited or self.proposed,
                "approved_at": at,
                "reason": None,
                "scheduled_at": at,
            }
        )
        return approved.dispatched(at, redrive_after)

    def sent(
        self, at: datetime, wamid: str, message: RenderedMessage, expire_after: timedelta
    ) -> FollowUp:
        """The provider took `message`; with no reply by `expire_after` it expires."""
        sent = self._moved(Status.SENT, at)
        return sent.model_copy(
            update={
                "attempt": self.attempt + 1,
                "sent_at": at,
                "provider_message_id": wamid,
                "rendered": message,
                "wake_at": shifted(at, expire_after),
            }
        )

    def on_channel(self, channel: Channel, index: int, skipped: list[str]) -> FollowUp:
        """To go on `channel`, the step's channel at `index`, with `skipped` passed over. A
        channel it was not on before has tries of its own: the attempts and rate-limit
        answers spent on an earlier channel (a 360dialog outage) count none against it."""
        update: dict[str, object] = {
            "channel": channel,
            "channel_index": index,
            "skipped_channels": skipped,
        }
        if index != self.channel_index:
            update |= {"attempt": 0, "throttled": 0}
        return self.model_copy(update=update)

    def answer_lost(self) -> FollowUp:
        """Handed to the provider, whose answer never came: still `sending`, no sender
        behind it any more. WhatsApp's status about it settles it (`recovered`); with none
        by its sending deadline it is given up, failed as unknown, never sent again."""
        self._expect(Status.SENDING)
        return self.model_copy(update={"reason": Reason.OUTCOME_UNKNOWN})

    @property
    def moves(self) -> int:
        """How many times its status was set, the first included: a copy that counts as
        many as the stored one has seen every move since, even one away and back (queued,
        sending, queued again), which its status alone does not tell."""
        return len(self.history)

    @property
    def claimed_at(self) -> datetime | None:
        """When a sender last took it (its latest move to `sending`)."""
        return next((c.at for c in reversed(self.history) if c.status is Status.SENDING), None)

    @property
    def may_have_gone(self) -> bool:
        """Handed to the provider at least once with nothing recorded sent: still
        `sending`; back in the queue, or failed, after an answer that may hide a message
        that went all the same (a 5xx or 408, no answer at all). Only WhatsApp can still tell:
        a status naming it says a message went."""
        if self.provider_message_id is not None or self.claimed_at is None:
            return False
        if self.status in (Status.SENDING, Status.QUEUED, Status.WAITING_TEMPLATE):
            return True
        reason = self.reason or ""
        gave_up = reason == Reason.OUTCOME_UNKNOWN or reason.startswith(Reason.RETRIES_EXHAUSTED)
        return self.status is Status.FAILED and gave_up

    def recovered(self, at: datetime, wamid: str, expire_after: timedelta) -> FollowUp:
        """Sent after all: WhatsApp reported `wamid` for this follow-up, which nobody
        recorded sent. Sent when it was last claimed (a send goes within its sender's
        run); what went is not known. With no reply by `expire_after` it expires."""
        claimed_at = self.claimed_at
        if not self.may_have_gone or claimed_at is None:
            raise InvalidTransition(self.id, self.status, Status.SENT)
        change = StatusChange(status=Status.SENT, at=at, reason=Reason.SENT_UNRECORDED)
        return self.model_copy(
            update={
                "status": Status.SENT,
                "reason": Reason.SENT_UNRECORDED,
                "attempt": self.attempt + 1,
                "sent_at": claimed_at,
                "provider_message_id": wamid,
                "wake_at": shifted(claimed_at, expire_after),
                "held_by": None,
                "waiting_for": [],
                "history": [*self.history, change],
            }
        )

    def progressed(self, status: Status, at: datetime) -> FollowUp:
        """Delivered or read: it still waits for a reply until the same expiry."""
        if status not in (Status.DELIVERED, Status.READ):
            raise InvalidTransition(self.id, self.status, status)
        return self._moved(status, at)

    def expiring(self, expire_after: timedelta) -> FollowUp:
        """Sent, and waiting for a reply until `expire_after` after its send: the setting
        changed since it was sent. Its status and history stay as they are."""
        if not self.status.outbound or self.sent_at is None:
            raise InvalidTransition(self.id, self.status, self.status)
        return self.model_copy(update={"wake_at": shifted(self.sent_at, expire_after)})

    def heard_from(self, at: datetime) -> FollowUp:
        """Still to go, answering only what the contact writes after `at`: the sender takes
        no line up to it (a thank-you after asking for a call back) for a reply to it."""
        began = datetime.fromisoformat(self.silence_key)
        return self.model_copy(update={"silence_key": max(began, at).astimezone(UTC).isoformat()})

    def ended(self, status: Status, at: datetime, reason: str | None = None) -> FollowUp:
        """In a terminal `status`: nothing wakes it any more."""
        if not status.terminal:
            raise InvalidTransition(self.id, self.status, status)
        return self._moved(status, at, reason).model_copy(update={"wake_at": None})

    def _expect(self, status: Status) -> None:
        if self.status is not status:
            raise InvalidTransition(self.id, self.status, status)

    def _moved(self, status: Status, at: datetime, reason: str | None = None) -> FollowUp:
        """A copy in `status`, with the change recorded; refuses moves the machine forbids."""
        if status not in TRANSITIONS.get(self.status, frozenset()):
            raise InvalidTransition(self.id, self.status, status)
        change = StatusChange(status=status, at=at, reason=reason)
        return self.model_copy(
            update={"status": status, "reason": reason, "history": [*self.history, change]}
        )
