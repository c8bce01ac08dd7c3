"""/api/queue and /api/contacts listings: sorted, filtered, cursor-paginated."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from followup.api.auth import READERS, RULE_WRITERS, require
from followup.api.params import QueryTime
from followup.api.waits import contact_shown, shown
from followup.domain.contact import Score
from followup.domain.errors import InvalidField
from followup.domain.followup import Status
from followup.domain.phones import calling_code
from followup.services.bulk_cancel import cancel_queued
from followup.services.contacts import find_contact, search_contacts
from followup.services.deps import Deps
from followup.services.ports import ContactQuery, QueueQuery
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools
LONGEST = timedelta(days=92)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
Limit = Annotated[int, Query(ge=1, le=200)]
MIN_NUMBER = 8
SEARCHED_LEADS = 50


@router.get("/api/queue")
def queue(
    status: Status | None = None,
    rule: str | None = None,
    contact: str | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    since: Annotated[QueryTime | None, Query(alias="from")] = None,
    until: Annotated[QueryTime | None, Query(alias="to")] = None,
    sort: Literal["latest", "earliest"] = "latest",
    limit: Limit = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """A page of the follow-ups whose send time falls in the period, by send time (`sort`:
    latest or earliest first, over the whole period, page after page), each with its lead's
    name, number and zone. The period defaults to the whole UTC days from a week before
    today to a week after (a `from` given alone: to two weeks after it, or a week after
    today if that is later). `q` keeps the follow-ups of the leads whose name or number holds
    it (among the first 1,000 contacts a search reads, at most 50 leads). `counts` are the
    follow-ups of the period's UTC days (of `rule` alone when given) by their status now,
    whatever the other filters."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    today = deps.clock.now().astimezone(UTC).date()
    if until is None:
        # A week after today, or two weeks after a `from` given alone, if that is later.
        last = today + WEEK if since is None else max(today + WEEK, since.date() + 2 * WEEK)
        until = datetime.combine(last + DAY, time(), UTC) - timedelta(microseconds=1)
    since = since or datetime.combine(until.astimezone(UTC).date() - 2 * WEEK, time(), UTC)
    if since > until:
        raise InvalidField("from", "must not be after to", "from_after_to")
    if until - since > LONGEST:
        raise InvalidField("from", "the queue view spans at most 92 days", "period_too_long")
    searched = None if q is None else _searched(deps, q)
    query = QueueQuery(since, until, status, rule, contact, searched, sort == "earliest")
    page = deps.followups.queue(query, limit, cursor)
    days = since.astimezone(UTC).date(), until.astimezone(UTC).date()
    counts = dict.fromkeys((s.value for s in Status), 0) | deps.stats.statuses_now(*days, rule)
    return {"followups": shown(deps, page.items), "cursor": page.cursor, "counts": counts}


def _searched(deps: Deps, text: str) -> frozenset[str]:
    """The ids of the leads `text` names: by number exactly when it is one, with its
    country code or written the national way (`0812...`, read in the country of the
    workspace's default sending number, as the contact search reads it; a mobile also as it
    is written the other way, `other_whatsapp_form`), whatever the workspace's size; else a
    bounded contact search."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= MIN_NUMBER and not any(ch.isalpha() for ch in text):
        for wa_id in (digits, *_international(deps, digits)):
            exact = find_contact(deps, wa_id, None)
            if exact is not None:
                return frozenset({exact.item.id})
    page = search_contacts(deps, ContactQuery(text=text), SEARCHED_LEADS, None)
    return frozenset(c.id for c in page.items)


def _international(deps: Deps, digits: str) -> tuple[str, ...]:
    """The number `digits` reads as when written the national way (one leading 0, as in
    `0812...`) in the country of the workspace's default sending number; none otherwise."""
    if digits[:1] != "0" or digits[1:2] == "0":
        return ()
    home = calling_code(deps.numbers.configured[0].display_phone_number)
    return (home + digits[1:],) if home else ()


class CancelMany(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    ids: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=100, description="follow-up ids to cancel, at most 100"
    )


@router.post("/api/queue/cancel")
def cancel_many(body: CancelMany) -> dict[str, Any]:
    """Cancel queued follow-ups; each id answers `cancelled`, `already_sent` (the sender
    took it), `already_ended` (canceled, failed or skipped before) or `not_found`."""
    require(router.current_event.raw_event, RULE_WRITERS)
    outcomes = cancel_queued(runtime.deps(), list(dict.fromkeys(body.ids)))
    return {"results": [{"id": fid, "result": outcome.value} for fid, outcome in outcomes]}


@router.get("/api/contacts")
def contacts(  # one parameter per filter of the query string
    stage: Annotated[str | None, Query(min_length=1)] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    min_score: Score | None = None,
    tag: Annotated[str | None, Query(min_length=1)] = None,
    opted_out: bool | None = None,
    sort: Literal["newest", "oldest"] = "newest",
    limit: Limit = 50,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Contacts that match, a page at a time (`tag` in any case: `vip` finds a contact
    tagged `VIP`). With a `stage` they come in creation order
    (`sort`); without one the list is a scan in no set order. A page examines at most 1,000
    contacts, so a narrow search may answer a short (even empty) page with a cursor: read
    on until the cursor is null."""
    require(router.current_event.raw_event, READERS)
    if sort == "oldest" and stage is None:
        raise InvalidField("sort", "sorting by creation needs a stage", "sort_needs_stage")
    query = ContactQuery(stage, q, min_score, tag, opted_out, oldest_first=sort == "oldest")
    deps = runtime.deps()
    page = search_contacts(deps, query, limit, cursor)
    return {"contacts": contact_shown(deps, page.items), "cursor": page.cursor}
