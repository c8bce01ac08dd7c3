"""/api/settings: everyone reads the workspace policy; only admins change it."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.api.auth import READERS, SETTINGS_WRITERS, require
from followup.domain.settings import WorkspaceSettings
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


@router.get("/api/settings")
def read_settings() -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    return runtime.deps().store.settings().model_dump(mode="json")


@router.put("/api/settings")
def write_settings(settings: WorkspaceSettings) -> dict[str, Any]:
    require(router.current_event.raw_event, SETTINGS_WRITERS)
    deps = runtime.deps()
    deps.store.save_settings(settings)
    deps.catalog.invalidate()
    return settings.model_dump(mode="json")
