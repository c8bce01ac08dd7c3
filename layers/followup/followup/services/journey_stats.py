"""One journey's monitoring: its counters and each step's, summed over a period, and the
enrollments in it now. Read from counters the commits keep (services.monitoring)."""

from __future__ import annotations

from datetime import date
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field

from followup.domain.rule import Action, Rule
from followup.services import rules
from followup.services.deps import Deps
from followup.services.monitoring import EXIT_KINDS
from followup.services.stats import cost_figures


class Counts(BaseModel):
    """Enrollments (`active` now; the others over the period) and sends over the period."""

    model_config = ConfigDict(defer_build=True)

    active: int = Field(default=0, description="enrollments in it now")
    entered: int = 0
    completed: int = 0
    exited: int = 0
    exited_by: dict[str, int] = Field(
        default_factory=dict,
        description="exits by kind: " + ", ".join(EXIT_KINDS) + " (kinds with none are left out)",
    )
    errors: int = Field(
        default=0, description="enrollments an error ended, and sends that failed after going out"
    )
    sent: int = 0
    delivered: int = 0
    read: int = 0
    replied: int = 0
    converted: int = 0
    opted_out: int = Field(default=0, description="sends answered with an opt-out")
    failed: int = 0
    messaging_cost_usd: float = Field(
        default=0.0, description="what WhatsApp, SNS (SMS) and SES (email) billed, in USD"
    )
    messaging_cost_by_channel: dict[str, float] = Field(
        default_factory=dict,
        description="the messaging cost by channel (whatsapp, sms, email), in USD",
    )
    ai_cost_usd: float = Field(default=0.0, description="what writing and reading cost")
    cost_usd: float = Field(default=0.0, description="messaging and AI together")
    cost_per_reply: float | None = Field(default=None, description="None without a reply")
    cost_per_conversion: float | None = Field(default=None, description="None without a conversion")

    @classmethod
    def of(cls, counts: dict[str, int], active: int, **fields: Any) -> Self:
        """From stored counters (`responded` is shown as `replied`) and a gauge."""
        by = {kind: counts[f"exited_{kind}"] for kind in EXIT_KINDS if counts.get(f"exited_{kind}")}
        names = ("entered", "completed", "exited", "errors", "sent", "delivered", "read")
        named = {name: counts.get(name, 0) for name in (*names, "converted", "opted_out", "failed")}
        replied = counts.get("responded", 0)
        costs = cost_figures(counts)
        return cls.model_validate(
            {"active": active, "exited_by": by, "replied": replied, **named, **costs, **fields}
        )


class StepStats(Counts):
    version: int
    index: int
    kind: str = Field(description="send, wait, branch, or the action (add_tag, set_stage...)")


class JourneyStats(Counts):
    rule_id: str
    version: int = Field(description="the rule's current version")
    since: date = Field(serialization_alias="from")
    until: date = Field(serialization_alias="to")
    steps: list[StepStats] = Field(
        description="every step of the current version, and of older versions that still "
        "count in the period or have enrollments in them"
    )


def journey_stats(deps: Deps, rule_id: str, since: date, until: date) -> JourneyStats:
    """The rule's counters from `since` to `until` (UTC days), per step; NotFound if none."""
    current = rules.current(deps, rule_id)
    found = deps.stats.journey_stats(rule_id, since, until)
    per_step: dict[tuple[int, int], dict[str, int]] = {}
    for row in found.steps:
        _add(per_step.setdefault((row.version, row.index), {}), row.counts)
    counted = {key for key, counts in per_step.items() if any(counts.values())}
    counted |= {key for key, active in found.active_steps.items() if active}
    steps: list[StepStats] = []
    for version in sorted({current.version} | {version for version, _ in counted}):
        rule = current if version == current.version else deps.rules.rule(rule_id, version)
        indexes = set(range(len(rule.steps))) if version == current.version and rule else set()
        indexes |= {index for v, index in counted if v == version}
        for index in sorted(indexes):
            steps.append(
                StepStats.of(
                    per_step.get((version, index), {}),
                    found.active_steps.get((version, index), 0),
                    version=version,
                    index=index,
                    kind=_kind(rule, index),
                )
            )
    total: dict[str, int] = {}
    _add(total, *(day.counts for day in found.days))
    return JourneyStats.of(
        total,
        found.active,
        rule_id=rule_id,
        version=current.version,
        since=since,
        until=until,
        steps=steps,
    )


def _add(into: dict[str, int], *counts: dict[str, int]) -> None:
    for each in counts:
        for name, count in each.items():
            into[name] = into.get(name, 0) + count


def _kind(rule: Rule | None, index: int) -> str:
    if rule is None or index >= len(rule.steps):
        return "unknown"  # a version no longer stored, or a step it does not have
    step = rule.steps[index]
    return step.do if isinstance(step, Action) else step.kind
