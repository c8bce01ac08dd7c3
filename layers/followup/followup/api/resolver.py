"""The admin API's resolver: a router per resource, errors in one JSON shape, the OpenAPI
description. A request loads only the routers with routes under its path prefix: the
resolver then holds every router loaded so far, always in the order of `ROUTERS`, so each
path is matched as by a resolver that holds them all."""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from followup.api import edge, errors, openapi, routing
from followup.api.auth import Role, require
from followup.domain.errors import DomainError
from followup.loading import loading
from followup.services.ports import CommitRejected, StoreBusy

ROUTERS = (
    "rules",
    "settings",
    "contacts",
    "contact_care",
    "events",
    "queue",
    "recipes",
    "unsubscribe",
    "tasks",
    "templates",
)
"""The modules of `followup.api` with a router, in the order the resolver matches them."""
PREFIXES: dict[str, frozenset[str]] = {
    "/api/rules": frozenset({"rules", "events"}),
    "/api/settings": frozenset({"settings"}),
    "/api/numbers": frozenset({"settings"}),
    "/api/email": frozenset({"settings"}),
    "/api/audit": frozenset({"settings"}),
    "/api/contacts": frozenset({"contacts", "contact_care", "queue", "tasks"}),
    "/api/followups": frozenset({"contacts"}),
    "/api/events": frozenset({"events"}),
    "/api/stats": frozenset({"events"}),
    "/api/queue": frozenset({"queue"}),
    "/api/recipes": frozenset({"recipes"}),
    "/api/tasks": frozenset({"tasks"}),
    "/api/templates": frozenset({"templates"}),
    "/u": frozenset({"unsubscribe"}),
    "/api/openapi.json": frozenset(ROUTERS),
}
"""Which routers have routes at or below each path prefix."""


def routers_for(path: str) -> frozenset[str]:
    """The routers a request to `path` may be answered by (none for an unknown path)."""
    return next(
        (
            names
            for prefix, names in PREFIXES.items()
            if path == prefix or path.startswith(f"{prefix}/")
        ),
        frozenset(),
    )


@dataclass(frozen=True)
class _Loaded:
    """A resolver with the routers loaded so far, and what each of its paths answers."""

    names: frozenset[str]
    app: APIGatewayHttpResolver
    routes: routing.Routes
    guards: list[_Guard]


@dataclass(frozen=True)
class _Guard:
    """Who a route lets in (None: whoever the edge let through), known before routing."""

    method: str
    rule: re.Pattern[str]
    roles: frozenset[Role] | None


class _Current:
    loaded: _Loaded | None = None


def _resolver(path: str) -> _Loaded:
    """The resolver that holds the routers `path` needs: built again, with them added, the
    first time a path needs one it lacks (a router follows the resolver it was last put in)."""
    needed = routers_for(path)
    loaded = _Current.loaded
    if loaded is None or not needed <= loaded.names:
        names = needed | (loaded.names if loaded else frozenset())
        app = _built([name for name in ROUTERS if name in names])
        loaded = _Current.loaded = _Loaded(names, app, _routes(app), _guards(app))
    return loaded


def _built(names: list[str]) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True)
    with loading():  # the routers, and what they import, load here
        for name in names:
            app.include_router(importlib.import_module(f"followup.api.{name}").router)
    app.get("/api/openapi.json", include_in_schema=False)(openapi_json)
    app.exception_handler(DomainError)(domain_error)
    app.exception_handler(CommitRejected)(lost_race)
    app.exception_handler(StoreBusy)(store_busy)
    app.exception_handler(RequestValidationError)(invalid_request)
    app.exception_handler(ValidationError)(invalid_model)

    def not_found(_: NotFoundError) -> Response[str]:
        return no_route(app)

    app.not_found(not_found)
    return app


def _routes(app: APIGatewayHttpResolver) -> routing.Routes:
    # Powertools keeps no public list of its routes; these two are its matching order.
    return routing.Routes(app._static_routes + app._dynamic_routes)


