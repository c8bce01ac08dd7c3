"""The admin HTTP API: one Lambda, a router per resource, errors in one JSON shape.

Checks that need only the event come first (`followup.api.edge`); the resolver and the
routers under the request's path load with the first request that reaches them
(`followup.api.resolver`), so the function's import holds neither."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.api import edge
from followup.loading import loading
from followup.wiring import logs, runtime

logger, metrics = runtime.observability("api")
JSON = frozenset({"application/json"})
MEDIA_TYPES = {"/api/contacts/import": frozenset(edge.IMPORT_KINDS)}
# Far below DynamoDB's 400 KB item and Lambda's 6 MB request; an import stays under the latter.
BODY_LIMIT = 256 * 2**10
BODY_LIMITS = {"/api/contacts/import": 5 * 2**20}
# Ids and filters become DynamoDB keys, which may not pass 2,048 bytes (4 per character).
VALUE_LIMIT = 256


def _unreadable(event: dict[str, Any], path: str) -> dict[str, Any] | None:
    """The 415 or 400 for a body the route cannot read. A one-click unsubscribe gets
    neither: mail clients post it in any media type or with none, and its signed link
    alone decides; the body is not read."""
    if path.startswith("/u/"):
        return None
    return edge.unreadable_body(event, MEDIA_TYPES.get(path, JSON))


def _resolved(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    with loading():
        from followup.api import resolver

    return resolver.resolve(event, context)


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = event.get("rawPath", "")
    response = (
        edge.oversized(event, BODY_LIMITS.get(path, BODY_LIMIT))
        or _unreadable(event, path)
        or edge.overlong(event, VALUE_LIMIT)
        or _resolved(event, context)
    )
    metrics.add_metric(name=f"api_http_{response['statusCode']}", unit="Count", value=1)
    return response
