"""What WhatsApp tells us, in our words: the provider's envelope is parsed into these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from followup.domain.conversation import Referral
from followup.domain.costs import Pricing
from followup.domain.messaging_limit import Tier
from followup.domain.templates import TemplateEvent


@dataclass(frozen=True)
class Identity:
    """A WhatsApp user: `wa_id` (phone-based) when given, else the business-scoped `user_id`."""

    wa_id: str | None
    user_id: str | None = None

    @property
    def key(self) -> str:
        return self.wa_id or f"user:{self.user_id}"


@dataclass(frozen=True)
class InboundMessage:
    """The contact wrote, tapped or sent something: this alone counts as a reply.

    `text` is the body, a button's payload/title, a flow's answers, or a `[kind]` marker.
    """

    message_id: str
    sender: Identity
    at: datetime
    kind: str
    text: str
    name: str = ""
    replying_to: str | None = None
    referral: Referral | None = None
    phone_number_id: str | None = None
    """The business number written to (the delivery's `metadata.phone_number_id`)."""
    worded: bool = True
    """False for a `[kind]` marker (a call, a photo without a caption) or a reaction's emoji:
    nothing the user wrote in words, so nothing to read an intent in."""


@dataclass(frozen=True)
class AgentWrote:
    """A counsellor wrote to the user from the WhatsApp Business app that shares the number
    (an `smb_message_echoes` webhook): the agent speaking, not the contact, nor a follow-up.
    `text` is the body, or a `[kind]` marker."""

    message_id: str
    recipient: Identity
    at: datetime
    text: str


@dataclass(frozen=True)
class IdentityChange:
    """The user changed their number or user id: `new` names the same person from now on."""

    user: Identity
    new: Identity
    at: datetime


class DeliveryState(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


@dataclass(frozen=True)
class ProviderError:
    code: int | None
    title: str = ""
    detail: str = ""


@dataclass(frozen=True)
class DeliveryStatus:
    """What happened to a message we sent, by its wamid (and our callback data)."""

    wamid: str
    state: DeliveryState
    at: datetime
    recipient: str | None = None
    user_id: str | None = None
    """The recipient's business-scoped user id, when WhatsApp names one (`recipient_user_id`,
    beside their number or instead of it)."""
    followup_id: str | None = None
    errors: tuple[ProviderError, ...] = field(default_factory=tuple)
    pricing: Pricing | None = None
    phone_number_id: str | None = None
    """The business number it was sent from (the delivery's `metadata.phone_number_id`)."""


@dataclass(frozen=True)
class MarketingPreference:
    """The user stopped (or resumed) marketing messages from this business."""

    user: Identity
    stopped: bool
    at: datetime


@dataclass(frozen=True)
class NumberQuality:
    """The sending number's quality changed (e.g. FLAGGED)."""

    phone_number_id: str
    display_phone_number: str
    event: str
    at: datetime

    @property
    def degraded(self) -> bool:
        return self.event.upper() in DEGRADED_QUALITY


DEGRADED_QUALITY = frozenset({"FLAGGED", "DOWNGRADE", "RESTRICTED", "RED", "LOW"})


@dataclass(frozen=True)
class MessagingTier:
    """WhatsApp set the portfolio's messaging limit (`business_capability_update`): users
    reached outside their window per moving 24 h; None for unlimited."""

    tier: Tier | None
    at: datetime


@dataclass(frozen=True)
class AgentStandby:
    """WhatsApp sent `standby` for the number: Meta Business Agent answers its chats now."""

    phone_number_id: str
    display_phone_number: str
    at: datetime


@dataclass(frozen=True)
class Unhandled:
    """A kind of event the engine does not act on: acknowledged and logged."""

    field: str
    summary: str


@dataclass(frozen=True)
class Unreadable:
    """One event we could not read: skipped, and kept (`raw`, as JSON) with the reason."""

    field: str
    reason: str
    raw: str


WebhookEvent = (
    InboundMessage
    | AgentWrote
    | IdentityChange
    | DeliveryStatus
    | MarketingPreference
    | NumberQuality
    | MessagingTier
    | AgentStandby
    | TemplateEvent
    | Unhandled
    | Unreadable
)
