"""The admin HTTP API: one Lambda, a router per resource, errors in one JSON shape."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.api import contacts, errors, events, queue, rules, settings
from followup.domain.errors import DomainError
from followup.wiring import runtime

logger, tracer, metrics = runtime.observability("api")
app = APIGatewayHttpResolver(enable_validation=True)
app.include_router(rules.router)
app.include_router(settings.router)
app.include_router(contacts.router)
app.include_router(events.router)
app.include_router(queue.router)


@app.get("/api/openapi.json")
def openapi() -> Response[str]:
    """The API's OpenAPI 3.1 description, generated from the models that validate requests."""
    return Response(status_code=200, content_type="application/json", body=openapi_document())


def openapi_document() -> str:
    return app.get_openapi_json_schema(
        title="Follow-up engine admin API", version="1", openapi_version="3.1.0"
    )


@app.exception_handler(DomainError)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def domain_error(error: DomainError) -> Response[str]:
    return errors.from_domain(error)


@app.exception_handler(RequestValidationError)  # type: ignore[untyped-decorator]
def invalid_request(error: RequestValidationError) -> Response[str]:
    return errors.from_validation(list(error.errors()))


@app.not_found
def no_route(_: NotFoundError) -> Response[str]:
    return errors.error(404, "not_found", "no such route")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = errors.unreadable_body(event) or app.resolve(event, context)
    metrics.add_metric(name=f"api_http_{response['statusCode']}", unit="Count", value=1)
    return response
