"""A local stand-in for the HTTP API: requests in, API Gateway v2 events to the handlers, out.

Routes mirror the deployed API: `ANY /api/{proxy+}` behind the JWT authorizer
(the OpenAPI description is public), `/webhooks/whatsapp/{secret}` and the email
unsubscribe link `/u/{token}` without it,
since the webhook checks its own secret and the link is signed. A missing or bad token gets API
Gateway's own 401 before any handler runs.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.convertors import StringConvertor, register_url_convertor
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route, request_response
from starlette.types import ASGIApp, Receive, Scope, Send

from followup_local.tokens import DevTokens, InvalidToken, as_authorizer_claims

_log = logging.getLogger(__name__)
Invoke = Callable[[str, dict[str, Any]], dict[str, Any]]
PUBLIC_API_PATHS = frozenset({"/api/openapi.json"})
_TEXT_TYPES = ("text/", "application/json", "application/x-ndjson", "application/jsonl")


def _utf8(body: bytes) -> bool:
    """Whether `body` is text in UTF-8: one that is not (a CRM's Latin-1) goes base64-encoded,
    as a body API Gateway finds no text in, for the handler to refuse, not read as text
    with its letters replaced."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def request_event(
    *,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    route_key: str,
    path_parameters: dict[str, str] | None,
    source_ip: str,
    claims: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The event API Gateway (HTTP API, payload 2.0) sends a Lambda for this request."""
    at = now or datetime.now(UTC)
    lowered = {name.lower(): value for name, value in headers.items()}
    cookies = [c.strip() for c in lowered.pop("cookie", "").split(";") if c.strip()]
    kind = lowered.get("content-type", "")
    binary = bool(body) and not (kind.startswith(_TEXT_TYPES) and _utf8(body))
    text = base64.b64encode(body).decode() if binary else body.decode("utf-8")
    context: dict[str, Any] = {
        "accountId": "000000000000",
        "apiId": "local",
        "domainName": lowered.get("host", "127.0.0.1"),
        "domainPrefix": "local",
        "http": {
            "method": method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": source_ip,
            "userAgent": lowered.get("user-agent", ""),
        },
        "requestId": uuid.uuid4().hex,
        "routeKey": route_key,
        "stage": "$default",
        "time": at.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(at.timestamp() * 1000),
    }
    if claims is not None:
        context["authorizer"] = {"jwt": {"claims": as_authorizer_claims(claims), "scopes": None}}
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": query,
        "headers": lowered,
        "requestContext": context,
        "isBase64Encoded": binary,
    }
    if cookies:
        event["cookies"] = cookies
    if query:
        event["queryStringParameters"] = _joined(parse_qsl(query, keep_blank_values=True))
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = text
    return event


def _joined(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Repeated query names are joined with commas, as API Gateway does."""
    joined: dict[str, str] = {}
    for name, value in pairs:
        joined[name] = f"{joined[name]},{value}" if name in joined else value
    return joined


def lambda_response(result: dict[str, Any] | str) -> Response:
    """The HTTP response API Gateway makes of a handler's result (payload 2.0 rules)."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return JSONResponse(result)
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
    response = Response(content=body, status_code=int(result["statusCode"]))
    response.headers.update({k: str(v) for k, v in (result.get("headers") or {}).items()})
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.append(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.append("set-cookie", cookie)
    return response


def create_app(
    invoke: Invoke,
    tokens: DevTokens,
    extra_routes: Sequence[BaseRoute] = (),
    loopback_only: Sequence[str] = (),
) -> Starlette:
    """The gateway as an ASGI app; `invoke(function, event)` runs a handler.

    `extra_routes` (the live feed, the sandbox page, the web app) come after the API's.
    Paths under a `loopback_only` prefix answer only requests addressed to this machine.
    """

    async def api(request: Request) -> Response:
        claims = None
        if request.url.path not in PUBLIC_API_PATHS:
            try:
                claims = tokens.verify(_bearer(request))
            except InvalidToken:
                return JSONResponse(
                    {"message": "Unauthorized"},
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
        proxy = request.path_params["proxy"]
        return await _forward(request, "api", "ANY /api/{proxy+}", {"proxy": proxy}, claims)

    async def webhook(request: Request) -> Response:
        route_key = f"{request.method} /webhooks/whatsapp/{{secret}}"
        secret = {"secret": request.path_params["secret"]}
        return await _forward(request, "webhook", route_key, secret, None)

    async def unsubscribe(request: Request) -> Response:
        route_key = f"{request.method} /u/{{token}}"
        token = {"token": request.path_params["token"]}
        return await _forward(request, "api", route_key, token, None)

    async def _forward(
        request: Request,
        function: str,
        route_key: str,
        path_parameters: dict[str, str],
        claims: dict[str, Any] | None,
    ) -> Response:
        event = request_event(
            method=request.method,
            path=request.url.path,
            query=request.url.query,
            headers=dict(request.headers),
            body=await request.body(),
            route_key=route_key,
            path_parameters=path_parameters,
            source_ip=request.client.host if request.client else "127.0.0.1",
            claims=claims,
        )
        try:
            result = await run_in_threadpool(invoke, function, event)
        except Exception:
            _log.exception("%s handler failed", function)
            return JSONResponse({"message": "Internal Server Error"}, status_code=500)
        return lambda_response(result)

    return Starlette(
        routes=[
            Route("/api/{proxy:anything}", _AnyMethod(api)),
            Route("/webhooks/whatsapp/{secret:segment}", webhook, methods=["GET", "POST"]),
            Route("/u/{token:segment}", unsubscribe, methods=["GET", "POST"]),
            *extra_routes,
        ],
        exception_handlers={HTTPException: _gateway_error},
        middleware=[Middleware(_LoopbackOnly, prefixes=tuple(loopback_only))],
    )


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


class _LoopbackOnly:
    """Refuses requests to local-only paths unless Host and Origin are this machine.

    Those endpoints have no sign-in (they hand out tokens, tick, reply as a lead), so a
    web page elsewhere must not reach them: a cross-site POST carries the page's Origin,
    and a DNS-rebound name carries its own Host.
    """

    def __init__(self, app: ASGIApp, prefixes: tuple[str, ...]) -> None:
        self._app, self._prefixes = app, prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self._prefixes):
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            local = _is_loopback(f"//{headers.get('host', '')}") and (
                origin is None or _is_loopback(origin)
            )
            if not local:
                answer = JSONResponse({"message": "Forbidden"}, status_code=403)
                await answer(scope, receive, send)
                return
        await self._app(scope, receive, send)


def _is_loopback(url: str) -> bool:
    """`//127.0.0.1:8000`, `http://localhost`, `//[::1]:8000`: a loopback name, any port."""
    return urlsplit(url).hostname in _LOOPBACK


class _AnyMethod:
    """An endpoint for every method, as `ANY` routes are: the handler answers 405 itself."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self._app = request_response(endpoint)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


class _Anything(StringConvertor):
    """Any rest of the path, newlines included: API Gateway's `{proxy+}` takes it all."""

    regex = "(?s:.+)"


class _Segment(StringConvertor):
    """One path segment, whatever bytes it decodes to."""

    regex = "(?s:[^/]+)"


register_url_convertor("anything", _Anything())
register_url_convertor("segment", _Segment())


async def _gateway_error(_: Request, error: Exception) -> Response:
    """What API Gateway answers when no route matches: JSON, never an HTML or text page."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    headers = error.headers if isinstance(error, HTTPException) else None
    return JSONResponse({"message": HTTPStatus(status).phrase}, status_code=status, headers=headers)


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise InvalidToken("no bearer token")
    return token.strip()


@contextmanager
def serving(app: Starlette, port: int = 0) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port when 0) in a thread; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="gateway", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError(f"the gateway could not listen on 127.0.0.1:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{bound}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
