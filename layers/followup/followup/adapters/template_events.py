"""Meta's template webhooks (status, quality, category) read into domain events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from followup.adapters.d360_templates import disable_date_of
from followup.adapters.whatsapp_messages import BadEvent, Model
from followup.domain.templates import (
    QUALITIES,
    TemplateCategoryChange,
    TemplateEvent,
    TemplateQualityChange,
    TemplateStatusChange,
)
from followup.domain.webhook_events import Unhandled

STATUS = "message_template_status_update"
QUALITY = "message_template_quality_update"
CATEGORY = "template_category_update"
FIELDS = frozenset({STATUS, QUALITY, CATEGORY})

_Text = Field(default="", max_length=512)

_STATUS_OF_EVENT = {"REINSTATED": "APPROVED", "UNARCHIVED": "APPROVED"}
"""Events that name no status of their own: Meta's template can be sent again."""
_NO_STATUS = frozenset({"LOCKED", "UNLOCKED"})
"""Whether the template may be edited: its status, and whether it can be sent, stay."""


class _TemplateValue(Model):
    message_template_name: str = Field(min_length=1, max_length=512)
    message_template_language: str = Field(min_length=1, max_length=15)
    event: str = _Text
    reason: str | None = Field(default=None, max_length=512)
    disable_info: dict[str, Any] = Field(default_factory=dict)
    new_quality_score: str = _Text
    new_category: str = _Text
    correct_category: str = _Text


def template_event(field: str, raw: Any, received_at: datetime) -> TemplateEvent | Unhandled:
    """The event one template change announces; BadEvent when it says nothing we can use."""
    value = _TemplateValue.model_validate(raw)
    name, language = value.message_template_name, value.message_template_language
    if field == STATUS:
        if not value.event:
            raise BadEvent(f"{STATUS} without an event")
        event = value.event.upper()
        if event in _NO_STATUS:
            return Unhandled(STATUS, f"template {event.lower()}")
        reason = (value.reason or "").strip()
        return TemplateStatusChange(
            name,
            language,
            _STATUS_OF_EVENT.get(event, event),
            received_at,
            None if reason.upper() in ("", "NONE") else reason,
            disable_date_of(value.disable_info),
        )
    if field == QUALITY:
        quality = value.new_quality_score.upper()
        if quality not in QUALITIES:
            raise BadEvent(f"{QUALITY} with an unknown score")
        return TemplateQualityChange(name, language, quality, received_at)
    category = value.new_category or value.correct_category
    if not category:
        raise BadEvent(f"{CATEGORY} without a category")
    return TemplateCategoryChange(
        name, language, category.lower(), received_at, completed=bool(value.new_category)
    )
