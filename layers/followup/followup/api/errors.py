"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from followup.api.auth import Forbidden, Unauthenticated
from followup.domain.errors import Conflict, DomainError, InvalidField, NotFound
from followup.services.imports import TooManyRows
from followup.services.rules import DuplicateRule, InvalidRule, MassSend

_STATUS: list[tuple[type[DomainError], int, str]] = [
    (Unauthenticated, 401, "unauthenticated"),
    (Forbidden, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (DuplicateRule, 409, "conflict"),
    (Conflict, 409, "conflict"),
    (InvalidRule, 422, "invalid"),
    (InvalidField, 422, "invalid"),
    (TooManyRows, 413, "too_large"),
    (MassSend, 409, "mass_send"),
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
                details = [{"field": p.field, "message": p.message} for p in exc.problems]
            elif isinstance(exc, InvalidField):
                details = [{"field": exc.field, "message": exc.message}]
            return error(status, code, str(exc), details)
    return error(400, "bad_request", str(exc))


def from_validation(errors: list[dict[str, Any]]) -> Response[str]:
    """Pydantic's problems, each with its field path and a readable message."""
    details = [
        {"field": ".".join(str(part) for part in e["loc"] if part != "body"), "message": e["msg"]}
        for e in errors
    ]
    return error(422, "invalid", "the request has invalid fields", details)


def unreadable_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """The 400 response for a body that is not JSON (the resolver would call it missing)."""
    body = event.get("body")
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    kind = headers.get("content-type", "application/json").split(";")[0].strip()
    if not body or event.get("isBase64Encoded") or kind != "application/json":
        return None
    try:
        json.loads(body)
    except ValueError:
        problem = {"code": "bad_request", "message": "the body is not valid JSON", "details": []}
        return {
            "statusCode": 400,
            "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"error": problem}),
            "isBase64Encoded": False,
        }
    return None
