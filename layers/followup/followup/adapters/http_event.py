"""An HTTP API (payload 2.0) or function URL event read, and a Lambda result to answer it,
for a function whose few routes need no resolver: Powertools' event handler package loads
every resolver it has (about a third of a bare `import boto3`) with its first import."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str
    """The path without the stage, as the routes name it."""
    headers: Mapping[str, str]
    """Names in lower case."""
    query: Mapping[str, str]
    body: str
    base64_encoded: bool

    @classmethod
    def of(cls, event: Mapping[str, Any]) -> HttpRequest:
        context = event.get("requestContext") or {}
        stage = context.get("stage", "$default")
        path = event.get("rawPath") or ""
        if stage != "$default":
            path = path.removeprefix(f"/{stage}")
        return cls(
            method=(context.get("http") or {}).get("method", "").upper(),
            path=path,
            headers={k.lower(): v for k, v in (event.get("headers") or {}).items()},
            query=event.get("queryStringParameters") or {},
            body=event.get("body") or "",
            base64_encoded=bool(event.get("isBase64Encoded")),
        )

    def raw_body(self) -> bytes:
        """The body as sent: decoded from base64 when the gateway encoded it."""
        return base64.b64decode(self.body) if self.base64_encoded else self.body.encode()


def answer(
    status: int, body: str = "", content_type: str = "text/plain", **headers: str
) -> dict[str, Any]:
    """The Lambda result for an HTTP API or a function URL."""
    return {
        "statusCode": status,
        "body": body,
        "isBase64Encoded": False,
        "headers": {"Content-Type": content_type, **headers},
        "cookies": [],
    }
