"""Deliver WhatsApp payloads to the webhook handler as API Gateway (HTTP API v2) would."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import urlencode

from followup_local.engine import LocalEngine
from tests.support.events import load

SECRET = "local-webhook-secret"


def payload(name: str) -> dict[str, Any]:
    return load(f"whatsapp/{name}")


def request(
    method: str,
    body: bytes | str = b"",
    *,
    secret: str = SECRET,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> dict[str, Any]:
    event = copy.deepcopy(load("apigw-webhook-post.json"))
    path = f"/webhooks/whatsapp/{secret}"
    event["routeKey"] = event["requestContext"]["routeKey"] = (
        f"{method} /webhooks/whatsapp/{{secret}}"
    )
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["pathParameters"] = {"secret": secret}
    event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
    event["body"] = body.decode() if isinstance(body, bytes) else body
    if query:
        event["rawQueryString"] = urlencode(query)
        event["queryStringParameters"] = query
    return event


def post(
    engine: LocalEngine, document: dict[str, Any] | bytes | str, **options: Any
) -> dict[str, Any]:
    """POST a payload; returns the handler's API Gateway response."""
    body = json.dumps(document) if isinstance(document, dict) else document
    response: dict[str, Any] = engine.invoke("webhook", request("POST", body, **options))
    return response


def get(engine: LocalEngine, query: dict[str, str], **options: Any) -> dict[str, Any]:
    response: dict[str, Any] = engine.invoke("webhook", request("GET", query=query, **options))
    return response
