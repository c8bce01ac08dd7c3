"""/api/recipes: the ready-made journeys, and installing one as a rule."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.api.auth import READERS, RULE_WRITERS, require
from followup.api.openapi import statuses
from followup.domain.recipes import all_recipes
from followup.services import recipes
from followup.services.recipes import Installation
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


@router.get("/api/recipes")
def list_recipes() -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    return {
        "recipes": [
            {**found.model_dump(mode="json"), "stages": found.stages()} for found in all_recipes()
        ]
    }


@router.post("/api/recipes/<recipe_id>/install", status_code=201, openapi_extensions=statuses(409))
def install_recipe(recipe_id: str, how: Installation | None = None) -> tuple[dict[str, Any], int]:
    """Install the recipe as a new rule, switched off: read it, edit it, then activate it."""
    require(router.current_event.raw_event, RULE_WRITERS)
    rule, warnings = recipes.install(runtime.deps(), recipe_id, how or Installation())
    answer = {
        "rule": rule.model_dump(mode="json"),
        "warnings": [{"field": w.field, "message": w.message} for w in warnings],
    }
    return answer, 201
