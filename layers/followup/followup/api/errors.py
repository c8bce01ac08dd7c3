"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response

from followup.api.auth import Forbidden, Unauthenticated
from followup.domain.errors import (
    Conflict,
    DomainError,
    InvalidField,
    NoSendWindow,
    NotFound,
    Problem,
    limits,
    problem_message,
)
from followup.domain.rule import field_path
from followup.services.crm_events import EVENT_TYPES
from followup.services.import_crowd import MassImport
from followup.services.imports import TooManyRows
from followup.services.rules import (
    DeletedRuleId,
    InvalidRule,
    MassSend,
)

_STATUS: list[tuple[type[DomainError], int, str]] = [
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (InvalidRule, 422, "invalid"),
    (InvalidField, 422, "invalid"),
    (NoSendWindow, 422, "invalid"),
    (TooManyRows, 413, "too_large"),
    (MassSend, 409, "mass_send"),
    (MassImport, 409, "mass_send"),
]


def error(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> Response[str]:
    body = {"error": {"code": code, "message": message, "details": details or []}}
    return Response(status_code=status, content_type="application/json", body=json.dumps(body))


def from_domain(exc: DomainError) -> Response[str]:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            details: list[dict[str, Any]] = []
            if isinstance(exc, InvalidRule):
                details = rule_details(exc)
            elif isinstance(exc, InvalidField):
                details = [field_detail(exc)]
            elif isinstance(exc, DeletedRuleId):
                details = [deleted_id_detail(exc)]
            elif isinstance(exc, MassSend):
                details = [mass_send_details(exc)]
            elif isinstance(exc, MassImport):
                details = [mass_import_details(exc)]
            if isinstance(exc, Conflict):
                code = exc.code
            return error(status, code, str(exc), details)
    return error(400, "bad_request", str(exc))


def lost_race() -> Response[str]:
    return error(
        409, "kept_changing", "someone else changed the same data at the same time; try again"
    )


def busy() -> Response[str]:
    response = error(
        503, "busy", "others are writing the same data right now; nothing changed, try again"
    )
    response.headers["Retry-After"] = "1"
    return response


def method_not_allowed(allowed: list[str]) -> Response[str]:
    response = error(405, "method_not_allowed", f"this path answers {', '.join(allowed)}")
    response.headers["Allow"] = ", ".join(allowed)
    return response


def mass_send_details(exc: MassSend) -> dict[str, Any]:
    """How many the activation would message, against which limit, and (a date rule) on
    which day, for the admin app to say in the reader's language."""
    return {
        "field": "trigger",
        "message": str(exc),
        "code": "mass_send",
        "count": exc.count,
        "limit": exc.limit,
        "complete": exc.complete,
        "day": exc.day.isoformat() if exc.day is not None else None,
        "attribute": exc.attribute,
    }


def mass_import_details(exc: MassImport) -> dict[str, Any]:
    """Which rule the import would have message how many, on which day, against which
    limit (no rule nor day: the check could not read every row in time)."""
    return {
        "field": "body",
        "message": str(exc),
        "code": "mass_send",
        "rule_id": exc.rule.id if exc.rule else None,
        "rule": exc.rule.name if exc.rule else None,
        "trigger": exc.rule.trigger.kind if exc.rule else None,
        "count": exc.count,
        "limit": exc.limit,
        "complete": exc.complete,
        "day": exc.day.isoformat() if exc.day else None,
    }


def deleted_id_detail(exc: DeletedRuleId) -> dict[str, Any]:
    """The id of a deleted rule, named in `values` for the app to say it in its words."""
    return {
        "field": "id",
        "message": exc.message,
        "code": "deleted_rule_id",
        "values": {"id": exc.rule_id},
    }


def rule_details(exc: InvalidRule) -> list[dict[str, Any]]:
    """A rule's (or the settings') problems, each with its field path."""
    return [problem_detail(p) for p in exc.problems]


def problem_detail(problem: Problem) -> dict[str, Any]:
    """One problem of a rule's, with what its message names (`values`) and the bounds it
    broke (`limits`), each when it has them."""
    detail: dict[str, Any] = {
        "field": problem.field,
        "message": problem.message,
        "code": problem.code,
    }
    if problem.values:
        detail["values"] = dict(problem.values)
    if problem.limits:
        detail["limits"] = dict(problem.limits)
    return detail


def field_detail(exc: InvalidField) -> dict[str, Any]:
    """One field's problem, with the bounds it broke when it has them (`limits`)."""
    detail: dict[str, Any] = {"field": exc.field, "message": exc.message, "code": exc.code}
    if exc.limits:
        detail["limits"] = dict(exc.limits)
    return detail


def validation_details(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic's problems, each with its field path, a readable message, pydantic's
    stable error type as `code` (`missing`, `too_short`, `string_pattern_mismatch`...) and,
    when the check has them, the bounds it holds the value to (`limits`), for an app to
    say the problem in its reader's language."""
    return [_validation_detail(e) for e in errors]


def _validation_detail(error: Mapping[str, Any]) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "field": _place(error),
        "message": problem_message(error),
        "code": error["type"],
    }
    found = limits(error)
    if found:
        detail["limits"] = found
    return detail


_TAG_ERRORS = frozenset({"union_tag_invalid", "union_tag_not_found"})


def _place(error: Mapping[str, Any]) -> str:
    """Where in the request body `error` is, as the API names fields: without the `body`
    Powertools puts first (a field of that name inside it, an email's `body`, is kept), nor
    the event type pydantic puts before an event's field (`name`, not `custom.name`); a
    missing or unknown type at its discriminator (`type`)."""
    loc = [str(part) for part in error["loc"]]
    if loc[:1] == ["body"]:
        loc = loc[1:]
    if loc[:1] and loc[0] in EVENT_TYPES:
        loc = loc[1:]
    if error["type"] in _TAG_ERRORS:
        loc.append(str(error.get("ctx", {}).get("discriminator", "")).strip("'"))
    return field_path(loc)


def from_validation(errors: Sequence[Mapping[str, Any]]) -> Response[str]:
    details = validation_details(errors)
    return error(422, "invalid", "the request has invalid fields", details)
