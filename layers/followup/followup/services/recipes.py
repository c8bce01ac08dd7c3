"""Installing a recipe: its rule, under the workspace's own stage names, switched off."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from followup.domain.errors import InvalidField, NotFound, Problem
from followup.domain.recipes import MissingTemplate, fit_templates, recipe
from followup.domain.rule import Rule
from followup.services import rules
from followup.services.deps import Deps


class Installation(BaseModel):
    """How to install a recipe: the rule's id and name, and the workspace's name for each
    stage the recipe names (stages not listed keep their names)."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: str | None = Field(default=None, description="default: the recipe's id")
    name: str | None = Field(default=None, description="default: the recipe's name")
    stages: dict[str, str] = Field(
        default_factory=dict, max_length=50, description='e.g. {"applied": "registered"}'
    )


@dataclass(frozen=True)
class Checked:
    """The rule installing a recipe would save, what would refuse it, and the templates
    the synced catalogue has no approved copy of."""

    rule: Rule
    problems: list[Problem]
    missing: list[MissingTemplate]


def install(
    deps: Deps, recipe_id: str, how: Installation, by: str | None = None
) -> tuple[Rule, list[Problem]]:
    """Save the recipe's rule as a new rule, switched off, with the catalogue's approved
    templates; refused when the id is taken, a stage is not in the workspace's funnel
    (rename it with `stages`) or a template is not in the synced catalogue."""
    rule, _ = _fitted(deps, recipe_id, how)
    return rules.create(deps, rule, by=by)


def check(deps: Deps, recipe_id: str, how: Installation) -> Checked:
    """What `install` would save and what would refuse it, saving nothing."""
    rule, missing = _fitted(deps, recipe_id, how)
    return Checked(rule, rules.problems(deps, rule)[0], missing)


def _fitted(deps: Deps, recipe_id: str, how: Installation) -> tuple[Rule, list[MissingTemplate]]:
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
    rule = Rule.model_validate(body)
    return fit_templates(rule, deps.templates.templates().item, rules.listing(deps))
