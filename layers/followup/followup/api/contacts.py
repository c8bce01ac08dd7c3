"""/api/contacts and /api/followups: upsert and read leads, their timeline, send now,
close or reopen their conversation."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import BaseModel, ConfigDict, Field

from followup.api.auth import READERS, RULE_WRITERS, caller, require, seen_by
from followup.api.edge import IMPORT_KINDS
from followup.api.openapi import statuses
from followup.api.waits import contact_shown, shown
from followup.domain.errors import InvalidField, NotFound
from followup.services import (
    approval,
    audit,
    contact_edits,
    contacts,
    conversations,
    imports,
    manual,
)
from followup.services.imports import ContactRow
from followup.services.timeline import conversation
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    text: str | None = Field(
        default=None,
        max_length=4096,
        description="the written part as edited by the approver; the proposed text if absent",
    )


class SendNow(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    rule_id: str


@router.post("/api/contacts", status_code=201, openapi_extensions=statuses(200, 409))
def upsert_contact(contact: ContactRow) -> tuple[dict[str, Any], int]:
    """Create the contact (201) or change the fields sent (200); a change is kept in the
    audit log (`contact.updated`), as an edit is."""
    event = router.current_event.raw_event
    require(event, READERS)
    deps = runtime.deps()
    before, saved = contacts.upserted(
        deps, contact.wa_id, contact.changes(), user_id=contact.user_id
    )
    if before is None:
        return saved.model_dump(mode="json"), 201
    was, now = contact_edits.summary(before, saved)
    if was or now:
        audit.record(deps, caller(event), "contact.updated", saved.id, was, now)
    return saved.model_dump(mode="json"), 200


_FILE = {
    "required": True,
    "description": "the file: CSV, its first line naming the columns, or JSON lines, a contact"
    " a line",
    "content": {kind: {"schema": {"type": "string"}} for kind in IMPORT_KINDS},
}
"""The import's body as the OpenAPI document describes it: the file itself, not JSON."""


@router.post(
    "/api/contacts/import", openapi_extensions={**statuses(413, 415), "requestBody": _FILE}
)
def import_contacts(
    from_line: Annotated[int, Query(ge=1, le=1_000_000_000)] = 1,
    confirm: bool = False,
) -> dict[str, Any]:
    """CSV (`text/csv`) or JSON lines (`application/x-ndjson`), up to 10,000 rows. A file
    not written whole within the request's time answers `next_line`: send the same file
    again with `from_line` set to it, until `next_line` is null. A file that would have an
    active rule message more contacts on one day than the mass-send limit is refused
    (409 `mass_send`, nothing written) unless `confirm`."""
    require(router.current_event.raw_event, RULE_WRITERS)
    event = router.current_event
    kind = (event.headers.get("content-type") or "").split(";")[0].strip().lower()
    if kind not in IMPORT_KINDS:
        raise InvalidField("content-type", "send text/csv or application/x-ndjson")
    report = imports.import_contacts(
        runtime.deps(), _text_of(event), IMPORT_KINDS[kind], from_line=from_line, confirmed=confirm
    )
    return {
        "created": report.created,
        "updated": report.updated,
        "rejected": report.rejected,
        "next_line": report.next_line,
    }


def _text_of(event: Any) -> str:
    """The import's text, which must be UTF-8: a file saved in another encoding (Excel's
    plain "CSV" on Windows) is refused in words, not read with its letters broken."""
    body: str = event.body or ""
    if event.is_base64_encoded:
        try:
            return base64.b64decode(body).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise InvalidField("body", _NOT_UTF8) from None
    if "\ufffd" in body:  # bytes that were no UTF-8, replaced on the way in
        raise InvalidField("body", _NOT_UTF8)
    return body


_NOT_UTF8 = (
    "the file is not UTF-8 text: save it as “CSV UTF-8” (or UTF-8 JSON lines); nothing was imported"
)


