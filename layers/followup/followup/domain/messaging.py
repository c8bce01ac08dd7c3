"""What to send: the 24-hour window choice and personalisation from contact fields."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from followup.domain.contact import PERSONAL_FIELDS, Contact
from followup.domain.followup import RenderedMessage
from followup.domain.localtime import utc
from followup.domain.rule import Step, TemplateParam
from followup.domain.settings import SERVICE_WINDOW

_PLACEHOLDER = re.compile(r"\{([a-z_]+(?:\.[^\s{}|](?:[^{}|\n]*[^\s{}|])?)?)(?:\|([^{}]*))?\}")
"""`{first_name}`, `{first_name|there}`, `{attributes.program}`: an attribute is named as
it is stored (`{attributes.My Program}`, spaces and capitals kept), on one line, without a
brace or a bar and without spaces around it."""
_BRACES = re.compile("(?P<placeholder>" + _PLACEHOLDER.pattern + r")|(?P<pair>\{[^{}\n]*\})|[{}]")
"""What `miswritten` reads a text as: placeholders, other pairs of braces on one line, and
braces on their own."""
_OPENS_A_WORD = re.compile(r"\{[\w|]")
_CLOSES_A_WORD = re.compile(r"[\w|]$")
_ONE_WORD = re.compile(r"\{\s*[\w.]+\s*(?:\|[^{}]*)?\}")
"""Braces around one word, with spaces inside them (`{ first_name }`, `{ name|there }`)."""
_SHOWN = 30
"""Characters of an unclosed placeholder shown: enough to find it in the text."""


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


def is_field(name: str) -> bool:
    """Whether a placeholder or a template parameter names a contact field."""
    return name in PERSONAL_FIELDS or (name.startswith("attributes.") and len(name) > 11)


@dataclass(frozen=True)
class Miswritten:
    """Text written as a placeholder that is not one: `meant` is the placeholder it reads
    as once its braces, spaces and the field's capitals are set right (None when that names
    no contact field); `closed` is False for a brace opened and never closed."""

    fragment: str
    meant: str | None = None
    closed: bool = True


def miswritten(text: str) -> list[Miswritten]:
    """Each brace of `text` that touches a word, or holds one, and is no placeholder, in
    order: `{First_Name}`, `{{first_name}}`, `{ name }`, `{first_name|there` (never closed),
    `first_name}`. A lead would read it as written, braces and all. Other braces are text
    (`:-{ see you }:)`, `{"code": 1}`, `{}`): a message may hold them, and render_text
    leaves them be."""
    tokens = list(_BRACES.finditer(text))
    found: list[Miswritten] = []
    for n, token in enumerate(tokens):
        start, end = token.span()
        outer = _outer_braces(tokens, n)
        doubled = token.group("placeholder") is not None and outer != (start, end)
        pair = token.group("pair")
        if doubled or (
            pair is not None and (_OPENS_A_WORD.match(pair) or _ONE_WORD.fullmatch(pair))
        ):
            fragment = text[outer[0] : outer[1]]
            found.append(Miswritten(fragment, _meant(fragment)))
        elif token.group() == "{" and _OPENS_A_WORD.match(text, start):
            line = text[start + 1 :].split("\n", 1)[0].split("{", 1)[0].rstrip()
            shown = line if len(line) <= _SHOWN else line[:_SHOWN].rstrip() + "…"
            found.append(Miswritten("{" + shown, closed=False))
        elif token.group() == "}" and _CLOSES_A_WORD.search(text, 0, start):
            before = text[:start].rstrip()
            word = re.split(r"\s", before)[-1]
            found.append(Miswritten(word + text[len(before) : start] + "}"))
    return found


def _outer_braces(tokens: list[re.Match[str]], n: int) -> tuple[int, int]:
    """Token `n`'s span widened by braces on their own that touch it: `{{first_name}}`."""
    start, end = tokens[n].span()
    before = n - 1
    while before >= 0 and tokens[before].group() == "{" and tokens[before].end() == start:
        start, before = tokens[before].start(), before - 1
    after = n + 1
    while after < len(tokens) and tokens[after].group() == "}" and tokens[after].start() == end:
        end, after = tokens[after].end(), after + 1
    return start, end


def _meant(fragment: str) -> str | None:
    """The placeholder `fragment` reads as with one pair of braces, no spaces around the
    field and the field's first part in lower case, if that names a contact field."""
    field, bar, default = fragment.strip("{}").partition("|")
    head, dot, attribute = field.strip().partition(".")
    candidate = "{" + head.lower() + dot + attribute + bar + default + "}"
    found = _PLACEHOLDER.fullmatch(candidate)
    return candidate if found is not None and is_field(found.group(1)) else None


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
    return " ".join((contact.field(param.field) or param.default).split())


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
