"""/api/settings and /api/numbers: everyone reads the policy and the numbers' health; only
admins change the policy or resume a paused number."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.api.auth import READERS, SETTINGS_WRITERS, require
from followup.domain.errors import NotFound
from followup.domain.settings import WorkspaceSettings
from followup.services import messaging_limit, rules, webhook
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


@router.get("/api/settings")
def read_settings() -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    return runtime.deps().rules.settings().model_dump(mode="json")


@router.put("/api/settings")
def write_settings(settings: WorkspaceSettings) -> dict[str, Any]:
    require(router.current_event.raw_event, SETTINGS_WRITERS)
    deps = runtime.deps()
    rules.check_settings(deps, settings)
    deps.rules.save_settings(settings)
    deps.catalog.invalidate()
    return settings.model_dump(mode="json")


@router.get("/api/numbers")
def numbers() -> dict[str, Any]:
    """The sending numbers' quality; a paused one (flagged, blocked, taken over by Meta
    Business Agent...) pauses all sending, and `sending_paused` says why; and the
    portfolio's use of its messaging limit."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    found = deps.rules.numbers()
    return {
        "numbers": [n.model_dump(mode="json") for n in found],
        "sending_paused": deps.catalog.sending_paused(),
        "messaging_limit": messaging_limit.usage(deps, deps.clock.now()),
    }


@router.post("/api/numbers/<phone_number_id>/resume")
def resume(phone_number_id: str) -> dict[str, Any]:
    """An admin resumes sending from a paused number (after fixing the cause)."""
    require(router.current_event.raw_event, SETTINGS_WRITERS)
    deps = runtime.deps()
    if not webhook.resume_number(deps, phone_number_id, deps.clock.now()):
        raise NotFound("number", phone_number_id)
    return {"resumed": phone_number_id, "sending_paused": deps.catalog.sending_paused()}
