"""The health of a sending number, as WhatsApp reports it, and why sending is paused."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict

from followup.domain.settings import WorkspaceSettings

DEFAULT_NUMBER = "360dialog"
"""The name of the sending number when the configuration does not give one."""


class NumberHealth(BaseModel):
    """A degraded quality (e.g. FLAGGED) or an error that stops the number pauses sending
    until an operator resumes it; `paused_reason` says which."""

    model_config = ConfigDict(defer_build=True)

    phone_number_id: str
    display_phone_number: str = ""
    quality: str
    updated_at: AwareDatetime
    paused: bool
    paused_reason: str | None = None


def sending_paused(settings: WorkspaceSettings, numbers: list[NumberHealth]) -> str | None:
    """Why nothing may be sent now (workspace paused, a number paused), or None."""
    if settings.paused:
        return f"workspace paused: {settings.paused_reason or 'by an admin'}"
    paused = [n for n in numbers if n.paused]
    return (
        "; ".join(
            f"number {n.phone_number_id} paused: {n.paused_reason or 'quality ' + n.quality}"
            for n in paused
        )
        or None
    )
