"""Complete the generated OpenAPI description with what the resolver cannot know.

Powertools describes each route's request models and its success response. Every
route also answers with our one error shape (see `errors`), needs a bearer JWT,
every write may lose a race (409) or meet others writing the same items past a few
tries (503, with `Retry-After`), every body may be too large (413), and a few
answer with a second status; routes name those extra statuses in an
`x-statuses` extension that is folded in here and removed.
"""

from __future__ import annotations

import copy
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

STATUSES = "x-statuses"
_ERROR_REF = {"$ref": "#/components/schemas/Error"}
_GATEWAY_REF = {"$ref": "#/components/schemas/GatewayMessage"}
_SECURITY = "jwt"


class ErrorDetail(BaseModel):
    model_config = ConfigDict(defer_build=True)

    field: str
    message: str = Field(description="in English, for a reader when the code is unknown")
    code: str = Field(
        description="pydantic's error type (`missing`, `string_too_long`, "
        "`less_than_equal`...) or the API's own (`unknown_stage`, `from_after_to`...)"
    )
    limits: dict[str, int | float | str] = Field(
        default_factory=dict,
        description="the bounds the value broke, when the check has them (left out when it "
        'has none), as pydantic names them: `{"max_length": 200}`, `{"ge": 1, "le": 20}`, '
        """`{"expected": "'hot', 'warm' or 'cold'"}`; never the value sent""",
    )
    values: dict[str, int | str] = Field(
        default_factory=dict,
        description="what the message names, for an app to say it in its own words (left "
        'out when it names nothing): `{"stage": "prospect"}`, `{"template": "open_day", '
        '"wanted": 2, "given": 0}`; taken from the rule or settings sent, or a saved rule, '
        "never a lead's data",
    )


class ErrorInfo(BaseModel):
    model_config = ConfigDict(defer_build=True)

    code: str
    message: str
    details: list[ErrorDetail]


class Error(BaseModel):
    """Every 4xx and 5xx body: {"error": {"code", "message", "details": [ErrorDetail]}}."""

    model_config = ConfigDict(defer_build=True)

    error: ErrorInfo


class GatewayMessage(BaseModel):
    """What API Gateway itself answers, e.g. its JWT authorizer's {"message": "Unauthorized"}."""

    model_config = ConfigDict(defer_build=True)

    message: str


_RULE_OPERATIONS = [
    ("/api/rules/{rule_id}", "get"),
    ("/api/rules/{rule_id}", "put"),
    ("/api/rules/{rule_id}/versions", "get"),
    ("/api/rules/{rule_id}/activate", "post"),
    ("/api/rules/{rule_id}/deactivate", "post"),
    ("/api/rules/{rule_id}/preview", "post"),
    ("/api/rules/{rule_id}", "delete"),
]
_CONTACT_OPERATIONS = [
    ("/api/contacts/{contact_id}", "get"),
    ("/api/contacts/{contact_id}/timeline", "get"),
    ("/api/contacts/{contact_id}/followups", "post"),
    ("/api/contacts/{contact_id}/conversation/close", "post"),
    ("/api/contacts/{contact_id}/conversation/reopen", "post"),
]
_FOLLOWUP_OPERATIONS = [("/api/followups/{followup_id}", "get")]
# Where an answer's ids lead: (path, method, status, parameter, where the id is, targets).
_LINKS = [
    ("/api/rules", "get", "200", "rule_id", "/rules/0/id", _RULE_OPERATIONS),
    ("/api/rules", "post", "201", "rule_id", "/rule/id", _RULE_OPERATIONS),
    ("/api/rules/{rule_id}", "put", "200", "rule_id", "/rule/id", _RULE_OPERATIONS),
    ("/api/contacts", "get", "200", "contact_id", "/contacts/0/id", _CONTACT_OPERATIONS),
    ("/api/contacts", "post", "200", "contact_id", "/id", _CONTACT_OPERATIONS),
    ("/api/contacts", "post", "201", "contact_id", "/id", _CONTACT_OPERATIONS),
    (
        "/api/contacts/{contact_id}/followups",
        "post",
        "202",
        "followup_id",
        "/id",
        _FOLLOWUP_OPERATIONS,
    ),
]


def statuses(*codes: int) -> dict[str, Any]:
    """The `openapi_extensions` for a route that may also answer with these statuses."""
    return {STATUSES: list(codes)}


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """The document with error responses, bearer-JWT security and extra statuses filled in."""
    done = copy.deepcopy(document)
    schemas = done.setdefault("components", {}).setdefault("schemas", {})
    error_schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["Error"] = error_schema
    schemas["GatewayMessage"] = GatewayMessage.model_json_schema()
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    done["components"]["securitySchemes"] = {
        _SECURITY: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    }
    for path, operations in done["paths"].items():
        for method, operation in operations.items():
            _complete_operation(path, method, operation)
    _link(done["paths"])
    return done


def _link(paths: dict[str, Any]) -> None:
    """OpenAPI links from answers to the operations their ids feed (clients, stateful tests)."""
    for path, method, status, parameter, pointer, targets in _LINKS:
        links = {}
        for target_path, target_method in targets:
            operation_id = paths[target_path][target_method]["operationId"]
            links[operation_id] = {
                "operationId": operation_id,
                "parameters": {f"path.{parameter}": f"$response.body#{pointer}"},
            }
        paths[path][method]["responses"][status]["links"] = links


def _complete_operation(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    success = next(code for code in responses if str(code).startswith("2"))
    extra = set(operation.pop(STATUSES, []))
    errors = {401, 403, 405, 422} | {c for c in extra if c >= 400}
    if method != "get":
        errors |= {409, 503}  # a race lost to another writer; others writing still (busy)
    if "requestBody" in operation:
        errors |= {400, 413, 415}
    if "{" in path:
        errors.add(404)
    for code in sorted(c for c in extra if c < 400):
        responses[str(code)] = {**responses[success], "description": HTTPStatus(code).phrase}
    for code in sorted(errors):
        schema = {"anyOf": [_ERROR_REF, _GATEWAY_REF]} if code == 401 else _ERROR_REF
        responses[str(code)] = {
            "description": HTTPStatus(code).phrase,
            "content": {"application/json": {"schema": schema}},
        }
    operation["security"] = [{_SECURITY: []}]
