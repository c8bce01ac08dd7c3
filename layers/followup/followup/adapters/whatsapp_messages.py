"""One entry of a webhook's `messages[]` read as a domain event.

Only what the user wrote, tapped or sent is an `InboundMessage` (it counts as a reply and
opens the 24 h window); system notices, edits, deletions, a removed reaction and a chat
opened for the first time are not. A changed number or user id is an `IdentityChange`.
A call the user places (an entry of a `calls` change) counts as them writing, as it opens
the window on WhatsApp's side too. What a counsellor writes from the WhatsApp Business app
sharing the number (an `smb_message_echoes` entry) is `AgentWrote`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from followup.domain.conversation import Referral
from followup.domain.webhook_events import (
    AgentWrote,
    Identity,
    IdentityChange,
    InboundMessage,
    Unhandled,
    WebhookEvent,
)

# Meta's ids are short printable ASCII; anything else is not Meta's and may not fit a key.
Id = Annotated[str, Field(max_length=256, pattern=r"^[ -~]*$")]
# Unix seconds up to 2100: a larger number is not a time Meta sends (milliseconds, garbage).
LATEST_SECONDS = 4_102_444_800

WRITTEN = frozenset(
    {
        "text",
        "button",
        "interactive",
        "reaction",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "order",
        "unsupported",
        "unknown",
    }
)


class BadEvent(ValueError):
    """This event cannot be read (no sender, ...); the reason is short and safe."""


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, defer_build=True)


class Timestamped(Model):
    timestamp: datetime

    @field_validator("timestamp", mode="before")
    @classmethod
    def _unix(cls, value: Any) -> datetime:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError("timestamp must be unix seconds")
        seconds = int(value)
        if not 0 <= seconds < LATEST_SECONDS:
            raise ValueError("timestamp out of range")
        return datetime.fromtimestamp(seconds, tz=UTC)


class _Profile(Model):
    name: str = Field(default="", max_length=256)


class Contact(Model):
    wa_id: Id | None = None
    user_id: Id | None = None
    profile: _Profile = Field(default_factory=_Profile)


class _Referral(Model):
    source_type: str | None = None
    source_id: str | None = None
    source_url: str | None = None
    headline: str | None = None
    ctwa_clid: str | None = None


class _System(Model):
    type: str = ""
    wa_id: Id | None = None
    new_wa_id: Id | None = None
    customer: Id | None = None
    user_id: Id | None = None


class _Message(Timestamped):
    id: Id = Field(min_length=1)
    type: str = Field(min_length=1, max_length=64)
    from_: Id | None = Field(default=None, alias="from")
    from_user_id: Id | None = None
    user_id: Id | None = None
    context: dict[str, Any] = Field(default_factory=dict)
    referral: _Referral | None = None
    system: _System | None = None


class _Call(Timestamped):
    id: Id = Field(min_length=1)
    event: str = ""
    direction: str = ""
    from_: Id | None = Field(default=None, alias="from")
    from_user_id: Id | None = None


def call_event(raw: Any, contacts: list[Contact], business: str) -> WebhookEvent:
    """The event one `calls[]` entry stands for: the user calling in is heard once, when the
    call connects (its end, and a call the business placed, are not the user writing).
    `business` is the delivery's display number: a call from it is the business's own
    when the entry does not say its direction."""
    call = _Call.model_validate(raw)
    direction = call.direction.upper()
    if not direction:
        direction = "BUSINESS_INITIATED" if business and call.from_ == business else ""
    if direction == "BUSINESS_INITIATED":
        return Unhandled("calls", "a call the business placed")
    if call.event != "connect":
        return Unhandled("calls", f"call {call.event or 'event'}"[:60])
    wa_id, user_id, name = _sender(call.from_, call.from_user_id, contacts)
    return InboundMessage(
        message_id=call.id,
        sender=Identity(wa_id, user_id),
        at=call.timestamp,
        kind="call",
        text="[call]",
        worded=False,
        name=name,
    )


class _Echo(Timestamped):
    id: Id = Field(min_length=1)
    type: str = Field(min_length=1, max_length=64)
    to: Id | None = None
    to_user_id: Id | None = None


def echo_event(raw: Any) -> WebhookEvent:
    """What one `message_echoes[]` entry says a counsellor wrote, and to whom."""
    echo = _Echo.model_validate(raw)
    if not echo.to and not echo.to_user_id:
        raise BadEvent("message echo has neither to nor to_user_id")
    raw_body = (echo.model_extra or {}).get(echo.type)
    body = raw_body if isinstance(raw_body, dict) else {}
    if echo.type == "reaction" and not body.get("emoji"):
        return Unhandled("smb_message_echoes", "reaction removed (not written)")
    text, _ = _said(echo.type, body)
    recipient = Identity(echo.to or None, echo.to_user_id or None)
    return AgentWrote(echo.id, recipient, echo.timestamp, text)


def message_event(raw: Any, contacts: list[Contact]) -> WebhookEvent:
    """The event one `messages[]` entry stands for; ValueError when it cannot be read."""
    message = _Message.model_validate(raw)
    wa_id, user_id, name = _sender(message.from_, message.from_user_id or message.user_id, contacts)
    sender = Identity(wa_id, user_id)
    if message.type == "system":
        return _system(message, sender)
    body = _body(message)
    if message.type not in WRITTEN or (message.type == "reaction" and not body.get("emoji")):
        kind = "reaction removed" if message.type == "reaction" else message.type
        return Unhandled("messages", f"{kind} (not written by the user)")
    referral = message.referral
    text, worded = _said(message.type, body)
    return InboundMessage(
        message_id=message.id,
        sender=sender,
        at=message.timestamp,
        kind=message.type,
        text=text,
        worded=worded,
        name=name,
        replying_to=message.context.get("id"),
        referral=Referral.model_validate(referral.model_dump()) if referral else None,
    )


def _sender(
    from_: str | None, from_user_id: str | None, contacts: list[Contact]
) -> tuple[str | None, str | None, str]:
    """A username sender has an empty `from` and a `from_user_id`; contacts[] fills gaps."""
    wa_id = from_ or None
    user_id = from_user_id or None
    if not wa_id and not user_id and len(contacts) == 1:
        wa_id, user_id = contacts[0].wa_id or None, contacts[0].user_id or None
    match = next(
        (c for c in contacts if (wa_id and c.wa_id == wa_id) or (user_id and c.user_id == user_id)),
        None,
    )
    if match is not None:
        wa_id, user_id = wa_id or match.wa_id or None, user_id or match.user_id or None
    if not wa_id and not user_id:
        raise BadEvent("message has neither from nor from_user_id")
    return wa_id, user_id, match.profile.name if match else ""


def _system(message: _Message, sender: Identity) -> WebhookEvent:
    system = message.system or _System()
    if system.type in ("user_changed_number", "customer_changed_number"):
        new = system.new_wa_id or system.wa_id
        old = sender
        if new == sender.wa_id and system.customer:
            old = Identity(system.customer)
        if new and new != old.wa_id:
            return IdentityChange(old, Identity(new), message.timestamp)
    if system.type == "user_changed_user_id" and system.user_id:
        return IdentityChange(sender, Identity(None, system.user_id), message.timestamp)
    return Unhandled("messages", f"system {system.type or 'notice'}")


def _body(message: _Message) -> dict[str, Any]:
    body = (message.model_extra or {}).get(message.type)
    return body if isinstance(body, dict) else {}


_WORDS_WITH = {"image": "caption", "video": "caption", "document": "caption", "order": "text"}
"""Where a kind carries the words the lead typed with it: a photo's, video's or file's
caption, the note written with a catalogue order."""


def _said(kind: str, body: dict[str, Any]) -> tuple[str, bool]:
    """The text of a message and whether it is words to read: its body, a button's payload
    or title, a flow's answers, a photo's, video's or file's caption (a receipt sent with
    "sudah transfer ya"), an order's note ("kirim besok ya"). A reaction's emoji is its
    text but no words: it asks for nothing. Other kinds are a `[kind]` marker, not words."""
    if kind == "text":
        return str(body.get("body", "")), True
    words = body.get(_WORDS_WITH[kind]) if kind in _WORDS_WITH else None
    if isinstance(words, str) and words.strip():
        return words, True
    if kind == "button":
        return str(body.get("text") or body.get("payload") or ""), True
    if kind == "reaction" and body.get("emoji"):
        return str(body["emoji"]), False
    if kind != "interactive":
        return f"[{kind}]", False
    reply = body.get(str(body.get("type")))
    if not isinstance(reply, dict):
        return "[interactive]", False
    if body.get("type") == "nfm_reply":
        # A form's fields, kept as answered but no sentence of the lead's to read: a visit
        # booked for "10:00" is no "call me at 10".
        answers = reply.get("response_json") or reply.get("body")
        return (str(answers), False) if answers else ("[flow]", False)
    if body.get("type") == "call_permission_reply":
        return f"[call permission: {reply.get('response', '')}]", False
    title = reply.get("title") or reply.get("id")
    return (str(title), True) if title else ("[interactive]", False)
