"""Channels a step sends on, the order it falls back in, and who may be reached where."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from followup.domain.durations import Duration

Channel = Literal["whatsapp", "sms", "email"]
CHANNELS: tuple[Channel, ...] = ("whatsapp", "sms", "email")

EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")

SMS_MAX_CHARACTERS = 1_600
"""The longest text SNS publishes as one SMS (split into parts on the way)."""


def fit_sms(text: str) -> str:
    """`text` as SNS takes it: at most `SMS_MAX_CHARACTERS`, cut after the last whole word
    that fits (a step's text is checked as written; a name or a field may lengthen it)."""
    if len(text) <= SMS_MAX_CHARACTERS:
        return text
    cut = text[: SMS_MAX_CHARACTERS + 1]
    words = cut.rsplit(None, 1)[0] if " " in cut.strip() else cut[:SMS_MAX_CHARACTERS]
    return words[:SMS_MAX_CHARACTERS].rstrip()


def one_line(text: str) -> str:
    """An email subject as a header takes it: its lines (a field the CRM wrote on two)
    joined by single spaces."""
    return " ".join(text.split())


class EmailContent(BaseModel):
    """An email's subject and body; both take the `{first_name|there}` placeholders."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)


class FallbackWhen(BaseModel):
    """When a step moves on to its next channel."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    undeliverable: StrictBool = Field(
        default=True, description="the provider refused the message or reported it failed"
    )
    no_reply_within: Duration | None = Field(
        default=None, description="no reply this long after the send: send on the next channel"
    )


def skip_reason(channel: Channel, address: str | None, stopped: bool) -> str | None:
    """Why `channel` is passed over for a contact, or None when it may be used."""
    if address is None:
        return f"no_address:{channel}"
    if stopped:
        return f"opted_out:{channel}"
    return None


class ChannelRefused(Exception):
    """The SMS or email provider refused the message: it will not be delivered."""


class ChannelBusy(Exception):
    """The SMS or email provider could not take the message now (throttled, or failing on
    its side): nothing was sent, and a later try may go."""


_BUSY_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "TooManyRequestsException",
        "LimitExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalError",
        "InternalFailure",
        "InternalErrorException",
        "KMSThrottlingException",
    }
)


def provider_error(service: str, code: str, http_status: int) -> Exception:
    """What an SMS or email provider's error means: busy for a throttle or a fault on its
    side (tried again later, as WhatsApp's are), refused for anything about the message."""
    why = f"{service}: {code or 'error'}"
    if code in _BUSY_CODES or http_status == 429 or http_status >= 500:
        return ChannelBusy(why)
    return ChannelRefused(why)


class OutboundEmail(BaseModel):
    """One marketing email; `unsubscribe_for` names the contact its one-click link stops."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    to: str
    subject: str
    body: str
    unsubscribe_for: str
