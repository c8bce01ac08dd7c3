"""360dialog / WhatsApp webhooks: POST events, GET Meta's verification handshake.

Verify, parse, apply, answer. Bad input gets a 4xx and nothing is written; an unreadable
event beside readable ones is logged in full and skipped; an internal failure gets a 5xx
so the provider delivers again: nothing is acknowledged and lost.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.adapters import webhook_security as security
from followup.adapters.whatsapp_webhook import BadEnvelope, parse
from followup.domain.webhook_events import Unreadable
from followup.services import webhook
from followup.wiring import runtime

logger, metrics = runtime.observability("webhook")
app = APIGatewayHttpResolver()
PATH = "/webhooks/whatsapp/<secret>"


def _plain(status: int, body: str = "") -> Response[str]:
    return Response(status_code=status, content_type="text/plain", body=body)


def _authorised(secret: str) -> bool:
    config = runtime.config()
    headers = app.current_event.headers or {}
    return security.secret_matches(
        secret, config.webhook_secrets.get_secret_value()
    ) and security.header_matches(
        headers, config.webhook_header_name, config.webhook_header_secret.get_secret_value()
    )


def _raw_body() -> bytes:
    event = app.current_event
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode()


@app.post(PATH)
def receive(secret: str) -> Response[str]:
    config = runtime.config()
    if not _authorised(secret):
        return _plain(404)
    body = _raw_body()
    if len(body) > config.webhook_max_body_bytes:
        return _plain(400, "body too large")
    app_secret = config.meta_app_secret.get_secret_value()
    signature = app.current_event.headers.get("x-hub-signature-256")
    if app_secret and not security.signature_valid(body, signature, app_secret):
        return _plain(401, "invalid signature")
    deps = runtime.deps()
    received_at = deps.clock.now()
    try:
        events = parse(body, received_at)
    except BadEnvelope as bad:
        _keep(bad.unreadable)
        metrics.add_metric(
            name="webhook_unreadable", unit=MetricUnit.Count, value=len(bad.unreadable)
        )
        logger.warning("webhook refused", extra={"reason": str(bad)})
        return _plain(400, str(bad))
    _keep([e for e in events if isinstance(e, Unreadable)])
    try:
        applied = webhook.apply(deps, events, received_at)
    except webhook.NotYetRecorded as early:
        logger.info("status ahead of its send record", extra={"followup_id": str(early)})
        return _plain(503, "retry later")
    outcome = applied.outcome
    for name, count in outcome.items():
        metrics.add_metric(name=f"webhook_{name}", unit=MetricUnit.Count, value=count)
    if applied.ai_classify_cost_usd:
        metrics.add_metric(
            name="ai_classify_cost_usd", unit=MetricUnit.NoUnit, value=applied.ai_classify_cost_usd
        )
    if outcome.get("agent_standby_paused"):
        logger.error("Meta Business Agent took over the number: automation paused")
    if outcome.get("quality_degraded"):
        logger.error("sending number quality degraded: dispatch paused", extra=dict(outcome))
    logger.info("webhook applied", extra={"events": len(events), **outcome})
    return _plain(200, "ok")


def _keep(unreadable: Sequence[Unreadable]) -> None:
    """Each unreadable event in full, with the reason, for someone to look at later."""
    for event in unreadable:
        logger.warning(
            "webhook event unreadable",
            extra={"field": event.field, "reason": event.reason, "event": event.raw},
        )


@app.get(PATH)
def verify(secret: str) -> Response[str]:
    if not _authorised(secret):
        return _plain(404)
    params = app.current_event.query_string_parameters or {}
    token = runtime.config().meta_verify_token.get_secret_value()
    challenge = security.handshake(params, token)
    return _plain(403, "verification failed") if challenge is None else _plain(200, challenge)


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]  # Powertools leaves it untyped
def internal_error(error: Exception) -> Response[str]:
    logger.exception("webhook failed; the provider will deliver again")
    return _plain(500, "internal error")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    response = app.resolve(event, context)
    metrics.add_metric(
        name=f"webhook_http_{response['statusCode']}", unit=MetricUnit.Count, value=1
    )
    return response
