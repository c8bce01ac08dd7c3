"""Channels a step sends on, the order it falls back in, who may be reached where, and
how many SMS a text goes out as."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from followup.domain.durations import Duration
from followup.domain.stored import Written
from followup.loading import loading

Channel = Literal["whatsapp", "sms", "email"]
CHANNELS: tuple[Channel, ...] = ("whatsapp", "sms", "email")

EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\".]+$")

SMS_MAX_CHARACTERS = 1_600
"""The longest text SNS publishes as one SMS (split into parts on the way), in code points:
a step's text as written (a placeholder with its braces) is refused over it when saved, and
the text a lead gets is cut to it (`fit_sms`); the web editor counts it the same way
(web/src/pages/editor/sms.ts)."""


def fit_sms(text: str) -> str:
    """`text` as SNS takes it: at most `SMS_MAX_CHARACTERS` code points, the measure a step's
    text is checked by as written (a name or a field may lengthen it), cut after the last
    whole word that fits (words part at any white space). A text with no word boundary
    before the limit is cut after its last whole character as a reader sees it (grapheme
    cluster): a flag, an emoji joined by zero-width joiners or an accented letter goes whole
    or not at all. Only a character longer than the limit on its own goes in part."""
    if len(text) <= SMS_MAX_CHARACTERS:
        return text
    pieces = _pieces(text, len, part=SMS_MAX_CHARACTERS)
    fitting, room = 0, SMS_MAX_CHARACTERS
    while pieces[fitting][1] <= room:
        room -= pieces[fitting][1]
        fitting += 1
    kept = [piece for piece, _ in pieces[:fitting]]
    if not pieces[fitting][0][0].isspace():
        spaces = [n for n, piece in enumerate(kept) if piece[0].isspace()]
        if spaces and "".join(kept[: spaces[-1]]).strip():
            del kept[spaces[-1] :]
    while kept and kept[-1].isspace():
        kept.pop()
    return "".join(kept)


SmsEncoding = Literal["gsm7", "ucs2"]

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
"""GSM 03.38's basic character set: one septet each."""
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
"""GSM 03.38's extension table: two septets each (the escape and the character)."""
_GSM7 = _GSM7_BASIC | _GSM7_EXTENSION


@dataclass(frozen=True)
class SmsParts:
    """How a text goes out as SMS: its encoding, its length in that encoding's units (GSM-7
    septets, UCS-2 code units) and the number of SMS it is sent and billed as; for UCS-2,
    the characters outside GSM-7 that force it (each once, in order) and the SMS the text
    would take in GSM-7 with those characters swapped for plain ones."""

    encoding: SmsEncoding
    units: int
    parts: int
    gsm7_parts: int
    unicode: tuple[str, ...] = ()


def sms_parts(text: str) -> SmsParts:
    """The SMS `text` is sent as: in GSM-7 when every character is in GSM 03.38 (an extension
    character counted as two), 160 to one SMS and 153 to each part of a longer one; else in
    UCS-2 (UTF-16 code units, an emoji two), 70 to one SMS and 67 to each part. The SMS
    counted are the parts `sms_split` cuts the text into."""
    septets = _pieces(text, _septets, part=153)
    gsm7_parts = len(_packed(septets, single=160, part=153))
    unicode = tuple(dict.fromkeys(char for char in text if char not in _GSM7))
    if not unicode:
        return SmsParts("gsm7", _units(septets), gsm7_parts, gsm7_parts)
    code_units = _pieces(text, _code_units, part=67)
    parts = len(_packed(code_units, single=70, part=67))
    return SmsParts("ucs2", _units(code_units), parts, gsm7_parts, unicode)


def sms_split(text: str) -> tuple[str, ...]:
    """The SMS a phone receives `text` in, in order (none for no text, one when it fits one
    SMS). A part ends only between two characters as a reader sees them (grapheme clusters):
    a flag, an emoji sequence joined by zero-width joiners, a letter with its accents, a
    surrogate pair or a GSM-7 extension character goes whole to the next part when it does
    not fit. Only a character longer than a part on its own (a letter under dozens of
    accents) goes over one code point at a time."""
    if all(char in _GSM7 for char in text):
        return tuple(_packed(_pieces(text, _septets, part=153), single=160, part=153))
    return tuple(_packed(_pieces(text, _code_units, part=67), single=70, part=67))


@cache
def _grapheme() -> Any:
    """An extended grapheme cluster (Unicode's UAX #29): one character as a reader sees it.
    `regex` loads on the first count (a rule saved), not in every handler's cold start."""
    with loading():
        import regex

    return regex.compile(r"\X")


