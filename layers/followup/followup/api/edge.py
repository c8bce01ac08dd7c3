"""What the admin API answers before routing, from the event alone: a body too large or
unreadable for its path, a value too long to be a key. Loads no resolver, so a request
refused here costs the function no more than its handler's own imports."""

from __future__ import annotations

import base64
import json
from typing import Any

from followup.domain import strict_json

IMPORT_KINDS = {"text/csv": "csv", "application/x-ndjson": "jsonl", "application/jsonl": "jsonl"}
"""What a contact import reads, by media type."""


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


CURSOR_LIMIT = 2048
"""A page cursor carries the last item's key (its partition and sort values, a stage or an
email among them), base64-encoded: longer than any id or filter, still bounded."""


def overlong(event: dict[str, Any], limit: int) -> dict[str, Any] | None:
    """The 422 for a path segment or query value over `limit` characters (a cursor over
    `CURSOR_LIMIT`), before any lookup."""
    fields: list[tuple[str, int]] = []
    if any(len(part) > limit for part in event.get("rawPath", "").split("/")):
        fields.append(("path", limit))
    for name, value in (event.get("queryStringParameters") or {}).items():
        bound = CURSOR_LIMIT if name == "cursor" else limit
        if len(value) > bound:
            fields.append((f"query.{name}", bound))
    if not fields:
        return None
    details = [
        {"field": field, "message": f"at most {bound} characters", "code": "too_long"}
        for field, bound in fields
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
    if kind != "application/json":
        return None
    if event.get("isBase64Encoded"):  # as the gateway passes a body it found no text in
        try:
            body = base64.b64decode(body, validate=True).decode("utf-8")
        except ValueError:  # not base64, or not UTF-8 (a CRM writing Latin-1)
            return raw(400, "bad_request", "the body is not JSON in UTF-8")
    try:
        strict_json.loads(body)
    except strict_json.NotJson as error:
        return raw(400, "bad_request", f"the body is {error}")
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
