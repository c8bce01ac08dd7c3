"""/api/rules: list, create, read, edit (a new version, optionally migrating running
sequences), versions and the diff between them, activate, deactivate,
preview whom a rule reaches, and sample what one of its steps would say to a contact."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from followup.api.auth import READERS, RULE_WRITERS, caller, require, seen_by
from followup.api.errors import problem_detail
from followup.api.fields import refuse_unknown
from followup.api.openapi import statuses
from followup.domain.contact import Contact
from followup.domain.errors import InvalidField, NotFound, Problem
from followup.domain.followup import Reason
from followup.domain.rule import Rule
from followup.services import audit, rule_audit, rules, versions
from followup.services.deps import Deps
from followup.services.dry_run import DryRunRequest, as_json, dry_run
from followup.services.ports import RuleError
from followup.services.preview import preview
from followup.services.rules import DuplicateRule
from followup.services.writing import sample
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


ANSWERED = frozenset({"held", "last_error"})
"""What GET /api/rules/{id} answers beside the rule: a body sent back with them saves."""


def _known_fields(rule: Rule) -> None:
    """422 naming a field of the request's rule that a rule has no place for."""
    refuse_unknown(router.current_event.json_body, rule, "a rule", ANSWERED)


def _saved(deps: Deps, rule: Rule, warnings: list[Problem]) -> dict[str, Any]:
    """A saved rule, its warnings, and whether the ticks go on indexing its contacts'
    dates (a date rule over more contacts than the save had time for)."""
    return {
        "rule": rule.model_dump(mode="json"),
        "warnings": [problem_detail(w) for w in warnings],
        "indexing": rules.indexing(deps, rule.id),
    }


def _shown(deps: Deps, rule: Rule, errors: dict[str, RuleError]) -> dict[str, Any]:
    """A rule as the app shows it: how many contacts it holds while off, and the last error
    a tick met in it (None once it ran clean)."""
    error = errors.get(rule.id)
    last = {"at": error.at.isoformat(), "message": error.message} if error else None
    return {**rule.model_dump(mode="json"), "held": rules.held(deps, rule.id), "last_error": last}


@router.get("/api/rules")
def list_rules() -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    errors = rules.last_errors(deps)
    return seen_by(
        router.current_event.raw_event,
        {"rules": [_shown(deps, r, errors) for r in rules.listing(deps)]},
    )


@router.post("/api/rules", status_code=201, openapi_extensions=statuses(409))
def create_rule(rule: Rule, confirm: bool = False) -> tuple[dict[str, Any], int]:
    """Save a new rule. Sent again by who created it, with the same body, after the store
    refused its audit entry (a 503), it keeps the entry and answers as the first would."""
    event = router.current_event.raw_event
    require(event, RULE_WRITERS)
    _known_fields(rule)
    deps = runtime.deps()
    try:
        saved, warnings = rules.create(deps, rule, confirm, caller(event))
    except DuplicateRule:
        created = rule_audit.created_unaudited(deps, rule, caller(event))
        if created is None:
            raise
        saved, warnings = created, rules.problems(deps, created)[1]
    audit.record(deps, caller(event), "rule.created", saved.id, None, f"version {saved.version}")
    return _saved(deps, saved, warnings), 201


@router.get("/api/rules/<rule_id>")
def get_rule(rule_id: str) -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    return seen_by(
        router.current_event.raw_event,
        _shown(deps, rules.current(deps, rule_id), rules.last_errors(deps)),
    )


@router.put("/api/rules/<rule_id>", openapi_extensions=statuses(409))
def edit_rule(
    rule_id: str, rule: Rule, confirm: bool = False, migrate: bool = False
) -> dict[str, Any]:
    """Save the next version. With `migrate=true`, running sequences move onto it and
    continue from the same step; otherwise they finish on the version they started. Sent
    again after the store refused its audit entry (a 503), it keeps the entry."""
    event = router.current_event.raw_event
    require(event, RULE_WRITERS)
    _known_fields(rule)
    if rule.id != rule_id:
        # a body copied from another rule would otherwise save over this one unnoticed
        raise InvalidField("id", f"{rule.id!r} is not the rule this saves ({rule_id!r})")
    deps = runtime.deps()
    saved, warnings, new = rules.update(deps, rule_id, rule, confirm, caller(event))
    if new or rule_audit.save_unaudited(deps, saved, caller(event)):
        before, after = f"version {saved.version - 1}", f"version {saved.version}"
        audit.record(deps, caller(event), "rule.updated", rule_id, before, after)
    answer = _saved(deps, saved, warnings)
    if migrate:
        moved = versions.migrate(deps, saved)
        answer["migration"] = {"moved": moved.moved, "kept": moved.kept, "lost": moved.lost}
    return answer


