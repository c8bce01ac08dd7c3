"""/api/recipes: the ready-made journeys, and installing one as a rule."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import ValidationError

from followup.api.auth import READERS, RULE_WRITERS, caller, require
from followup.api.errors import field_detail, problem_detail, validation_details
from followup.api.openapi import statuses
from followup.domain.errors import InvalidField
from followup.domain.recipes import all_recipes
from followup.services import audit, recipes
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
    event = router.current_event.raw_event
    require(event, RULE_WRITERS)
    deps = runtime.deps()
    rule, warnings = recipes.install(deps, recipe_id, how or Installation(), caller(event))
    audit.record(deps, caller(event), "rule.created", rule.id, None, f"version {rule.version}")
    answer = {
        "rule": rule.model_dump(mode="json"),
        "warnings": [problem_detail(w) for w in warnings],
    }
    return answer, 201


@router.post("/api/recipes/<recipe_id>/check")
def check_recipe(recipe_id: str, how: Installation | None = None) -> dict[str, Any]:
    """What installing the recipe would save, saving nothing: `rule` (with the synced
    catalogue's approved templates picked), `problems` that would refuse the install (the
    shape of a refused install's `details`) and `missing`: each template no approved copy
    of which is in the catalogue, with its step, language and parameter count. The app
    checks before it installs, so a recipe to finish opens as a draft without a refused
    request. `rule` is null when the request itself is wrong (a stage the recipe lacks)."""
    require(router.current_event.raw_event, RULE_WRITERS)
    try:
        checked = recipes.check(runtime.deps(), recipe_id, how or Installation())
    except ValidationError as exc:
        return {"rule": None, "problems": validation_details(exc.errors()), "missing": []}
    except InvalidField as exc:
        return {"rule": None, "problems": [field_detail(exc)], "missing": []}
    return {
        "rule": checked.rule.model_dump(mode="json"),
        "problems": [problem_detail(p) for p in checked.problems],
        "missing": [asdict(m) for m in checked.missing],
    }
