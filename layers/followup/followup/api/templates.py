"""/api/templates: the synced WhatsApp template catalogue, and a sync on demand."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.api.auth import READERS, RULE_WRITERS, require
from followup.api.openapi import statuses
from followup.domain.templates import TemplateCatalogue
from followup.domain.whatsapp import OutcomeUnknown, ProviderRejected
from followup.services import templates
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


def _shown(catalogue: TemplateCatalogue) -> dict[str, Any]:
    shown = catalogue.model_dump(mode="json")
    for template, data in zip(catalogue.templates, shown["templates"], strict=True):
        data["body"] = template.body
    return shown


@router.get("/api/templates")
def list_templates() -> dict[str, Any]:
    """Every template with its status, quality and category, when the catalogue was last
    synced, and why marketing templates go to /messages (when they do)."""
    require(router.current_event.raw_event, READERS)
    return _shown(templates.catalogue(runtime.deps()))


@router.post("/api/templates/sync", openapi_extensions=statuses(502, 503))
def sync_templates() -> tuple[dict[str, Any], int]:
    """Read the catalogue from 360dialog now; 502 when 360dialog does not give it."""
    require(router.current_event.raw_event, RULE_WRITERS)
    deps = runtime.deps()
    try:
        templates.sync(deps, deps.clock.now())
    except templates.NoTemplateSource:
        return _error("unavailable", "no WhatsApp provider is configured"), 503
    except ProviderRejected as exc:
        return _error("provider", f"360dialog refused the list: {exc.failure.reason}"), 502
    except OutcomeUnknown as exc:
        return _error("provider", f"360dialog did not answer: {exc}"), 502
    return _shown(templates.catalogue(deps)), 200


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": []}}
