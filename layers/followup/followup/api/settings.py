"""/api/settings and /api/numbers: everyone reads the policy and the numbers' health; only
admins change the policy or resume a paused number, or paused email."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from pydantic import Field, StrictInt, ValidationError

from followup.api.auth import READERS, SETTINGS_WRITERS, caller, require
from followup.api.errors import field_detail, rule_details, validation_details
from followup.api.fields import refuse_unknown, unknown_fields
from followup.api.openapi import statuses
from followup.domain.errors import NotFound
from followup.domain.settings import WorkspaceSettings
from followup.services import audit, messaging_limit, pausing, rules, webhook
from followup.services import numbers as sending_numbers
from followup.services import resume as resuming
from followup.services.audit import settings_change
from followup.services.rules import InvalidRule
from followup.wiring import runtime

router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # untyped in Powertools


class SettingsWrite(WorkspaceSettings):
    """The settings to save, with the revision they were read at."""

    revision: StrictInt | None = Field(
        default=None,
        ge=0,
        description="the `revision` GET /api/settings answered: the save is refused with "
        "409 when someone saved the settings since; without it, the save replaces whatever "
        "is saved",
    )


@router.get("/api/settings")
def read_settings() -> dict[str, Any]:
    """The policy with its `revision`, to send back with a change."""
    require(router.current_event.raw_event, READERS)
    read = runtime.deps().rules.versioned_settings()
    return _shown(read.item, read.revision)


@router.put("/api/settings", openapi_extensions=statuses(409))
def write_settings(body: SettingsWrite) -> dict[str, Any]:
    event = router.current_event.raw_event
    require(event, SETTINGS_WRITERS)
    refuse_unknown(router.current_event.json_body, body, "the settings")
    deps = runtime.deps()
    settings = WorkspaceSettings.model_validate(body.model_dump(exclude={"revision"}))
    rules.check_settings(deps, settings)
    before, settings, revision = resuming.save_settings(deps, settings, body.revision)
    messaging_limit.note_raise(
        deps, before.messaging_limit, settings.messaging_limit, deps.clock.now()
    )
    changed = settings_change(before, settings)
    if any(changed):
        audit.record(deps, caller(event), "settings.updated", "settings", *changed)
    return _shown(settings, revision)


def _shown(settings: WorkspaceSettings, revision: int) -> dict[str, Any]:
    return {**settings.model_dump(mode="json"), "revision": revision}


@router.post("/api/settings/check")
def check_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """What saving these settings would refuse, without saving them: `problems` in the
    shape of a refused save's `details` (field, message, code), empty when `PUT
    /api/settings` would take them. The app checks before it saves, so a typo is said
    beside its field rather than as a failed request."""
    require(router.current_event.raw_event, SETTINGS_WRITERS)
    try:
        written = SettingsWrite.model_validate(settings)
    except ValidationError as exc:
        return {"problems": validation_details(exc.errors())}
    extra = unknown_fields(settings, written, "the settings")
    if extra:
        return {"problems": [field_detail(p) for p in extra]}
    try:
        checked = WorkspaceSettings.model_validate(written.model_dump(exclude={"revision"}))
        rules.check_settings(runtime.deps(), checked)
    except InvalidRule as exc:
        return {"problems": rule_details(exc)}
    return {"problems": []}


@router.get("/api/numbers")
def numbers() -> dict[str, Any]:
    """Every sending number with its quality, status (a paused one says why: flagged,
    blocked, taken over by Meta Business Agent..., in `paused_reason`, and as a code in
    `paused_code`: `quality:<level>`, `whatsapp:<error code>`, `agent`, `api_key`; since
    when in `paused_at`, null for a pause stored before that was kept), pace and
    messaging-limit use (the portfolio's, shared by its numbers). `updated_at` is the time
    of WhatsApp's last report on it. A paused number stops only its own sends;
    `sending_paused` says why nothing at all goes (the workspace or every number paused)."""
    require(router.current_event.raw_event, READERS)
    deps = runtime.deps()
    now = deps.clock.now()
    return {
        "numbers": [_number(n) for n in sending_numbers.listing(deps, now)],
        "sending_paused": deps.catalog.sending_paused(),
        "messaging_limit": messaging_limit.usage(deps, now),
    }


def _number(status: sending_numbers.NumberStatus) -> dict[str, Any]:
    shown = asdict(status)
    for moment in ("updated_at", "paused_at"):
        at = getattr(status, moment)
        shown[moment] = at.isoformat() if at else None
    return shown


@router.post("/api/numbers/<phone_number_id>/resume")
def resume(phone_number_id: str) -> dict[str, Any]:
    """An admin resumes sending from a paused number (after fixing the cause); resuming
    one that runs changes nothing, and is no entry of the audit log."""
    event = router.current_event.raw_event
    require(event, SETTINGS_WRITERS)
    deps = runtime.deps()
    paused = webhook.paused_by_report(deps, phone_number_id)
    if not webhook.resume_number(deps, phone_number_id, deps.clock.now()):
        raise NotFound("number", phone_number_id)
    if paused:
        audit.record(deps, caller(event), "number.resumed", phone_number_id, "paused", "resumed")
    return {"resumed": phone_number_id, "sending_paused": deps.catalog.sending_paused()}


@router.post("/api/email/resume", openapi_extensions=statuses(409))
def resume_email() -> dict[str, Any]:
    """An admin resumes email once SES sends for the account again (after AWS lifted its
    pause, or the sender's identity was verified): the follow-ups it held go at once.
    Refused with 409 when email is not paused."""
    event = router.current_event.raw_event
    require(event, SETTINGS_WRITERS)
    deps = runtime.deps()
    reason = pausing.resume_email(deps, deps.clock.now())
    if reason is None:
        raise pausing.EmailNotPaused("email is not paused: there is nothing to resume")
    audit.record(deps, caller(event), "email.resumed", "email", reason, "resumed")
    return {"resumed": "email", "email_paused": None}


@router.get("/api/audit")
def audit_log(
    limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: str | None = None
) -> dict[str, Any]:
    """Who changed rules, settings and numbers, and when: newest first, `cursor` for more."""
    require(router.current_event.raw_event, SETTINGS_WRITERS)
    page = runtime.deps().rules.audit_log(limit, cursor)
    return {"entries": [e.model_dump(mode="json") for e in page.items], "cursor": page.cursor}
