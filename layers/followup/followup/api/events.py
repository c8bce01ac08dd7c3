"""/api/events (stage changes and conversation lines from other systems) and /api/stats."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field, RootModel

from followup.api.auth import READERS, RULE_WRITERS, require
from followup.domain.contact import Speaker
from followup.domain.errors import InvalidField, NotFound
from followup.services.contacts import change_stage, find_contact
from followup.services.inbound import record_outbound
from followup.services.stats import totals
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


class StageChanged(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["stage_changed"]
    contact: str = Field(description="the contact's id or wa_id")
    stage: str


class MessageSent(BaseModel):
    """A counsellor (agent) or another system wrote to the contact outside this engine."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["message_sent"]
    contact: str
    speaker: Literal["agent", "system"]
    text: str = Field(default="", max_length=4096)


class Event(RootModel[Annotated[StageChanged | MessageSent, Field(discriminator="type")]]):
    """One event from another system, told apart by `type`."""


@router.post("/api/events")
def receive_event(body: Event) -> dict[str, Any]:
    require(router.current_event.raw_event, RULE_WRITERS)
    event = body.root
    deps = runtime.deps()
    found = deps.store.contact(event.contact) or find_contact(deps, event.contact, None)
    if found is None:
        raise NotFound("contact", event.contact)
    now = deps.clock.now()
    if isinstance(event, StageChanged):
        if event.stage not in deps.catalog.settings().stages:
            raise InvalidField("stage", f"unknown stage {event.stage!r}")
        return change_stage(deps, found.item.id, event.stage, now).model_dump(mode="json")
    record_outbound(deps, found.item.id, Speaker(event.speaker), event.text, now)
    return {"recorded": True}


@router.get("/api/stats")
def stats(
    since: Annotated[date | None, Query(alias="from")] = None,
    until: Annotated[date | None, Query(alias="to")] = None,
) -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    until = until or deps.clock.now().date()
    since = since or until - timedelta(days=6)
    if since > until:
        raise InvalidField("from", "must not be after to")
    settings = deps.catalog.settings()
    days = deps.store.stats(since, until)
    rows = []
    for rule_id, row in sorted(totals(days).items()):
        flags = []
        if row.sent and row.response_rate < settings.review.min_response_rate:
            flags.append("low_response")
        if row.sent and row.opt_out_rate > settings.review.max_opt_out_rate:
            flags.append("high_opt_out")
        rows.append(
            {
                "rule_id": rule_id,
                **row.counts,
                "response_rate": row.response_rate,
                "opt_out_rate": row.opt_out_rate,
                "flags": flags,
            }
        )
    per_day = [{"rule_id": d.rule_id, "day": d.day.isoformat(), **d.counts} for d in days]
    return {"from": since.isoformat(), "to": until.isoformat(), "rules": rows, "days": per_day}
