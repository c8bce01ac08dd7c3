"""Signing in to the live feed: the token rides in the WebSocket subprotocol header.

A browser cannot set `Authorization` on a WebSocket, and it logs the URL of a socket that
fails, so the app offers two subprotocols, `followup.live` and its token, rather than
putting the token in the query string.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from followup.api.auth import READERS

SUBPROTOCOL = "followup.live"
HEADER = "sec-websocket-protocol"


def _offered(headers: Mapping[str, str] | None) -> list[str]:
    value = next((v for k, v in (headers or {}).items() if k.lower() == HEADER), "")
    return [part.strip() for part in value.split(",") if part.strip()]


def offers_feed(headers: Mapping[str, str] | None) -> bool:
    return SUBPROTOCOL in _offered(headers)


def offered_token(headers: Mapping[str, str] | None) -> str:
    """The token offered next to `followup.live`, or ""."""
    offered = _offered(headers)
    if SUBPROTOCOL not in offered:
        return ""
    return next((p for p in offered if p != SUBPROTOCOL), "")


def may_listen(claims: Mapping[str, Any]) -> bool:
    """Whether a verified token's user may have the feed: one with a role, as every route
    of the API asks (a user in no group, or taken out of all of them, may not)."""
    groups = claims.get("cognito:groups") or []
    return any(group in READERS for group in groups)
