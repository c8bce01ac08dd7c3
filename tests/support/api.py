"""Call the admin API handler with API Gateway (HTTP API v2) events carrying JWT claims."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qsl

from followup_local.engine import LocalEngine


def call(
    engine: LocalEngine,
    method: str,
    path: str,
    body: Any = None,
    *,
    role: str | None = "admin",
    raw: str | None = None,
    encoded: bytes | None = None,
    content_type: str = "application/json",
) -> tuple[int, Any]:
    """(status, parsed JSON body) for one request, signed in as `role` (None: anonymous);
    `encoded` bytes go base64-encoded, as API Gateway passes a body it does not take as
    text."""
    path, _, query = path.partition("?")
    context: dict[str, Any] = {
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "203.0.113.5",
            "userAgent": "test",
        },
        "routeKey": "$default",
        "stage": "$default",
        "requestId": "r1",
    }
    if role is not None:
        context["authorizer"] = {
            "jwt": {
                "claims": {"sub": f"user-{role}", "cognito:groups": f"[{role}]"},
                "scopes": None,
            }
        }
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "queryStringParameters": dict(parse_qsl(query)) or None,
        "headers": {"content-type": content_type},
        "requestContext": context,
        "body": raw if raw is not None else None if body is None else json.dumps(body),
        "isBase64Encoded": encoded is not None,
    }
    if encoded is not None:
        event["body"] = base64.b64encode(encoded).decode()
    response = engine.invoke("api", event)
    text = response.get("body") or "null"
    return response["statusCode"], json.loads(text)
