"""/api/events (stage changes, conversation lines, closes and reopens from other systems),
/api/stats and /api/rules/{id}/stats."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from followup.api.auth import READERS, RULE_WRITERS, require
from followup.api.openapi import statuses
from followup.api.params import QueryDate
from followup.domain.errors import InvalidField
from followup.domain.settings import ReviewThresholds
from followup.services import crm_events, rules
from followup.services.deps import Deps
from followup.services.journey_stats import JourneyStats, journey_stats
from followup.services.number_pause import held_names
from followup.services.stats import (
    PeriodStats,
    RuleStats,
    cost_figures,
    flags,
    overall,
    success_rate,
    too_few_to_judge,
    totals,
)
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools
LONGEST = timedelta(days=366)


@router.post("/api/events", openapi_extensions=statuses(404, 409))
def receive_event(body: crm_events.Event) -> dict[str, Any]:
    require(router.current_event.raw_event, RULE_WRITERS)
    contact = crm_events.apply(runtime.deps(), body.root)
    return contact.model_dump(mode="json")


@router.get("/api/stats", openapi_extensions=statuses(422))
def stats(
    since: Annotated[QueryDate | None, Query(alias="from")] = None,
    until: Annotated[QueryDate | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    """Every rule by name over the period (UTC days, at most 366), with counts, rates, costs
    and review flags (judged from `review`'s minimum samples on); a rule deleted since
    still counts, by its last name, marked `deleted`; `total` sums every rule, kept apart
    from `rules` so no rule's id can stand for it; `queue_now` is the follow-ups not yet
    out now, `sends` the period's sent and failed and their success rate."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    since, until = _period(deps, since, until)
    review = deps.catalog.settings().review
    days = deps.stats.stats(since, until)
    found = totals(days)
    names = {rule.id: rule.name for rule in rules.listing(deps)}
    for rule_id in names.keys() - found.keys():
        found[rule_id] = RuleStats(rule_id=rule_id, counts={})
    deleted = rules.deleted_names(deps, found.keys() - names.keys())
    rows = [
        {
            "rule_id": rule_id,
            "name": names.get(rule_id, deleted.get(rule_id)),
            "deleted": rule_id in deleted,
            **_figures(row, review),
        }
        for rule_id, row in sorted(found.items())
    ]
    per_day = [
        {
            "rule_id": d.rule_id,
            "day": d.day.isoformat(),
            **d.counts,
            **cost_figures(d.counts),
        }
        for d in days
    ]
    everything = overall(days)
    return {
        "from": since.isoformat(),
        "to": until.isoformat(),
        "queue_now": deps.followups.unsent_count(
            [*held_names(deps), *deps.catalog.removed_paused()]
        ),
        "sends": {
            "sent": everything.sent,
            "failed": everything.counts.get("failed", 0),
            "success_rate": success_rate(everything.counts),
        },
        "review": review.model_dump(mode="json"),
        "total": _figures(everything, review),
        "rules": rows,
        "days": per_day,
    }


def _figures(row: PeriodStats, review: ReviewThresholds) -> dict[str, Any]:
    """A stats row's counters, rates, costs and review flags, as the stats answer shows
    them (the four counters staff read first as 0 when nothing moved them)."""
    return {
        **dict.fromkeys(("sent", "responded", "opted_out", "converted"), 0),
        **row.counts,
        "response_rate": row.response_rate,
        "opt_out_rate": row.opt_out_rate,
        **cost_figures(row.counts),
        "flags": flags(row, review),
        "sample_too_small": too_few_to_judge(row, review),
    }


@router.get("/api/rules/<rule_id>/stats", openapi_extensions=statuses(404))
def rule_stats(
    rule_id: str,
    since: Annotated[QueryDate | None, Query(alias="from")] = None,
    until: Annotated[QueryDate | None, Query(alias="to")] = None,
) -> JourneyStats:
    """One journey over the period, per step: enrollments entered, completed and exited
    (by kind), errors, sends and what became of them; `active` is now, not the period."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    since, until = _period(deps, since, until)
    return journey_stats(deps, rule_id, since, until)


def _period(deps: Deps, since: date | None, until: date | None) -> tuple[date, date]:
    """`from` and `to` (UTC days, both included); the last seven days by default."""
    until = until or deps.clock.now().date()
    since = since or until - timedelta(days=6)
    if since > until:
        raise InvalidField("from", "must not be after to", "from_after_to")
    if until - since >= LONGEST:
        raise InvalidField("from", "the stats span at most 366 days", "period_too_long")
    return since, until
