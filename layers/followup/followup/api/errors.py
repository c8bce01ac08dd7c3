"""One JSON error shape for every failure: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import Response

from followup.api.auth import Forbidden, Unauthenticated
from followup.domain.errors import Conflict, DomainError, InvalidField, NoSendWindow, NotFound
from followup.domain.rule import field_path
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
    (NoSendWindow, 422, "invalid"),
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
                details = [
                    {"field": p.field, "message": p.message, "code": "invalid_rule"}
                    for p in exc.problems
                ]
            elif isinstance(exc, InvalidField):
                details = [{"field": exc.field, "message": exc.message, "code": exc.code}]
            return error(status, code, str(exc), details)
    return error(400, "bad_request", str(exc))


def lost_race() -> Response[str]:
    return error(409, "conflict", "someone else changed the same data at the same time; try again")


def method_not_allowed(allowed: list[str]) -> Response[str]:
    response = error(405, "method_not_allowed", f"this path answers {', '.join(allowed)}")
    response.headers["Allow"] = ", ".join(allowed)
    return response


def from_validation(errors: Sequence[Mapping[str, Any]]) -> Response[str]:
    """Pydantic's problems, each with its field path, a readable message and pydantic's
    stable error type as `code` (`missing`, `too_short`, `string_pattern_mismatch`...)."""
    details = [
        {
            "field": field_path([part for part in e["loc"] if part != "body"]),
            "message": e["msg"],
            "code": e["type"],
        }
        for e in errors
    ]
    return error(422, "invalid", "the request has invalid fields", details)


def oversized(event: dict[str, Any], limit: int) -> dict[str, Any] | None:
    """The 413 for a body over `limit` bytes, before anything reads it."""
    body = event.get("body") or ""
    size = len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())
    if size <= limit:
        return None
    return raw(
        413, "too_large", f"the body is {size:,} bytes; this route takes at most {_readable(limit)}"
    )


def _readable(size: int) -> str:
    return f"{size // 2**20} MiB" if size % 2**20 == 0 else f"{size // 2**10} KiB"


def overlong(event: dict[str, Any], limit: int) -> dict[str, Any] | None:
    """The 422 for a path segment or query value over `limit` characters, before any lookup."""
    fields = []
    if any(len(part) > limit for part in event.get("rawPath", "").split("/")):
        fields.append("path")
    queries = (event.get("queryStringParameters") or {}).items()
    fields += [f"query.{name}" for name, value in queries if len(value) > limit]
    if not fields:
        return None
    details = [
        {"field": field, "message": f"at most {limit} characters", "code": "too_long"}
        for field in fields
    ]
    return raw(422, "invalid", "the request has values that are too long", details)


def unreadable_body(event: dict[str, Any], accepted: frozenset[str]) -> dict[str, Any] | None:
    """The 415 or 400 for a body the route cannot read, before the resolver tries to.

    `accepted` are the route's media types; a body without a content type is taken
    as JSON. Left to the resolver, a bad body would read as missing, and some media
    types (multipart without a boundary) would fail inside it.
    """
    body = event.get("body")
    if not body:
        return None
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    kind = headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if kind not in accepted:
        names = ", ".join(sorted(accepted))
        return raw(415, "unsupported_media_type", f"send the body as {names}, not {kind!r}")
    if kind != "application/json" or event.get("isBase64Encoded"):
        return None
    try:
        json.loads(body)
    except ValueError:
        return raw(400, "bad_request", "the body is not valid JSON")
    return None


def raw(
    status: int, code: str, message: str, details: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An error as the Lambda result itself, for answers given before routing."""
    problem = {"code": code, "message": message, "details": details or []}
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"error": problem}),
        "isBase64Encoded": False,
    }
