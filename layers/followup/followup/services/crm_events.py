"""Events from other systems (CRM, booking tools), by HTTP or an EventBridge bus."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, RootModel

from followup.domain.contact import Contact, Speaker
from followup.domain.errors import InvalidField, NotFound
from followup.services.contacts import change_stage, find_contact
from followup.services.deps import Deps
from followup.services.inbound import record_outbound
from followup.services.late import enroll_late

_AT = "when it happened in the other system; default and latest: when it arrives"


class StageChanged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["stage_changed"]
    contact: str = Field(min_length=1, max_length=256, description="the contact's id or wa_id")
    stage: str
    at: AwareDatetime | None = Field(default=None, description=_AT)


class MessageSent(BaseModel):
    """A counsellor (agent) or another system wrote to the contact outside this engine."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["message_sent"]
    contact: str = Field(min_length=1, max_length=256, description="the contact's id or wa_id")
    speaker: Literal["agent", "system"]
    text: str = Field(default="", max_length=4096)
    at: AwareDatetime | None = Field(default=None, description=_AT)


class Event(RootModel[Annotated[StageChanged | MessageSent, Field(discriminator="type")]]):
    """One event from another system, told apart by `type`."""


def apply(deps: Deps, event: StageChanged | MessageSent) -> Contact:
    """Apply one event; the contact is named by id or wa_id."""
    found = deps.contacts.contact(event.contact) or find_contact(deps, event.contact, None)
    if found is None:
        raise NotFound("contact", event.contact)
    now = deps.clock.now()
    at = min(event.at or now, now)
    if isinstance(event, StageChanged):
        if event.stage not in deps.catalog.settings().stages:
            raise InvalidField("stage", f"unknown stage {event.stage!r}")
        moved = change_stage(deps, found.item.id, event.stage, at)
        enroll_late(deps, moved, now)
        return moved
    record_outbound(deps, found.item.id, Speaker(event.speaker), event.text, at)
    updated = deps.contacts.contact(found.item.id)
    return updated.item if updated else found.item