@router.get("/api/contacts/<contact_id>")
def get_contact(contact_id: str) -> dict[str, Any]:
    """The contact, with `zone`: the time zone its times are read in."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    found = deps.contacts.contact(contact_id)
    if found is None:
        raise NotFound("contact", contact_id)
    [shown] = contact_shown(deps, [found.item])
    return shown


@router.get("/api/contacts/<contact_id>/timeline")
def timeline(contact_id: str) -> dict[str, Any]:
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    if deps.contacts.contact(contact_id) is None:
        raise NotFound("contact", contact_id)
    followups = deps.followups.followups_of(contact_id)
    return {
        "messages": [
            m.model_dump(mode="json") for m in conversation(deps, contact_id, 50, followups)
        ],
        "followups": shown(deps, followups),
    }


@router.post("/api/contacts/<contact_id>/conversation/close")
def close_conversation(contact_id: str) -> dict[str, Any]:
    """Close the conversation: queued follow-ups end `canceled` and running sequences end
    (reason `conversation_closed`), except those of rules with `include_closed`. Closing
    a closed one changes nothing."""
    event = router.current_event.raw_event
    require(event, READERS)
    deps = runtime.deps()
    closed = conversations.close_conversation(deps, contact_id, caller(event), deps.clock.now())
    return closed.model_dump(mode="json")


@router.post("/api/contacts/<contact_id>/conversation/reopen")
def reopen_conversation(contact_id: str) -> dict[str, Any]:
    """Reopen the conversation (a new message from the contact reopens it too). Reopening
    an open one changes nothing."""
    event = router.current_event.raw_event
    require(event, READERS)
    deps = runtime.deps()
    opened = conversations.reopen_conversation(deps, contact_id, caller(event), deps.clock.now())
    return opened.model_dump(mode="json")


@router.post(
    "/api/contacts/<contact_id>/followups", status_code=202, openapi_extensions=statuses(409)
)
def send_now(contact_id: str, request: SendNow) -> tuple[dict[str, Any], int]:
    """The follow-up, and when it really goes: `send_at` (UTC), `send_at_local` and `zone`
    (the lead's time), `now` (handed to the sender at once), `why` and `why_code` (`why` as
    a stable code for translation)."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    followup = manual.send_now(deps, contact_id, request.rule_id)
    goes = manual.when(deps, followup)
    return {
        **shown(deps, [followup])[0],
        "send_at": goes.send_at.isoformat(),
        "send_at_local": goes.local.isoformat(),
        "zone": goes.zone.key,
        "now": goes.now,
        "why": goes.why,
        "why_code": goes.why_code,
    }, 202


@router.get("/api/contacts/<contact_id>/rules")
def applicable_rules(contact_id: str) -> dict[str, Any]:
    """Active rules whose trigger stages and conditions take this contact: the ones
    "send follow-up now" offers."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    found = deps.contacts.contact(contact_id)
    if found is None:
        raise NotFound("contact", contact_id)
    offered = [r.model_dump(mode="json") for r in manual.applicable(deps, found.item)]
    return seen_by(router.current_event.raw_event, {"rules": offered})


@router.get("/api/followups/<followup_id>")
def get_followup(followup_id: str) -> dict[str, Any]:
    """The follow-up as a queue row shows it: with its lead's name, number and zone,
    `reason_code`, and whether it waits for the send window."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    found = deps.followups.followup(followup_id)
    if found is None:
        raise NotFound("follow-up", followup_id)
    return shown(deps, [found])[0]


@router.post("/api/followups/<followup_id>/approve", openapi_extensions=statuses(404, 409))
def approve_followup(followup_id: str, body: Approval) -> dict[str, Any]:
    """Send the AI text awaiting approval, or `text` in its place (checked like it)."""
    require(router.current_event.raw_event, RULE_WRITERS)
    return approval.approve(runtime.deps(), followup_id, body.text).model_dump(mode="json")


@router.post("/api/followups/<followup_id>/reject", openapi_extensions=statuses(404, 409))
def reject_followup(followup_id: str) -> dict[str, Any]:
    """Cancel a follow-up awaiting approval (`canceled`, reason `rejected`)."""
    require(router.current_event.raw_event, RULE_WRITERS)
    return approval.reject(runtime.deps(), followup_id).model_dump(mode="json")
