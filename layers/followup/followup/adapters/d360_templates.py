"""360dialog's template list (`GET /v1/configs/templates`) read into catalogue entries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from followup.domain.templates import QUALITIES, Template, placeholders_in

PAGE = 1000
"""360dialog's largest page; an account holds at most 250 templates."""


def templates_of(payload: Any, at: datetime) -> list[Template]:
    """The readable entries of one page's `waba_templates[]`; others are left out."""
    entries = payload.get("waba_templates") if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        return []
    return [t for t in (_template(entry, at) for entry in entries) if t is not None]


def _template(entry: Any, at: datetime) -> Template | None:
    if not isinstance(entry, dict):
        return None
    name, language = entry.get("name"), entry.get("language")
    if not isinstance(name, str) or not name or not isinstance(language, str) or not language:
        return None
    components = [c for c in entry.get("components") or [] if isinstance(c, dict)]
    body = next((c for c in components if str(c.get("type", "")).upper() == "BODY"), {})
    return Template(
        name=name,
        language=language,
        category=str(entry.get("category") or "").lower(),
        status=str(entry.get("status") or "UNKNOWN").upper(),
        quality=_quality(entry.get("quality_score")),
        components=components,
        placeholders=placeholders_in(str(body.get("text") or "")),
        disable_date=disable_date_of(entry.get("disable_info")),
        reason=_reason(entry.get("rejected_reason")),
        updated_at=at,
    )


def _quality(score: Any) -> str:
    value = score.get("score") if isinstance(score, dict) else score
    text = str(value or "UNKNOWN").upper()
    return text if text in QUALITIES else "UNKNOWN"


def disable_date_of(info: Any) -> datetime | None:
    stamp = info.get("disable_date") if isinstance(info, dict) else None
    if isinstance(stamp, int | float) and not isinstance(stamp, bool):
        try:
            return datetime.fromtimestamp(stamp, UTC)
        except (ValueError, OverflowError, OSError):
            return None  # NaN, or not in seconds (milliseconds): no date rather than no sync
    if isinstance(stamp, str):
        try:
            moment = datetime.fromisoformat(stamp)
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _reason(reason: Any) -> str | None:
    text = str(reason or "").strip()
    return None if text.upper() in ("", "NONE") else text
