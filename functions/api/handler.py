"""The admin HTTP API: one Lambda, a router per resource, errors in one JSON shape."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from followup.api import (
    contact_care,
    contacts,
    errors,
    events,
    openapi,
    queue,
    recipes,
    routing,
    rules,
    settings,
    tasks,
    templates,
    unsubscribe,
)
from followup.domain.errors import DomainError
from followup.services.ports import CommitRejected
from followup.wiring import runtime

logger, metrics = runtime.observability("api")
JSON = frozenset({"application/json"})
MEDIA_TYPES = {"/api/contacts/import": frozenset(contacts.IMPORT_KINDS)}
# Far below DynamoDB's 400 KB item and Lambda's 6 MB request; an import stays under the latter.
BODY_LIMIT = 256 * 2**10
BODY_LIMITS = {"/api/contacts/import": 5 * 2**20}
# Ids and filters become DynamoDB keys, which may not pass 2,048 bytes (4 per character).
VALUE_LIMIT = 256
app = APIGatewayHttpResolver(enable_validation=True)
app.include_router(rules.router)
app.include_router(settings.router)
app.include_router(contacts.router)
app.include_router(contact_care.router)
app.include_router(events.router)
app.include_router(queue.router)
app.include_router(recipes.router)
app.include_router(unsubscribe.router)
app.include_router(tasks.router)
app.include_router(templates.router)


@app.get("/api/openapi.json", include_in_schema=False)
def openapi_json() -> Response[str]:
    """The API's OpenAPI 3.1 description, generated from the models that validate requests."""
    return Response(status_code=200, content_type="application/json", body=openapi_document())


def openapi_document() -> str:
    generated = app.get_openapi_json_schema(
        title="Follow-up engine admin API", version="1", openapi_version="3.1.0"
    )
    return json.dumps(openapi.complete(json.loads(generated)))


@app.exception_handler(DomainError)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def domain_error(error: DomainError) -> Response[str]:
    return errors.from_domain(error)


@app.exception_handler(CommitRejected)  # type: ignore[untyped-decorator]
def lost_race(_: CommitRejected) -> Response[str]:
    """Another writer changed the same items first, however often this request retried."""
    return errors.lost_race()


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def invalid_request(error: RequestValidationError) -> Response[str]:
    return errors.from_validation(list(error.errors()))


@app.exception_handler(ValidationError)  # type: ignore[untyped-decorator]
def invalid_model(error: ValidationError) -> Response[str]:
    """A value the request models let through but a domain model refuses."""
    return errors.from_validation(error.errors())


@app.not_found
def no_route(_: NotFoundError) -> Response[str]:
    allowed = routes().methods(app.current_event.path)
    if allowed and app.current_event.http_method not in allowed:
        return errors.method_not_allowed(allowed)
    return errors.error(404, "not_found", "no such route")


def _media_types(path: str) -> frozenset[str]:
    return unsubscribe.FORM if path.startswith("/u/") else MEDIA_TYPES.get(path, JSON)


@cache
def routes() -> routing.Routes:
    # Powertools keeps no public list of its routes; these two are its matching order.
    return routing.Routes(app._static_routes + app._dynamic_routes)


def unknown_query(event: dict[str, Any]) -> dict[str, Any] | None:
    """The 422 for query parameters the route does not take, so a typo is not ignored."""
    names = (event.get("queryStringParameters") or {}).keys()
    http = event.get("requestContext", {}).get("http", {})
    unknown = routes().unknown_query(event.get("rawPath", ""), http.get("method", ""), names)
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
    return errors.raw(422, "invalid", "the request has unknown query parameters", details)


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = event.get("rawPath", "")
    response = (
        errors.oversized(event, BODY_LIMITS.get(path, BODY_LIMIT))
        or errors.unreadable_body(event, _media_types(path))
        or errors.overlong(event, VALUE_LIMIT)
        or unknown_query(event)
        or app.resolve(event, context)
    )
    metrics.add_metric(name=f"api_http_{response['statusCode']}", unit="Count", value=1)
    return response
