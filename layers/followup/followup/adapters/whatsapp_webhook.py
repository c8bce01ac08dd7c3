"""Meta's webhook envelope (as 360dialog forwards it) parsed into domain events.

A delivery whose envelope cannot be read (not JSON, nested too deep, not a WhatsApp
envelope) is refused whole. Inside a readable envelope each event stands alone: one that
cannot be read (no type, a time out of range, a 3,000-character id, text that is not valid
Unicode) becomes `Unreadable` and the others are still applied; a delivery with nothing
readable in it at all is refused. Nothing unreadable is ever half-applied.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import fields, is_dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from followup.adapters import template_events
from followup.adapters.whatsapp_messages import (
    BadEvent,
    Contact,
    Id,
    Model,
    Timestamped,
    call_event,
    echo_event,
    message_event,
)
from followup.domain import masking
from followup.domain.costs import Pricing
from followup.domain.messaging_limit import tier_named
from followup.domain.webhook_events import (
    AgentStandby,
    DeliveryState,
    DeliveryStatus,
    Identity,
    InboundMessage,
    MarketingPreference,
    MessagingTier,
    NumberQuality,
    ProviderError,
    Unhandled,
    Unreadable,
    WebhookEvent,
)
from followup.domain.whatsapp import provider_said

ENVELOPE_OBJECT = "whatsapp_business_account"
# Meta's deliveries nest about 12 levels deep; far deeper is not Meta and costs recursion.
MAX_DEPTH = 32


class BadEnvelope(ValueError):
    """The delivery is not a WhatsApp webhook we can read; the reason is short and safe."""

    def __init__(self, reason: str, unreadable: tuple[Unreadable, ...] = ()) -> None:
        super().__init__(reason)
        self.unreadable = unreadable


class _Error(Model):
    code: int | None = None
    title: str = ""
    message: str = ""
    error_data: dict[str, Any] = Field(default_factory=dict)


class _Status(Timestamped):
    id: Id = Field(min_length=1)
    status: str
    recipient_id: Id | None = None
    recipient_user_id: Id | None = None
    biz_opaque_callback_data: str | None = Field(default=None, max_length=512)
    errors: list[_Error] = Field(default_factory=list)
    pricing: dict[str, Any] | None = None


class _Preference(Timestamped):
    wa_id: Id | None = None
    user_id: Id | None = None
    category: str = ""
    value: str


class _Value(Model):
    metadata: dict[str, Any] = Field(default_factory=dict)
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[Any] = Field(default_factory=list)
    statuses: list[Any] = Field(default_factory=list)
    calls: list[Any] = Field(default_factory=list)
    errors: list[Any] = Field(default_factory=list)
    message_echoes: list[Any] = Field(default_factory=list)
    user_preferences: list[Any] = Field(default_factory=list)
    display_phone_number: str = ""
    event: str = ""


class _Change(Model):
    field: str
    value: dict[str, Any]


class _Entry(Model):
    time: Any = None
    changes: list[Any] = Field(default_factory=list)


class _Envelope(Model):
    object: str
    entry: list[_Entry]


def parse(body: bytes, received_at: datetime) -> list[WebhookEvent]:
    """Every event in one delivery, in order, unreadable ones included as `Unreadable`."""
    envelope = _envelope(body)
    events: list[WebhookEvent] = []
    for entry in envelope.entry:
        told = _told_at(entry.time, received_at)
        for change in entry.changes:
            events.extend(_change(change, received_at, told))
    unreadable = tuple(e for e in events if isinstance(e, Unreadable))
    if unreadable and len(unreadable) == len(events):
        raise BadEnvelope(f"nothing readable: {unreadable[0].reason}", unreadable)
    return events


def _envelope(body: bytes) -> _Envelope:
    try:
        document = json.loads(body)
    except RecursionError as exc:
        raise BadEnvelope(f"JSON nested deeper than {MAX_DEPTH}") from exc
    except ValueError as exc:  # undecodable bytes, bad JSON, a number too long to read
        raise BadEnvelope("body is not valid JSON") from exc
    if _too_deep(document):
        raise BadEnvelope(f"JSON nested deeper than {MAX_DEPTH}")
    try:
        envelope = _Envelope.model_validate(document)
    except ValidationError as exc:
        raise BadEnvelope(f"not a webhook envelope: {_where(exc)}") from exc
    if envelope.object != ENVELOPE_OBJECT:
        raise BadEnvelope(f"object must be {ENVELOPE_OBJECT!r}")
    return envelope


def _too_deep(document: Any) -> bool:
    stack = [(document, 1)] if isinstance(document, dict | list) else []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return False


def _told_at(time: Any, received_at: datetime) -> datetime:
    """When Meta says an entry's changes happened (its `time`, Unix seconds), never after
    they were received; the receive time when it names none, or none a date holds."""
    if not isinstance(time, int) or isinstance(time, bool):
        return received_at
    try:
        return min(datetime.fromtimestamp(time, UTC), received_at)
    except (ValueError, OverflowError, OSError):
        return received_at


def _change(raw: Any, received_at: datetime, told: datetime) -> list[WebhookEvent]:
    try:
        change = _Change.model_validate(raw)
        value = _Value.model_validate(change.value)
    except ValidationError as exc:
        field = raw.get("field") if isinstance(raw, dict) else None
        return [_unreadable(str(field or "change"), _where(exc), raw)]
    if change.field == "messages":
        return _conversation(value)
    if change.field == "calls":
        return _calls(value)
    if change.field == "smb_message_echoes":
        return _each(change.field, value.message_echoes, echo_event)
    if change.field == "standby":
        # Meta's agent has the chats; what the contact writes still counts (a STOP too).
        return [
            *_each(change.field, [change.value], lambda _: _standby(value, told)),
            *_conversation(value),
        ]
    if change.field == "user_preferences":
        return _each(
            "user_preferences", value.user_preferences, lambda p: _preference(p, value.contacts)
        )
    if change.field == "phone_number_quality_update":
        return _each(change.field, [change.value], lambda _: _quality(value, told))
    if change.field == "business_capability_update":
        return _each(change.field, [change.value], lambda raw: _tier(raw, told))
    if change.field in template_events.FIELDS:
        return _each(
            change.field,
            [change.value],
            # dated when Meta says it happened: a delivery tried again later is known late
            lambda raw: template_events.template_event(change.field, raw, told),
        )
    return [Unhandled(_safe(change.field), f"{_safe(change.field)} event")]


def _conversation(value: _Value) -> list[WebhookEvent]:
    """Messages and statuses, each marked with the business number of the delivery."""
    number = str(value.metadata.get("phone_number_id") or "") or None
    return [
        *_each("messages", value.messages, lambda m: _on(message_event(m, value.contacts), number)),
        *_each("statuses", value.statuses, lambda s: _on(_status(s), number)),
        *_each("errors", value.errors, _reported),
    ]


def _reported(raw: Any) -> WebhookEvent:
    """An error WhatsApp reports beside any message or status: nothing to act on, but an
    operator reads it in the log."""
    error = _Error.model_validate(raw)
    named = "WhatsApp error" if error.code is None else f"WhatsApp error {error.code}"
    said = provider_said(error.title or error.message, str(error.error_data.get("details", "")))
    # its words may name the lead (a number, an address): logged as `masking` shows them
    return Unhandled("errors", masking.masked(_safe(named + said))[:300])


def _calls(value: _Value) -> list[WebhookEvent]:
    """Calls, each marked with the business number; a call's statuses (ringing, accepted,
    rejected) are of calls the business placed, not the user writing."""
    number = str(value.metadata.get("phone_number_id") or "") or None
    business = str(value.metadata.get("display_phone_number") or "")
    return [
        *_each(
            "calls", value.calls, lambda c: _on(call_event(c, value.contacts, business), number)
        ),
        *(Unhandled("calls", "status of a call the business placed") for _ in value.statuses),
    ]


def _on(event: WebhookEvent, number: str | None) -> WebhookEvent:
    if number is not None and isinstance(event, InboundMessage | DeliveryStatus):
        return replace(event, phone_number_id=number)
    return event


def _each(field: str, items: list[Any], read: Callable[[Any], WebhookEvent]) -> list[WebhookEvent]:
    """Read each item on its own: one that cannot be read does not take the others along."""
    events: list[WebhookEvent] = []
    for raw in items:
        try:
            event = read(raw)
            _sound(event)
        except ValidationError as exc:
            events.append(_unreadable(field, _where(exc), raw))
        except ValueError as exc:  # BadEvent, or text that is not valid Unicode
            events.append(_unreadable(field, _safe(str(exc))[:200], raw))
        else:
            events.append(event)
    return events


def _sound(value: Any) -> None:
    """Every text we would store must be valid Unicode (a lone surrogate is not)."""
    if isinstance(value, str):
        value.encode()
    elif isinstance(value, BaseModel):
        _sound(value.model_dump())
    elif isinstance(value, dict):
        for item in value.values():
            _sound(item)
    elif isinstance(value, tuple | list):
        for item in value:
            _sound(item)
    elif is_dataclass(value):
        for f in fields(value):
            _sound(getattr(value, f.name))


def _status(raw: Any) -> WebhookEvent:
    status = _Status.model_validate(raw)
    try:
        state = DeliveryState(status.status)
    except ValueError:
        return Unhandled("statuses", f"status {_safe(status.status)[:40]!r}")
    errors = tuple(
        ProviderError(e.code, e.title or e.message, str(e.error_data.get("details", "")))
        for e in status.errors
    )
    return DeliveryStatus(
        wamid=status.id,
        state=state,
        at=status.timestamp,
        recipient=status.recipient_id or status.recipient_user_id,
        user_id=status.recipient_user_id,
        followup_id=status.biz_opaque_callback_data,
        errors=errors,
        pricing=_pricing(status.pricing),
    )


def _pricing(raw: dict[str, Any] | None) -> Pricing | None:
    """The status's price; one we cannot read leaves the status itself readable."""
    if not raw:
        return None
    try:
        return Pricing.model_validate(raw)
    except ValidationError:
        return None


