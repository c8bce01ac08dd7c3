"""What to send: the 24-hour window choice and personalisation from contact fields."""

from __future__ import annotations

import re
from datetime import datetime

from followup.domain.contact import Contact
from followup.domain.followup import RenderedMessage
from followup.domain.localtime import utc
from followup.domain.rule import Step, TemplateParam
from followup.domain.settings import SERVICE_WINDOW

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[A-Za-z0-9_-]+)?)(?:\|([^{}]*))?\}")


def window_open(contact: Contact, at: datetime) -> bool:
    """Free text is allowed only within 24 h of the contact's last inbound message."""
    if contact.last_inbound_at is None:
        return False
    # Elapsed time, not wall time: subtracting two times in one DST zone compares clocks.
    last, moment = utc(contact.last_inbound_at), utc(at)
    return last <= moment and moment - last < SERVICE_WINDOW


def compose(
    step: Step, contact: Contact, at: datetime, *, template_only: bool = False
) -> RenderedMessage | None:
    """Free text inside the window, else the template; None when neither may be sent.
    `template_only`: WhatsApp said the window is closed, whatever the contact's record says."""
    if step.text and not template_only and window_open(contact, at):
        return RenderedMessage(kind="text", text=render_text(step.text, contact))
    if step.template is not None:
        return RenderedMessage(
            kind="template",
            template_name=step.template.name,
            language=step.template.language,
            params=[_param(param, contact) for param in step.template.params],
        )
    return None


def render_text(text: str, contact: Contact) -> str:
    """Replace `{name}`, `{attributes.program}` or `{first_name|there}` from the contact."""

    def value(match: re.Match[str]) -> str:
        found = contact.field(match.group(1))
        return found if found is not None else (match.group(2) or "")

    return _PLACEHOLDER.sub(value, text)


def placeholders(text: str) -> list[str]:
    """The contact fields a text refers to (for validation)."""
    return [match.group(1) for match in _PLACEHOLDER.finditer(text)]


def _param(param: TemplateParam, contact: Contact) -> str:
    if param.text is not None:
        return param.text
    assert param.field is not None
    return contact.field(param.field) or param.default
