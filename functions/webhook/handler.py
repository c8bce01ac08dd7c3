"""360dialog / WhatsApp webhooks: POST events, GET Meta's verification handshake.

Verify, parse, apply, answer. Bad input gets a 4xx and nothing is written; an unreadable
event beside readable ones is logged, without what says who the lead is or what they wrote,
and skipped; an internal failure gets a 5xx so the provider delivers again: nothing is
acknowledged and lost, and its error is logged masked (`wiring.logs`).

Every answer counts as `webhook_http_<status>`; a 503 also says why, for the alarms:
`webhook_secret_unset` (every delivery refused until the operator sets it, alarmed) or
`webhook_status_early` (statuses ahead of their sends' records, normal, delivered again;
the rest of that delivery is applied all the same).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.adapters import webhook_security as security
from followup.adapters.http_event import HttpRequest, answer
from followup.loading import loading
from followup.wiring import logs, runtime

if TYPE_CHECKING:
    from followup.domain.webhook_events import Unreadable

logger, metrics = runtime.observability("webhook")
PATH = re.compile(r"/webhooks/whatsapp/(?P<secret>[^/]+)")
Answer = dict[str, Any]


def _unset(secrets: str, header_name: str, header_secret: str) -> str | None:
    """Which secret is missing, or None. On Lambda, the path secret still the local default
    (the stack's secret lost its generated `WEBHOOK_SECRET`); anywhere, a header asked for
    with no value to compare (`WEBHOOK_HEADER_NAME` without `WEBHOOK_HEADER_SECRET`): either
    is refused, or anyone could post events."""
    with loading():
        from followup.wiring.config import LOCAL_WEBHOOK_SECRET

    on_lambda = bool(os.environ.get("AWS_LAMBDA_FUNCTION_NAME"))
    if on_lambda and LOCAL_WEBHOOK_SECRET in security.secrets_of(secrets):
        return "WEBHOOK_SECRET"
    if header_name.strip() and not header_secret.strip():
        return "WEBHOOK_HEADER_SECRET"
    return None


def _authorised(request: HttpRequest, secret: str) -> bool:
    config = runtime.config()
    return security.secret_matches(
        secret, config.webhook_secrets.get_secret_value()
    ) and security.header_matches(
        request.headers,
        config.webhook_header_name,
        config.webhook_header_secret.get_secret_value(),
    )


def receive(request: HttpRequest, secret: str) -> Answer:
    config = runtime.config()
    missing = _unset(
        config.webhook_secrets.get_secret_value(),
        config.webhook_header_name,
        config.webhook_header_secret.get_secret_value(),
    )
    if missing is not None:
        logger.error(f"{missing} is not set: every delivery is refused until it is")
        metrics.add_metric(name="webhook_secret_unset", unit=MetricUnit.Count, value=1)
        return answer(503, f"{missing} is not set")
    if not _authorised(request, secret):
        return answer(404)
    body = request.raw_body()
    if len(body) > config.webhook_max_body_bytes:
        return answer(400, "body too large")
    app_secret = config.meta_app_secret.get_secret_value()
    signature = request.headers.get("x-hub-signature-256")
    if app_secret and not security.signature_valid(body, signature, app_secret):
        return answer(401, "invalid signature")
    # The parser and the use cases load with the first authentic delivery, not at import.
    with loading():
        from followup.adapters.whatsapp_webhook import BadEnvelope, parse
        from followup.domain.webhook_events import Unreadable
        from followup.services import webhook

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
        return answer(400, str(bad))
    _keep([e for e in events if isinstance(e, Unreadable)])
    applied = webhook.apply(deps, events, received_at)
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
    return answer(503, "retry later") if applied.again else answer(200, "ok")


def _keep(unreadable: Sequence[Unreadable]) -> None:
    """Each unreadable event, with the reason, for someone to look at later: what says who
    the lead is or what they wrote shown only by its size (`whatsapp_webhook.masked`)."""
    for event in unreadable:
        logger.warning(
            "webhook event unreadable",
            extra={"field": event.field, "reason": event.reason, "event": event.raw},
        )


def verify(request: HttpRequest, secret: str) -> Answer:
    if not _authorised(request, secret):
        return answer(404)
    token = runtime.config().meta_verify_token.get_secret_value()
    challenge = security.handshake(request.query, token)
    return answer(403, "verification failed") if challenge is None else answer(200, challenge)


ROUTES: dict[str, Callable[[HttpRequest, str], Answer]] = {"POST": receive, "GET": verify}


def _route(request: HttpRequest) -> Answer:
    path = PATH.fullmatch(request.path)
    if path is None:
        return answer(404, "no such route")
    route = ROUTES.get(request.method)
    if route is None:
        return answer(405, "method not allowed", Allow=", ".join(sorted(ROUTES)))
    return route(request, path["secret"])


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        response = _route(HttpRequest.of(event))
    except Exception:  # answered 5xx, so the provider delivers again: nothing is lost
        logger.exception("webhook failed; the provider will deliver again")
        response = answer(500, "internal error")
    metrics.add_metric(
        name=f"webhook_http_{response['statusCode']}", unit=MetricUnit.Count, value=1
    )
    return response