@router.get("/api/rules/<rule_id>/versions")
def rule_versions(rule_id: str) -> dict[str, Any]:
    """Every version, oldest first, each with `saved_by` (who saved it) and `saved_at`
    (when, UTC); both null for a version saved outside the API (the demo's seed)."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    found = rules.versions(deps, rule_id)
    saved = deps.rules.authorship(rule_id)
    return seen_by(
        router.current_event.raw_event,
        {
            "versions": [
                r.model_dump(mode="json")
                | {
                    "saved_by": saved[r.version].by if r.version in saved else None,
                    "saved_at": saved[r.version].at.isoformat() if r.version in saved else None,
                }
                for r in found
            ]
        },
    )


@router.post("/api/rules/<rule_id>/dry-run")
def dry_run_rule(rule_id: str, request: DryRunRequest) -> dict[str, Any]:
    """Play the rule (its current version, on or off) for a real contact or a test one on a
    virtual clock, with simulated replies and events, sending nothing: the timeline of
    what it would send when (in the contact's zone), what it would skip and why."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    played = as_json(dry_run(deps, rules.current(deps, rule_id), request))
    return seen_by(router.current_event.raw_event, played)


@router.get("/api/rules/<rule_id>/diff")
def rule_diff(
    rule_id: str,
    from_version: Annotated[int | None, Query(alias="from", ge=1)] = None,
    to_version: Annotated[int | None, Query(alias="to", ge=1)] = None,
) -> dict[str, Any]:
    """What changed between two versions (default: the current one and the one before)."""
    require(router.current_event.raw_event, READERS)
    found = versions.diff(runtime.deps(), rule_id, from_version, to_version)
    return seen_by(router.current_event.raw_event, {
        "changes": [
            {"path": d.path, "kind": d.kind.value, "before": d.before, "after": d.after,
             "description": d.describe()}
            for d in found
        ]
    })  # fmt: skip


@router.post("/api/rules/<rule_id>/activate", openapi_extensions=statuses(409))
def activate(rule_id: str, confirm: bool = False) -> dict[str, Any]:
    """Switch the rule on; sent again after the store refused its audit entry (a 503), it
    finds the rule on and keeps the entry."""
    event = router.current_event.raw_event
    require(event, RULE_WRITERS)
    deps = runtime.deps()
    activated = rules.activate(deps, rule_id, confirm)
    if activated.switched or rule_audit.switch_unaudited(deps, rule_id):
        audit.record(deps, caller(event), "rule.activated", rule_id, "inactive", "active")
    return {**activated.rule.model_dump(mode="json"), "indexing": rules.indexing(deps, rule_id)}


def _preview(rule: Rule) -> dict[str, Any]:
    """The preview, each planned send with the zone its time is read in: the lead's own,
    else their number's, else the workspace's (the leads read in one batch)."""
    deps = runtime.deps()
    rules.runnable(deps, rule)
    found = preview(deps, rule)
    leads = deps.contacts.contacts_by_ids(p.contact_id for p in found.planned)
    workspace_zone = deps.catalog.settings().zone
    return {
        "now": found.now_count,
        "due_now": found.due_now,
        "next_hour": found.next_hour,
        "next_day": found.next_day,
        "planned": [
            {
                "contact_id": p.contact_id,
                "name": p.name,
                "send_at": p.send_at.isoformat(),
                "zone": _zone_of(leads.get(p.contact_id), workspace_zone),
                "waits_for": p.waits_for,
            }
            for p in found.planned
        ],
        "estimated_cost_usd": found.estimated_cost_usd,
        "cost_by_market": [asdict(market) for market in found.cost_by_market],
        "skipped": found.skipped,
        "excluded": [asdict(excluded) for excluded in found.excluded],
        "fires": found.fires,
        "complete": found.complete,
        "busiest": (
            {"day": found.busiest[0].isoformat(), "count": found.busiest[1]}
            if found.busiest
            else None
        ),
    }


def _zone_of(lead: Contact | None, workspace_zone: ZoneInfo) -> str:
    """The IANA name of the zone a lead's times are read in (`Contact.zone`)."""
    return (lead.zone(workspace_zone) if lead else workspace_zone).key


@router.post("/api/rules/preview")
def preview_body(rule: Rule) -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    _known_fields(rule)
    return _preview(rule)


@router.post("/api/rules/<rule_id>/preview")
def preview_saved(rule_id: str) -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    return _preview(rules.current(runtime.deps(), rule_id))


class SampleRequest(BaseModel):
    model_config = ConfigDict(defer_build=True)

    contact_id: str = Field(min_length=1, max_length=64)


@router.post("/api/rules/<rule_id>/steps/<step>/sample")
def sample_step(rule_id: str, step: str, request: SampleRequest) -> dict[str, Any]:
    """What the step would send the contact now, written (by the AI for an AI step) but not
    sent: `message` is None when it could not send now (no template outside the window)."""
    require(router.current_event.raw_event, RULE_WRITERS)
    deps = runtime.deps()
    rule = rules.current(deps, rule_id)
    if not step.isdecimal() or int(step) >= len(rule.steps):
        raise InvalidField("step", f"the rule has steps 0 to {len(rule.steps) - 1}")
    if rule.steps[int(step)].kind != "send":
        raise InvalidField(
            "step", f"step {step} is a {rule.steps[int(step)].kind} step: it sends nothing"
        )
    found = deps.contacts.contact(request.contact_id)
    if found is None:
        raise NotFound("contact", request.contact_id)
    written = sample(deps, rule, int(step), found.item)
    if written is None:
        return {"message": None, "ai": None}
    return {
        "message": written.message.model_dump(mode="json"),
        "ai": written.ai.model_dump(mode="json") if written.ai else None,
    }


@router.post("/api/rules/<rule_id>/deactivate")
def deactivate(rule_id: str, cancel_queued: bool = False) -> dict[str, Any]:
    """Switch the rule off; sent again after the store refused its audit entry (a 503), it
    finds the rule off and keeps the entry."""
    event = router.current_event.raw_event
    require(event, RULE_WRITERS)
    deps = runtime.deps()
    done = rules.deactivate(deps, rule_id, cancel_queued)
    switched = done.switched or rule_audit.switch_unaudited(deps, rule_id)
    if switched or done.canceled:
        before = "active" if switched else "inactive"
        after = f"inactive; {done.canceled} queued canceled" if cancel_queued else "inactive"
        audit.record(deps, caller(event), "rule.deactivated", rule_id, before, after)
    return {**done.rule.model_dump(mode="json"), "canceled": done.canceled}


@router.delete("/api/rules/<rule_id>")
def delete_rule(rule_id: str) -> dict[str, Any]:
    """Remove a rule; audited once as `rule.deleted`, even when canceling what it queued
    failed midway (a 503). Sent again, the delete finds the rule gone and finishes the
    canceling (its answer counts what it canceled then), with no second audit entry."""
    event = router.current_event.raw_event
    require(event, RULE_WRITERS)
    deps = runtime.deps()
    listed = deps.rules.rule_head(rule_id) is not None
    if not listed and deps.rules.rule(rule_id, 1) is not None:
        canceled = rules.cancel_waiting(deps, rule_id, Reason.RULE_DELETED)
        if not _delete_audited(deps, rule_id):  # its entry lost when it failed (a 503)
            after = f"{canceled} queued canceled when sent again"
            audit.record(deps, caller(event), "rule.deleted", rule_id, None, after)
        return {"deleted": rule_id, "canceled": canceled}
    try:
        canceled = rules.delete(deps, rule_id)
    except NotFound:
        raise  # deleted meanwhile, by a request that audits it
    except Exception:
        if listed and deps.rules.rule_head(rule_id) is None:  # deleted before it failed
            stopped = "queued canceling stopped midway"
            audit.record(deps, caller(event), "rule.deleted", rule_id, None, stopped)
        raise
    audit.record(deps, caller(event), "rule.deleted", rule_id, None, f"{canceled} queued canceled")
    return {"deleted": rule_id, "canceled": canceled}


def _delete_audited(deps: Deps, rule_id: str) -> bool:
    """The deleted rule's delete is in the audit log: the newest entry about the rule, read
    back to when its last version was saved, is its delete (every other entry about it,
    a save or a switch, came before the delete: its id is never taken again)."""
    saves = deps.rules.authorship(rule_id)
    since = max((s.at for s in saves.values()), default=None)
    newest = audit.newest_about(deps, rule_id, lambda action: action.startswith("rule."), since)
    return newest == "rule.deleted"