def _septets(text: str) -> int:
    return sum(2 if char in _GSM7_EXTENSION else 1 for char in text)


def _code_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _pieces(text: str, size: Callable[[str], int], part: int) -> list[tuple[str, int]]:
    """`text`'s grapheme clusters with their sizes, a cluster larger than `part` broken into
    its code points."""
    pieces: list[tuple[str, int]] = []
    for cluster in _grapheme().findall(text):
        whole = size(cluster)
        if whole <= part:
            pieces.append((cluster, whole))
        else:
            pieces.extend((char, size(char)) for char in cluster)
    return pieces


def _units(pieces: list[tuple[str, int]]) -> int:
    return sum(size for _, size in pieces)


def _packed(pieces: list[tuple[str, int]], single: int, part: int) -> list[str]:
    """The SMS pieces of these sizes go in: one up to `single` units, else parts of up to
    `part` units, a piece that does not fit whole starting the next part."""
    if not pieces:
        return []
    if _units(pieces) <= single:
        return ["".join(piece for piece, _ in pieces)]
    parts: list[list[str]] = [[]]
    room = part
    for piece, size in pieces:
        if size > room:
            parts.append([])
            room = part
        parts[-1].append(piece)
        room -= size
    return ["".join(chosen) for chosen in parts]


def one_line(text: str) -> str:
    """An email subject as a header takes it: its lines (a field the CRM wrote on two)
    joined by single spaces."""
    return " ".join(text.split())


class EmailContent(BaseModel):
    """An email's subject and body; both take the `{first_name|there}` placeholders."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    subject: Annotated[str, Written] = Field(min_length=1, max_length=200)
    body: Annotated[str, Written] = Field(min_length=1, max_length=20_000)


class FallbackWhen(BaseModel):
    """When a step moves on to its next channel."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    undeliverable: StrictBool = Field(
        default=True, description="the provider refused the message or reported it failed"
    )
    no_reply_within: Duration | None = Field(
        default=None, description="no reply this long after the send: send on the next channel"
    )


NO_CHANNEL = "no channel: "
"""How the reason of a follow-up no channel of its step could reach begins: the channels
passed over follow it."""


def skip_reason(
    channel: Channel, address: str | None, stopped: bool, bounced: bool = False
) -> str | None:
    """Why `channel` is passed over for a contact, or None when it may be used: `bounced`
    when mail to their address hard-bounced, which is no opt-out of theirs."""
    if address is None:
        return f"no_address:{channel}"
    if stopped:
        return f"opted_out:{channel}"
    if bounced:
        return f"bounced:{channel}"
    return None


class ChannelRefused(Exception):
    """The SMS or email provider refused the message: it will not be delivered."""


class ChannelUnavailable(ChannelRefused):
    """The provider refuses every message of the account, not this one's address (SES
    sending paused or the account suspended, the sender's identity or the configuration
    set not usable): the channel is out of use until someone fixes the account."""


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
    """What an SMS or email provider's error means: busy for a throttle, a request timed out
    on the way (408, from a proxy) or a fault on its side (tried again later, as WhatsApp's
    are), refused for anything about the message."""
    why = f"{service}: {code or 'error'}"
    if code in _BUSY_CODES or http_status in (408, 429) or http_status >= 500:
        return ChannelBusy(why)
    return ChannelRefused(why)


FOLLOWUP_TAG = "followup_id"
"""The SES message tag naming the follow-up an email sends: SES names it again in that
message's bounce and complaint events (services.email_feedback)."""
EMAIL_EVENTS_SOURCE = "aws.ses"
"""The `source` of the events SES puts on the account's default EventBridge bus."""
EMAIL_EVENT_TYPES = ("Email Bounced", "Email Complaint Received")
"""The `detail-type`s of those events the bus routes to services.email_feedback."""


class OutboundEmail(BaseModel):
    """One marketing email; `unsubscribe_for` names the contact its one-click link stops,
    `followup_id` the follow-up it sends (SES tags it so, and its bounce or complaint names
    it back)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    to: str
    subject: str
    body: str
    unsubscribe_for: str
    followup_id: str


def ascii_address(address: str) -> str:
    """`address` with its domain in Punycode (`budi@xn--bcher-kva.de` for `budi@bücher.de`),
    as SES takes an accented domain and names it in its bounces; one IDNA cannot encode
    stays as written, for SES to refuse."""
    local, _, domain = address.rpartition("@")
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return address