def _guards(app: APIGatewayHttpResolver) -> list[_Guard]:
    return [
        _Guard(route.method, route.rule, declared_roles(route.func))
        for route in app._static_routes + app._dynamic_routes
    ]


def declared_roles(handler: Callable[..., Any]) -> frozenset[Role] | None:
    """The roles a handler lets in, read from its own `require(event, ROLES)`: the one
    role set among the globals its code names, so the roles are declared in one place.
    None for a handler that calls no `require`, or names more than one set (its own
    checks alone then apply, after the request is validated)."""
    code, names = handler.__code__, handler.__globals__
    if "require" not in code.co_names:
        return None
    found = {names[name] for name in code.co_names if _role_set(names.get(name))}
    return found.pop() if len(found) == 1 else None


def _role_set(value: object) -> bool:
    return isinstance(value, frozenset) and bool(value) and all(isinstance(v, Role) for v in value)


def resolve(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer a request that passed the checks made before routing (`edge`): a caller
    without identity or role is refused (401, 403) before the request is read, so before
    any 422."""
    loaded = _resolver(event.get("rawPath", ""))
    answered: dict[str, Any] = (
        refused(event, loaded.guards)
        or unknown_query(event, loaded.routes)
        or loaded.app.resolve(event, context)
    )
    return answered


def refused(event: dict[str, Any], guards: list[_Guard]) -> dict[str, Any] | None:
    """The 401 or 403 for a caller the route the resolver would pick does not let in."""
    method = event.get("requestContext", {}).get("http", {}).get("method", "").upper()
    path = event.get("rawPath", "")
    guard = next((g for g in guards if g.method == method and g.rule.match(path)), None)
    if guard is None or guard.roles is None:
        return None
    try:
        require(event, guard.roles)
    except DomainError as error:
        answer = errors.from_domain(error)
        return {
            "statusCode": answer.status_code,
            "headers": {"Content-Type": "application/json"},
            "body": answer.body,
            "isBase64Encoded": False,
        }
    return None


def openapi_json() -> Response[str]:
    """The API's OpenAPI 3.1 description, generated from the models that validate requests."""
    return Response(status_code=200, content_type="application/json", body=openapi_document())


def openapi_document() -> str:
    generated = _resolver("/api/openapi.json").app.get_openapi_json_schema(
        title="Follow-up engine admin API", version="1", openapi_version="3.1.0"
    )
    return json.dumps(openapi.complete(json.loads(generated)))


def domain_error(error: DomainError) -> Response[str]:
    return errors.from_domain(error)


def lost_race(_: CommitRejected) -> Response[str]:
    """Another writer changed the same items first, however often this request retried."""
    return errors.lost_race()


def store_busy(_: StoreBusy) -> Response[str]:
    """Another transaction kept writing the same items; nothing of this request's write
    was made, so the client sends it again."""
    return errors.busy()


def invalid_request(error: RequestValidationError) -> Response[str]:
    return errors.from_validation(list(error.errors()))


def invalid_model(error: ValidationError) -> Response[str]:
    """A value the request models let through but a domain model refuses."""
    return errors.from_validation(error.errors())


def no_route(app: APIGatewayHttpResolver) -> Response[str]:
    """405 with the methods the path answers, or 404 for a path no route has."""
    event = app.current_event
    allowed = _routes(app).methods(event.path)
    if allowed and event.http_method not in allowed:
        return errors.method_not_allowed(allowed)
    return errors.error(404, "not_found", "no such route")


def unknown_query(event: dict[str, Any], routes: routing.Routes) -> dict[str, Any] | None:
    """The 422 for query parameters the route does not take, so a typo is not ignored."""
    names = (event.get("queryStringParameters") or {}).keys()
    http = event.get("requestContext", {}).get("http", {})
    unknown = routes.unknown_query(event.get("rawPath", ""), http.get("method", ""), names)
    if not unknown:
        return None
    details = [
        {
            "field": f"query.{name}",
            "message": "unknown query parameter",
            "code": "unknown_parameter",
        }
        for name in unknown
    ]
    return edge.raw(422, "invalid", "the request has unknown query parameters", details)