def _preference(raw: Any, contacts: list[Contact]) -> WebhookEvent:
    pref = _Preference.model_validate(raw)
    if pref.category and pref.category != "marketing_messages":
        return Unhandled("user_preferences", f"category {_safe(pref.category)[:40]!r}")
    if pref.value not in ("stop", "resume"):
        return Unhandled("user_preferences", f"value {_safe(pref.value)[:40]!r}")
    wa_id, user_id = pref.wa_id or None, pref.user_id or None
    if not wa_id and not user_id and len(contacts) == 1:
        wa_id, user_id = contacts[0].wa_id or None, contacts[0].user_id or None
    if not wa_id and not user_id:
        raise BadEvent("user_preferences entry without wa_id or user_id")
    return MarketingPreference(Identity(wa_id, user_id), pref.value == "stop", pref.timestamp)


def _quality(value: _Value, told: datetime) -> WebhookEvent:
    if not value.event:
        raise BadEvent("phone_number_quality_update without an event")
    number = str(value.metadata.get("phone_number_id") or value.display_phone_number)
    return NumberQuality(number, value.display_phone_number, value.event, told)


_TIER_FIELDS = ("max_daily_conversations_per_business", "max_daily_conversation_per_phone")
"""Where the limit is named: per portfolio since October 2025, per number before."""


