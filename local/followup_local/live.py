"""A local stand-in for the WebSocket API: browsers on `/ws`, the broadcaster on `@connections`.

A browser connects to `/ws` offering the subprotocols `followup.live` and its dev token
(command-line clients may use `/ws?token=<dev token>`). The token is checked as the
Lambda authorizer checks Cognito's in AWS, then the `realtime` handler gets the same
`$connect`, `$default` and `$disconnect` events API Gateway sends. Handlers push to a
connection through the management API (`POST /@connections/{id}`), which this serves
too: an id that is no longer connected gets 410 Gone, as in AWS, so the broadcaster
forgets it, and a message over 128 KB gets 413 PayloadTooLarge, as in AWS.
"""

from __future__ import annotations

import base64
import logging
import secrets
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from followup.api.feed import may_listen, offered_token
from followup_local.gateway import Invoke
from followup_local.tokens import DevTokens, InvalidToken

_log = logging.getLogger(__name__)
STAGE = "live"
LARGEST_MESSAGE = 128 * 1024
"""API Gateway refuses to post a message over 128 KB to a connection."""


def socket_event(
    route: str,
    connection_id: str,
    *,
    body: str | None = None,
    authorizer: dict[str, Any] | None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The event API Gateway (WebSocket API) sends the route's Lambda."""
    now = datetime.now(UTC)
    kind = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    context: dict[str, Any] = {
        "routeKey": route,
        "eventType": kind,
        "messageDirection": "IN",
        "stage": STAGE,
        "connectionId": connection_id,
        "requestId": secrets.token_hex(8),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "apiId": "local",
        "domainName": "127.0.0.1",
        "identity": {"sourceIp": "127.0.0.1"},
    }
    if authorizer is not None:
        context["authorizer"] = authorizer
    event: dict[str, Any] = {"requestContext": context, "isBase64Encoded": False}
    if headers is not None:
        event["headers"] = headers
    if body is not None:
        event["body"] = body
    return event


class LiveFeed:
    def __init__(self, invoke: Invoke, tokens: DevTokens) -> None:
        self._invoke, self._tokens = invoke, tokens
        self._sockets: dict[str, WebSocket] = {}
        self._connected_at: dict[str, datetime] = {}

    @property
    def connections(self) -> list[str]:
        return list(self._sockets)

    def routes(self) -> list[BaseRoute]:
        return [
            WebSocketRoute("/ws", self._socket),
            Route(
                "/@connections/{connection_id:segment}",
                self._manage,
                methods=["GET", "POST", "DELETE"],
            ),
        ]

    async def _socket(self, socket: WebSocket) -> None:
        try:
            token = offered_token(socket.headers) or socket.query_params.get("token", "")
            claims = self._tokens.verify(token)
            if not may_listen(claims):
                raise InvalidToken("the user has no role")
        except InvalidToken:
            await socket.close(code=1008)  # refused before the handshake completes: HTTP 403
            return
        connection_id = base64.b64encode(secrets.token_bytes(12), altchars=b"-_").decode()
        groups = claims.get("cognito:groups") or []
        authorizer = {
            "sub": claims["sub"],
            "groups": " ".join(groups),
            "expires": claims["exp"],
            "principalId": claims["sub"],
        }
        protocols = socket.headers.get("sec-websocket-protocol")
        headers = {"Sec-WebSocket-Protocol": protocols} if protocols else {}
        connect = socket_event("$connect", connection_id, authorizer=authorizer, headers=headers)
        answer = await run_in_threadpool(self._invoke, "realtime", connect)
        if not isinstance(answer, dict) or answer.get("statusCode") != 200:
            await socket.close(code=1011)
            return
        chosen = (answer.get("headers") or {}).get("Sec-WebSocket-Protocol")
        await socket.accept(subprotocol=chosen)
        self._sockets[connection_id] = socket
        self._connected_at[connection_id] = datetime.now(UTC)
        try:
            while True:
                text = await socket.receive_text()
                message = socket_event("$default", connection_id, body=text, authorizer=authorizer)
                await run_in_threadpool(self._invoke, "realtime", message)
        except WebSocketDisconnect:
            pass
        finally:
            self._sockets.pop(connection_id, None)
            self._connected_at.pop(connection_id, None)
            gone = socket_event("$disconnect", connection_id, authorizer=authorizer)
            await run_in_threadpool(self._invoke, "realtime", gone)

    async def _manage(self, request: Request) -> Response:
        connection_id = request.path_params["connection_id"]
        socket = self._sockets.get(connection_id)
        if socket is None:
            return JSONResponse(
                {"message": "Gone"}, status_code=410, headers={"x-amzn-errortype": "GoneException"}
            )
        if request.method == "POST":
            body = await request.body()
            if len(body) > LARGEST_MESSAGE:
                return JSONResponse(
                    {"message": "Message too long"},
                    status_code=413,
                    headers={"x-amzn-errortype": "PayloadTooLargeException"},
                )
            try:
                await socket.send_text(body.decode())
            except (RuntimeError, OSError, WebSocketDisconnect):
                self._sockets.pop(connection_id, None)  # closing under us: gone, as in AWS
                return JSONResponse(
                    {"message": "Gone"},
                    status_code=410,
                    headers={"x-amzn-errortype": "GoneException"},
                )
            return Response(status_code=200)
        if request.method == "DELETE":
            await socket.close()
            return Response(status_code=204)
        connected = self._connected_at[connection_id].isoformat()
        return JSONResponse(
            {
                "connectedAt": connected,
                "identity": {"sourceIp": "127.0.0.1"},
                "lastActiveAt": connected,
            }
        )
