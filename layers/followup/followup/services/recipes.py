"""Installing a recipe: its rule, under the workspace's own stage names, switched off."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from followup.domain.errors import InvalidField, NotFound
from followup.domain.recipes import recipe
from followup.domain.rule import Rule
from followup.services import rules
from followup.services.deps import Deps
from followup.services.rules import Problem


class Installation(BaseModel):
    """How to install a recipe: the rule's id and name, and the workspace's name for each
    stage the recipe names (stages not listed keep their names)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str | None = Field(default=None, description="default: the recipe's id")
    name: str | None = Field(default=None, description="default: the recipe's name")
    stages: dict[str, str] = Field(
        default_factory=dict, max_length=50, description='e.g. {"applied": "registered"}'
    )


def install(deps: Deps, recipe_id: str, how: Installation) -> tuple[Rule, list[Problem]]:
    """Save the recipe's rule as a new rule, switched off; refused when the id is taken or
    a stage is not in the workspace's funnel (rename it with `stages`)."""
    found = recipe(recipe_id)
    if found is None:
        raise NotFound("recipe", recipe_id)
    for named in how.stages:
        if named not in found.stages():
            raise InvalidField(f"stages.{named}", f"the recipe names no stage {named!r}")
    body = found.rule.model_dump(mode="json")
    for part in ("trigger", "exit"):
        if "stages" in body[part]:
            body[part]["stages"] = [how.stages.get(s, s) for s in body[part]["stages"]]
    body |= {"id": how.id or found.id, "name": how.name or found.name, "active": False}
    return rules.create(deps, Rule.model_validate(body))
