"""Conversation lines, kept so personalisation can read the last ones."""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel

from followup.domain.contact import Speaker


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Referral(BaseModel):
    """Where a click-to-WhatsApp conversation began: the ad or post, and Meta's click id."""

    source_type: str | None = None
    source_id: str | None = None
    source_url: str | None = None
    headline: str | None = None
    ctwa_clid: str | None = None


class Message(BaseModel):
    id: str
    contact_id: str
    at: AwareDatetime
    direction: Direction
    speaker: Speaker
    text: str = ""
    followup_id: str | None = None
    referral: Referral | None = None
