"""Meta's webhook envelope (as 360dialog forwards it) parsed into domain events.

The whole delivery is validated before anything is applied, so bad input is refused
whole (400) and never half-written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from followup.domain.webhook_events import (
    DeliveryState,
    DeliveryStatus,
    Identity,
    InboundMessage,
    MarketingPreference,
    NumberQuality,
    ProviderError,
    Unhandled,
    WebhookEvent,
)

ENVELOPE_OBJECT = "whatsapp_business_account"


class BadEnvelope(ValueError):
    """The delivery is not a WhatsApp webhook we can read; the reason is short and safe."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _Timestamped(_Model):
    timestamp: datetime

    @field_validator("timestamp", mode="before")
    @classmethod
    def _unix(cls, value: Any) -> datetime:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValueError("timestamp must be unix seconds")
        return datetime.fromtimestamp(int(value), tz=UTC)


class _Profile(_Model):
    name: str = ""


class _Contact(_Model):
    wa_id: str | None = None
    user_id: str | None = None
    profile: _Profile = Field(default_factory=_Profile)


class _Error(_Model):
    code: int | None = None
    title: str = ""
    message: str = ""
    error_data: dict[str, Any] = Field(default_factory=dict)


class _Message(_Timestamped):
    id: str = Field(min_length=1)
    type: str = Field(min_length=1)
    from_: str | None = Field(default=None, alias="from")
    user_id: str | None = None
    context: dict[str, Any] = Field(default_factory=dict)


class _Status(_Timestamped):
    id: str = Field(min_length=1)
    status: str
    recipient_id: str | None = None
    recipient_user_id: str | None = None
    biz_opaque_callback_data: str | None = None
    errors: list[_Error] = Field(default_factory=list)


class _Preference(_Timestamped):
    wa_id: str | None = None
    user_id: str | None = None
    category: str = ""
    value: str


class _Value(_Model):
    metadata: dict[str, Any] = Field(default_factory=dict)
    contacts: list[_Contact] = Field(default_factory=list)
    messages: list[_Message] = Field(default_factory=list)
    statuses: list[_Status] = Field(default_factory=list)
    user_preferences: list[_Preference] = Field(default_factory=list)
    display_phone_number: str = ""
    event: str = ""


class _Change(_Model):
    field: str
    value: dict[str, Any]


class _Entry(_Model):
    id: str = ""
    changes: list[_Change] = Field(default_factory=list)


class _Envelope(_Model):
    object: str
    entry: list[_Entry]


def parse(body: bytes, received_at: datetime) -> list[WebhookEvent]:
    """Every event in one delivery, in order; BadEnvelope if any part is unreadable."""
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadEnvelope("body is not valid JSON") from exc
    try:
        envelope = _Envelope.model_validate(document)
    except ValidationError as exc:
        raise BadEnvelope(f"not a webhook envelope: {_where(exc)}") from exc
    if envelope.object != ENVELOPE_OBJECT:
        raise BadEnvelope(f"object must be {ENVELOPE_OBJECT!r}")
    events: list[WebhookEvent] = []
    for entry in envelope.entry:
        for change in entry.changes:
            events.extend(_events(change, received_at))
    return events


def _events(change: _Change, received_at: datetime) -> list[WebhookEvent]:
    try:
        value = _Value.model_validate(change.value)
    except ValidationError as exc:
        raise BadEnvelope(f"{change.field}: {_where(exc)}") from exc
    if change.field == "messages":
        return [*_inbound(value), *_statuses(value)]
    if change.field == "user_preferences":
        return [_preference(pref, value) for pref in value.user_preferences]
    if change.field == "phone_number_quality_update":
        if not value.event:
            raise BadEnvelope("phone_number_quality_update without an event")
        number = str(value.metadata.get("phone_number_id") or value.display_phone_number)
        return [NumberQuality(number, value.display_phone_number, value.event, received_at)]
    return [Unhandled(change.field, f"{change.field} event")]


def _inbound(value: _Value) -> list[WebhookEvent]:
    events: list[WebhookEvent] = []
    for message in value.messages:
        sender = _sender(message, value.contacts)
        name = next(
            (c.profile.name for c in value.contacts if _same(c, sender) and c.profile.name), ""
        )
        events.append(
            InboundMessage(
                message_id=message.id,
                sender=sender,
                at=message.timestamp,
                kind=message.type,
                text=_text(message),
                name=name,
                replying_to=message.context.get("id"),
            )
        )
    return events


def _sender(message: _Message, contacts: list[_Contact]) -> Identity:
    wa_id = message.from_
    user_id = message.user_id
    if wa_id is None and len(contacts) == 1:
        wa_id, user_id = contacts[0].wa_id, user_id or contacts[0].user_id
    if user_id is None:
        user_id = next((c.user_id for c in contacts if wa_id and c.wa_id == wa_id), None)
    if not wa_id and not user_id:
        raise BadEnvelope(f"message {message.id} has neither from nor user_id")
    return Identity(wa_id or None, user_id)


def _same(contact: _Contact, identity: Identity) -> bool:
    return bool(
        (identity.wa_id and contact.wa_id == identity.wa_id)
        or (identity.user_id and contact.user_id == identity.user_id)
    )


def _text(message: _Message) -> str:
    """A button's payload or title counts as the text; other kinds are a marker."""
    extra = message.model_extra or {}
    body = extra.get(message.type)
    if not isinstance(body, dict):
        body = {}
    if message.type == "text":
        return str(body.get("body", ""))
    if message.type == "button":
        return str(body.get("text") or body.get("payload") or "")
    if message.type == "interactive":
        reply = body.get("button_reply") or body.get("list_reply") or {}
        return str(reply.get("title") or reply.get("id") or "") if isinstance(reply, dict) else ""
    if message.type == "reaction":
        return str(body.get("emoji") or "[reaction]")
    return f"[{message.type}]"


def _statuses(value: _Value) -> list[WebhookEvent]:
    events: list[WebhookEvent] = []
    for status in value.statuses:
        try:
            state = DeliveryState(status.status)
        except ValueError:
            events.append(Unhandled("statuses", f"status {status.status!r}"))
            continue
        errors = tuple(
            ProviderError(e.code, e.title or e.message, str(e.error_data.get("details", "")))
            for e in status.errors
        )
        events.append(
            DeliveryStatus(
                wamid=status.id,
                state=state,
                at=status.timestamp,
                recipient=status.recipient_id or status.recipient_user_id,
                followup_id=status.biz_opaque_callback_data,
                errors=errors,
            )
        )
    return events


def _preference(pref: _Preference, value: _Value) -> WebhookEvent:
    if not pref.wa_id and not pref.user_id:
        raise BadEnvelope("user_preferences entry without wa_id or user_id")
    if pref.category and pref.category != "marketing_messages":
        return Unhandled("user_preferences", f"category {pref.category!r}")
    if pref.value not in ("stop", "resume"):
        return Unhandled("user_preferences", f"value {pref.value!r}")
    return MarketingPreference(
        Identity(pref.wa_id, pref.user_id), pref.value == "stop", pref.timestamp
    )


def _where(exc: ValidationError) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "body"
    return f"{location}: {first['msg']}"
