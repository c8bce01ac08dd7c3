"""The health of a sending number, as WhatsApp reports it."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel


class NumberHealth(BaseModel):
    """A degraded quality (e.g. FLAGGED) pauses sending until an operator resumes it."""

    phone_number_id: str
    display_phone_number: str = ""
    quality: str
    updated_at: AwareDatetime
    paused: bool
