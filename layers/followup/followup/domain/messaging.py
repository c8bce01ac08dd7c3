"""What to send: the 24-hour window choice and personalisation from contact fields."""

from __future__ import annotations

import re
from datetime import datetime

from followup.domain.contact import Contact
from followup.domain.followup import RenderedMessage
from followup.domain.localtime import utc
from followup.domain.rule import Step, TemplateParam
from followup.domain.settings import SERVICE_WINDOW

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[^\s{}|](?:[^{}|\n]*[^\s{}|])?)?)(?:\|([^{}]*))?\}")
"""`{first_name}`, `{first_name|there}`, `{attributes.program}`: an attribute is named as
it is stored (`{attributes.My Program}`, spaces and capitals kept), on one line, without a
brace or a bar and without spaces around it."""


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
    `template_only`: WhatsApp said the window is closed, whatever the contact's record says.
    Free text the contact's fields would leave blank gives way to the template; with none,
    it stays blank and `blank_text` names the field it lacks."""
    if step.text and not template_only and window_open(contact, at):
        text = render_text(step.text, contact)
        if text.strip() or step.template is None:
            return RenderedMessage(kind="text", text=text)
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


TYPICAL_VALUES = {
    "name": "Maria Santos",
    "first_name": "Maria",
    "phone": "+6281234567890",
    "email": "maria@example.com",
    "stage": "interested",
    "wa_id": "6281234567890",
}
"""What a placeholder without a default is counted as before any lead is known (the web
editor's counter, web/src/pages/editor/sms.ts, fills it the same way)."""
TYPICAL_ATTRIBUTE = "sample value"
"""What `{attributes.x}` without a default, or a field not listed above, is counted as."""


def typical_text(text: str) -> str:
    """`text` as a typical lead gets it, to judge what it costs before it goes: each
    placeholder filled by its default (`{first_name|there}`: there), else by a typical value
    of its field (`TYPICAL_VALUES`), so its braces are never counted."""

    def value(match: re.Match[str]) -> str:
        default = match.group(2)
        if default is not None:
            return default
        return TYPICAL_VALUES.get(match.group(1), TYPICAL_ATTRIBUTE)

    return _PLACEHOLDER.sub(value, text)


def blank_text(written: str, rendered: str) -> str | None:
    """The contact field free text `written` went blank without (its first placeholder:
    the text is nothing but placeholders the contact has no value for), when `rendered`
    says nothing; None when it says something. No channel takes an empty message."""
    if rendered.strip():
        return None
    return next(iter(placeholders(written)), "text")


def placeholders(text: str) -> list[str]:
    """The contact fields a text refers to (for validation)."""
    return [match.group(1) for match in _PLACEHOLDER.finditer(text)]


def undefaulted(text: str) -> list[str]:
    """The contact fields a text refers to without a default (`{first_name}`, not
    `{first_name|there}`), each once: a lead without one reads a gap there."""
    names = (match.group(1) for match in _PLACEHOLDER.finditer(text) if match.group(2) is None)
    return list(dict.fromkeys(names))


def _param(param: TemplateParam, contact: Contact) -> str:
    """The parameter on one line, as WhatsApp takes it: no newline, no tab, no run of
    spaces (a CRM field written on two lines included); empty when the contact lacks the
    field and the step names no default (`missing_param`)."""
    if param.text is not None:
        return " ".join(param.text.split())
    assert param.field is not None
    return " ".join((contact.field(param.field) or "").split()) or param.default


def missing_param(step: Step, message: RenderedMessage) -> str | None:
    """The contact field a template of `step` would go without (WhatsApp refuses an empty
    parameter), or None. A parameter the AI writes is left to it."""
    if message.kind != "template" or step.template is None:
        return None
    for param, value in zip(step.template.params, message.params, strict=False):
        if not value.strip() and not (param.ai and step.ai is not None):
            return param.field or "text"
    return None


def incomplete(message: RenderedMessage) -> str | None:
    """What keeps WhatsApp from taking `message` (a template without its name or
    language), in words; None when nothing does."""
    if message.kind == "template" and not (message.template_name and message.language):
        return "a template message without its name or language"
    return None
