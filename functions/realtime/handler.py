"""WebSocket routes of the live queue feed: `$connect`, `$disconnect` and `$default`.

Connections are recorded so the broadcaster can push follow-up changes to them; the
app sends nothing the server must act on, so `$default` only answers `ping`: with `pong`
while the connection is pushed to, else (its sign-in expired) by closing it, so the app
connects again with its renewed sign-in and reads what it missed, instead of showing a
feed that no longer moves as live.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.api.feed import SUBPROTOCOL, offers_feed
from followup.wiring import logs, runtime

logger, metrics = runtime.observability("realtime")


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = event["requestContext"]
    route, connection_id = request["routeKey"], request["connectionId"]
    runtime.deps()  # binds the tables
    if route == "$connect":
        signed_in = request.get("authorizer") or {}
        expires = signed_in.get("expires")
        until = datetime.fromtimestamp(int(expires), UTC) if expires else None
        now = runtime.deps().clock.now()
        runtime.connections().add(connection_id, signed_in.get("sub", ""), now, until)
        metrics.add_metric(name="ws_connected", unit="Count", value=1)
        if offers_feed(event.get("headers")):  # API Gateway's handshake answers with it
            return {"statusCode": 200, "headers": {"Sec-WebSocket-Protocol": SUBPROTOCOL}}
    elif route == "$disconnect":
        runtime.connections().remove(connection_id)
        metrics.add_metric(name="ws_disconnected", unit="Count", value=1)
    else:
        ping = _is_ping(event.get("body"))
        now = runtime.deps().clock.now()
        if ping and not runtime.connections().listened(connection_id, now):
            runtime.connection_poster().close(connection_id)
            metrics.add_metric(name="ws_expired", unit="Count", value=1)
        elif ping:
            runtime.connection_poster().post(connection_id, json.dumps({"type": "pong"}).encode())
        metrics.add_metric(name="ws_ping" if ping else "ws_ignored", unit="Count", value=1)
    return {"statusCode": 200}


def _is_ping(body: str | None) -> bool:
    try:
        message = json.loads(body or "")
    except (ValueError, RecursionError):
        return False
    return isinstance(message, dict) and message.get("action") == "ping"
