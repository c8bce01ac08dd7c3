"""WhatsApp message templates as Meta approved them: the workspace's synced catalogue.

A template is known by (name, language). Its status says whether it may be sent now,
its category decides the endpoint (marketing or not), its body says how many parameters
it takes and what the contact reads once they are filled in.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from followup.domain.errors import Problem
from followup.domain.rule import Rule, TemplateRef

SENDABLE = frozenset({"APPROVED", "FLAGGED"})
"""Statuses Meta still delivers: a FLAGGED template goes out until its disable date."""

AT_RISK_STATUSES = frozenset({"FLAGGED"})
AT_RISK_QUALITY = frozenset({"RED"})
QUALITIES = frozenset({"GREEN", "YELLOW", "RED", "UNKNOWN"})

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def placeholders_in(text: str) -> int:
    """How many distinct parameters a body text asks for (`{{1}}`, `{{first_name}}`)."""
    return len(set(_PLACEHOLDER.findall(text)))


class Template(BaseModel):
    """One template in one language, as the catalogue last heard of it."""

    model_config = ConfigDict(defer_build=True)

    name: str
    language: str
    category: str = Field(description="marketing, utility or authentication")
    status: str = Field(description="APPROVED, PENDING, REJECTED, PAUSED, DISABLED, FLAGGED…")
    quality: str = "UNKNOWN"
    components: list[dict[str, Any]] = Field(default_factory=list)
    placeholders: int = 0
    disable_date: AwareDatetime | None = None
    reason: str | None = Field(default=None, description="why Meta rejected or paused it")
    updated_at: AwareDatetime

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.language

    @property
    def body(self) -> str:
        """The body text with its `{{n}}` placeholders."""
        for component in self.components:
            if str(component.get("type", "")).upper() == "BODY":
                return str(component.get("text") or "")
        return ""

    @property
    def sendable(self) -> bool:
        return self.status in SENDABLE

    @property
    def marketing(self) -> bool:
        return self.category == "marketing"

    @property
    def at_risk(self) -> bool:
        """FLAGGED or rated RED: it may soon be paused or disabled."""
        return self.status in AT_RISK_STATUSES or self.quality in AT_RISK_QUALITY

    @property
    def values_beyond_body(self) -> str | None:
        """Where the template takes a value outside its body (`header`, `buttons`): a
        variable header, a media header, or a button with a variable link; else None."""
        for component in self.components:
            kind = str(component.get("type", "")).upper()
            if kind == "HEADER":
                media = str(component.get("format", "TEXT")).upper() != "TEXT"
                if media or _PLACEHOLDER.search(str(component.get("text") or "")):
                    return "header"
            if kind == "BUTTONS":
                buttons = [b for b in component.get("buttons") or [] if isinstance(b, dict)]
                if any(_PLACEHOLDER.search(str(b.get("url") or "")) for b in buttons):
                    return "buttons"
        return None

    @property
    def param_names(self) -> list[str]:
        """A template with named placeholders (`{{first_name}}`): their names, in order of
        first use, which a send must give beside each parameter; [] for `{{1}}` ones."""
        found = list(dict.fromkeys(_PLACEHOLDER.findall(self.body)))
        return [] if all(name.isdecimal() for name in found) else found

    def render(self, params: Sequence[str]) -> str:
        """The body as the contact reads it: placeholders filled in, in order of first use."""
        order: dict[str, int] = {}
        for found in _PLACEHOLDER.findall(self.body):
            order.setdefault(found, len(order))

        def fill(match: re.Match[str]) -> str:
            index = order[match.group(1)]
            return params[index] if index < len(params) else match.group(0)

        return _PLACEHOLDER.sub(fill, self.body)


class TemplateCatalogue(BaseModel):
    """Every template of the workspace, when it was last synced, and whether the Marketing
    Messages API refused us (its terms not accepted: marketing goes to `/messages`)."""

    model_config = ConfigDict(defer_build=True)

    templates: list[Template] = Field(default_factory=list)
    synced_at: AwareDatetime | None = None
    marketing_api_refused: str | None = Field(
        default=None, description="why marketing templates go to /messages, when they do"
    )
    held_any: bool = Field(default=False, description="whether it ever held a template")

    def find(self, name: str, language: str) -> Template | None:
        return next((t for t in self.templates if t.key == (name, language)), None)

    @property
    def known(self) -> bool:
        """True once it holds a template, or held one: before that (no sync yet, or an
        account without templates), nothing is checked against it. One emptied since (its
        last template deleted in WhatsApp Manager) knows that template is gone."""
        return bool(self.templates) or self.held_any

    def put(self, template: Template) -> TemplateCatalogue:
        """This catalogue with `template` added or replacing its (name, language)."""
        others = [t for t in self.templates if t.key != template.key]
        templates = sorted([*others, template], key=_order)
        return self.model_copy(update={"templates": templates, "held_any": True})

    def synced(self, fetched: list[Template], at: datetime) -> TemplateCatalogue:
        """The fetched templates, read from `at` on, replace the catalogue; a quality the
        fetch did not rate keeps the one a webhook told us, and what a webhook told us
        after `at` (a pause announced while the list was read) wins over the list."""
        current = {t.key: t for t in self.templates}
        merged = []
        for template in fetched:
            known = current.get(template.key)
            if known is not None and known.updated_at > at:
                template = template.model_copy(
                    update={name: getattr(known, name) for name in _TOLD}
                )
            elif template.quality == "UNKNOWN" and known is not None:
                template = template.model_copy(update={"quality": known.quality})
            merged.append(template)
        held_any = self.held_any or bool(self.templates) or bool(merged)
        return self.model_copy(
            update={"templates": sorted(merged, key=_order), "synced_at": at, "held_any": held_any}
        )


_TOLD = ("status", "reason", "disable_date", "quality", "category", "updated_at")
"""What Meta's template webhooks change (`changed`)."""


