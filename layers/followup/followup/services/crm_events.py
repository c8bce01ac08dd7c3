"""Events from other systems (CRM, booking tools, help desks), by HTTP or an EventBridge bus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, RootModel

from followup.domain.contact import Contact, Speaker
from followup.domain.errors import InvalidField, NotFound
from followup.domain.limits import Attributes, Label
from followup.domain.localtime import Moment
from followup.domain.phones import international_digits
from followup.domain.stored import Written
from followup.services import goals, triggers
from followup.services.contacts import change_stage, find_contact, update_contact
from followup.services.conversations import EVENT, close_conversation, reopen_conversation
from followup.services.deps import Deps
from followup.services.inbound import TOLD_AGAIN_WITHIN, record_outbound

SKEW = timedelta(minutes=5)
"""How far ahead of this service's clock an event's `at` may be: the sending system's clock
running a little fast. Taken as given, so a resend dates the same and orders the same; a
custom event so dated is named by it but kept as happened when heard, since it ends
journeys of the silence it happened in and one dated ahead would end the next one too."""
_AHEAD = f"at most {SKEW.seconds // 60} minutes after this service's clock"
_AT = f"when it happened, on the other system's clock (default: when it arrives); {_AHEAD}"
EVENT_CONFIG = ConfigDict(extra="forbid", defer_build=True, coerce_numbers_to_str=True)
"""Each event's fields as sent, a number where text goes (a contact's wa_id, a property's
amount) kept as its text, as a contact's own fields are."""


class StageChanged(BaseModel):
    model_config = EVENT_CONFIG

    type: Literal["stage_changed"]
    contact: str = Field(min_length=1, max_length=256, description="the contact's id or wa_id")
    stage: str
    at: Moment | None = Field(default=None, description=_AT)


class MessageSent(BaseModel):
    """A counsellor (agent) or another system wrote to the contact outside this engine."""

    model_config = EVENT_CONFIG

    type: Literal["message_sent"]
    contact: str = Field(min_length=1, max_length=256, description="the contact's id or wa_id")
    speaker: Literal["agent", "system"]
    text: str = Field(default="", max_length=4096)
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="the message's id in the sending system: told again with it, the "
        "message is one line (without `id` or `at`: the same words by the same speaker "
        f"within {TOLD_AGAIN_WITHIN.seconds // 60} minutes are one line)",
    )
    at: Moment | None = Field(default=None, description=_AT)


class ConversationClosed(BaseModel):
    """A help desk closed the conversation (its ticket): see `close_conversation`."""

    model_config = EVENT_CONFIG

    type: Literal["conversation_closed"]
    contact: str = Field(min_length=1, max_length=256, description="the contact's id or wa_id")
    at: Moment | None = Field(default=None, description=_AT)


class ConversationReopened(BaseModel):
    """A help desk reopened the conversation (its ticket)."""

    model_config = EVENT_CONFIG

    type: Literal["conversation_reopened"]
    contact: str = Field(min_length=1, max_length=256, description="the contact's id or wa_id")
    at: Moment | None = Field(default=None, description=_AT)


class CustomEvent(BaseModel):
    """Something that happened to the contact in another system (a booking, a payment),
    by name: running journeys whose goal or exit names it end (and, its time kept on the
    contact, those that start later in the same silence), and rules with an event
    trigger of that name whose `where` holds on the properties enroll the contact, once per
    event id."""

    model_config = EVENT_CONFIG

    type: Literal["custom"]
    name: Annotated[Label, Written, Field(min_length=1, description="e.g. booking_completed")]
    contact: str = Field(min_length=1, max_length=256, description="the contact's id or wa_id")
    properties: Attributes = Field(default_factory=dict, description="text values")
    id: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="the event's id in the sending system: the same id enrolls once "
        "(default: its time, so send `id` or `at` to make a resend harmless)",
    )
    at: Moment | None = Field(
        default=None, description=f"{_AT}; one ahead of that clock is kept as when it arrives"
    )


AnyEvent = StageChanged | MessageSent | ConversationClosed | ConversationReopened | CustomEvent
EVENT_TYPES: tuple[str, ...] = tuple(
    get_args(model.model_fields["type"].annotation)[0] for model in get_args(AnyEvent)
)
"""Every event `type`: the `detail-type`s the EventBridge bus routes to this service."""


class Event(RootModel):  # type: ignore[type-arg]  # typed by `root`: RootModel[...] would build now
    """One event from another system, told apart by `type`."""

    model_config = ConfigDict(defer_build=True)

    root: Annotated[AnyEvent, Field(discriminator="type")]


def apply(deps: Deps, event: AnyEvent) -> Contact:
    """Apply one event; the contact is named by id or wa_id (as typed too: "+62 811-...")."""
    now = deps.clock.now()
    at = _happened(event, now)
    number = international_digits(event.contact) or event.contact
    found = deps.contacts.contact(event.contact) or find_contact(deps, number, None)
    if found is None:
        raise NotFound("contact", event.contact)
    if isinstance(event, StageChanged):
        if event.stage not in deps.catalog.settings().stages:
            raise InvalidField("stage", f"unknown stage {event.stage!r}")
        return change_stage(deps, found.item.id, event.stage, at)
    if isinstance(event, ConversationClosed):
        return close_conversation(deps, found.item.id, EVENT, at)
    if isinstance(event, ConversationReopened):
        return reopen_conversation(deps, found.item.id, EVENT, at)
    if isinstance(event, CustomEvent):
        occurrence = event.id or at.astimezone(UTC).isoformat()
        at = min(at, now)  # dated ahead of our clock: kept as heard, see `SKEW`
        if goals.ends_journeys(deps, event.name):
            _remember(deps, found.item.id, event.name, at)
        goals.event_happened(deps, found.item.id, event.name, at)
        triggers.event_happened(deps, found.item, event.name, event.properties, occurrence, at, now)
        return found.item
    speaker = Speaker(event.speaker)
    dated = event.at is not None
    record_outbound(deps, found.item.id, speaker, event.text, at, ref=event.id, dated=dated)
    updated = deps.contacts.contact(found.item.id)
    return updated.item if updated else found.item


def _happened(event: AnyEvent, now: datetime) -> datetime:
    """When `event` happened, as its sender dated it, `now` when it did not. The sender's
    own time is what tells a resend apart and orders its stage changes, so a clock a little
    ahead of ours is taken at its word; one more than `SKEW` ahead is refused, naming `at`."""
    if event.at is None:
        return now
    if event.at > now + SKEW:
        raise InvalidField("at", f"{_AHEAD} ({now.isoformat()})")
    return event.at


def _remember(deps: Deps, contact_id: str, name: str, at: datetime) -> None:
    """Keep on the contact when the event `name`, a goal or exit of some rule, happened: a
    journey of that rule in the same silence stops, also one the tick has yet to start."""
    update_contact(deps, contact_id, lambda contact: contact.with_event(name, at), at)