def _tier(raw: dict[str, Any], told: datetime) -> WebhookEvent:
    named = next((raw[name] for name in _TIER_FIELDS if name in raw), None)
    if named is None:
        raise BadEvent("business_capability_update without a messaging limit")
    return MessagingTier(tier_named(named), told)


def _standby(value: _Value, told: datetime) -> WebhookEvent:
    number = str(value.metadata.get("phone_number_id") or "")
    if not number:
        raise BadEvent("standby without metadata.phone_number_id")
    shown = str(value.metadata.get("display_phone_number") or "")
    # Dated by the latest line it carries: a copy delivered again keeps its time.
    stamps = [
        _told_at(int(stamp), told)
        for item in (*value.messages, *value.statuses)
        if isinstance(item, dict) and (stamp := str(item.get("timestamp", ""))).isdigit()
    ]
    return AgentStandby(number, shown, max(stamps, default=told))


def _unreadable(field: str, reason: str, raw: Any) -> Unreadable:
    return Unreadable(_safe(field)[:64], reason, json.dumps(masked(raw), default=str))


PERSONAL = frozenset(
    {"from", "wa_id", "new_wa_id", "recipient_id", "to", "user_id", "phone", "phones", "customer"}
    | {"email", "emails", "body", "text", "caption", "emoji", "title", "description"}
    | {"payload", "input", "response_json", "name", "formatted_name", "first_name"}
    | {"last_name", "profile", "address", "addresses", "org", "birthday"}
    | {"latitude", "longitude", "url", "urls", "link", "filename"}
)
"""The keys of an event whose values say who a lead is or what they wrote (`customer`: the
number a lead changed from); so does any key naming a user id or a number
(`from_user_id`, `to_user_id`, `old_wa_id`)."""
_PERSONAL_ENDINGS = ("user_id", "wa_id")


def masked(raw: Any, personal: bool = False) -> Any:
    """`raw` with every value under a `PERSONAL` key shown by its kind and size only (a
    number, what a lead wrote, where they are: "<29 characters>", "<number>"), the rest
    (ids, times, types, statuses, errors) as it is: an event kept in the logs for someone
    to look at keeps no lead's words or number."""
    if isinstance(raw, dict):
        return {key: masked(value, personal or _personal(key)) for key, value in raw.items()}
    if isinstance(raw, list):
        return [masked(value, personal) for value in raw]
    if not personal or raw is None or isinstance(raw, bool):
        return raw
    return f"<{len(raw)} characters>" if isinstance(raw, str) else "<number>"


def _personal(key: object) -> bool:
    return isinstance(key, str) and (key in PERSONAL or key.endswith(_PERSONAL_ENDINGS))


def _safe(text: str) -> str:
    """Text that can be logged and answered: invalid Unicode shown as escapes."""
    return text.encode("utf-8", "backslashreplace").decode()


def _where(exc: ValidationError) -> str:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or "body"
    return _safe(f"{location}: {first['msg']}")[:200]