def rule_problems(rule: Rule, catalogue: TemplateCatalogue) -> list[Problem]:
    """The problem of each template a rule's steps name that the catalogue does not
    hold in that language, or that takes another number of parameters. Nothing is checked
    before the first sync fills the catalogue."""
    if not catalogue.known:
        return []
    problems: list[Problem] = []
    for n, step in enumerate(rule.steps):
        ref = getattr(step, "template", None)
        if not isinstance(ref, TemplateRef):
            continue
        template = catalogue.find(ref.name, ref.language)
        if template is None:
            problems.append(
                Problem(
                    f"steps.{n}.template",
                    f"step {n + 1}: no template {ref.name!r} in language {ref.language!r} "
                    "in the synced catalogue",
                    "unknown_template",
                    {"template": ref.name, "language": ref.language},
                )
            )
        sibling = catalogue.find(ref.sibling, ref.language) if ref.sibling else None
        if ref.sibling and (sibling is None or sibling.placeholders != len(ref.params)):
            problems.append(
                Problem(
                    f"steps.{n}.template.sibling",
                    f"step {n + 1}: sibling {ref.sibling!r} must be in the catalogue in "
                    f"{ref.language!r} and take {len(ref.params)} parameters",
                    "unknown_sibling",
                    {"template": ref.sibling, "language": ref.language, "wanted": len(ref.params)},
                )
            )
        elif sibling is not None and (part := sibling.values_beyond_body):
            problems.append(
                Problem(
                    f"steps.{n}.template.sibling",
                    f"step {n + 1}: sibling {ref.sibling!r} needs a value in its {part}, which "
                    "steps cannot give (only body parameters): WhatsApp would refuse each send "
                    "it stands in for",
                    "template_beyond_body",
                    {"template": sibling.name, "part": part},
                )
            )
        if template is None:
            continue
        beyond = template.values_beyond_body
        if beyond:
            problems.append(
                Problem(
                    f"steps.{n}.template",
                    f"step {n + 1}: template {ref.name!r} needs a value in its {beyond}, which "
                    "steps cannot give (only body parameters): WhatsApp would refuse each send",
                    "template_beyond_body",
                    {"template": ref.name, "part": beyond},
                )
            )
        if template.placeholders != len(ref.params):
            problems.append(
                Problem(
                    f"steps.{n}.template.params",
                    f"step {n + 1}: template {ref.name!r} takes {template.placeholders} "
                    f"parameters, the step gives {len(ref.params)}",
                    "template_params",
                    {
                        "template": ref.name,
                        "wanted": template.placeholders,
                        "given": len(ref.params),
                    },
                )
            )
    return problems


def _order(template: Template) -> tuple[str, str]:
    return template.key


@dataclass(frozen=True)
class TemplateStatusChange:
    """Meta approved, rejected, paused, disabled or flagged a template."""

    name: str
    language: str
    status: str
    at: datetime
    reason: str | None = None
    disable_date: datetime | None = None


@dataclass(frozen=True)
class TemplateQualityChange:
    """Meta rated a template GREEN, YELLOW, RED or UNKNOWN."""

    name: str
    language: str
    quality: str
    at: datetime


@dataclass(frozen=True)
class TemplateCategoryChange:
    """Meta moved a template to another category; only a completed move changes routing."""

    name: str
    language: str
    category: str
    at: datetime
    completed: bool


TemplateEvent = TemplateStatusChange | TemplateQualityChange | TemplateCategoryChange


def changed(template: Template, event: TemplateEvent) -> Template:
    """`template` as the event leaves it (an impending category move leaves it as it is)."""
    if isinstance(event, TemplateStatusChange):
        update: dict[str, Any] = {
            "status": event.status,
            "reason": event.reason,
            "disable_date": event.disable_date,
        }
    elif isinstance(event, TemplateQualityChange):
        update = {"quality": event.quality}
    elif event.completed:
        update = {"category": event.category}
    else:
        return template
    return template.model_copy(update={**update, "updated_at": event.at})
