"""Conversation lines, kept so personalisation can read the last ones."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel

from followup.domain.contact import Speaker


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Message(BaseModel):
    id: str
    contact_id: str
    at: AwareDatetime
    direction: Direction
    speaker: Speaker
    text: str = ""
    followup_id: str | None = None
