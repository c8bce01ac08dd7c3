"""EventBridge bus → the same events service as `POST /api/events`.

Other systems put events with `detail-type` `stage_changed`, `message_sent`,
`conversation_closed`, `conversation_reopened` or `custom` and the event body in `detail`;
a custom event without an `id` of its own takes the envelope's, and an event without an
`at` the envelope's `time`, so EventBridge or Lambda retrying a delivery does its work once
(a stage change retried after the function died midway finishes it, not a second entry).
SES puts each email's hard bounce or complaint on the account's default bus (source
`aws.ses`, through the configuration set the sender sends with), for
`services.email_feedback`. A bad event (a `detail` that is no JSON object among them) is
logged and dropped: retried unchanged it would never succeed; its reason is logged without
the phone number, e-mail address or words the event holds (`domain.masking`). Any other
failure raises, so Lambda tries the event twice more and then keeps it in the bus's
dead-letter queue (`infra/stack.py`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from followup.domain import masking
from followup.domain.channels import EMAIL_EVENTS_SOURCE
from followup.domain.errors import InvalidField, NotFound
from followup.loading import loading
from followup.wiring import logs, runtime

logger, metrics = runtime.observability("bus_events")


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    detail = event.get("detail") or {}
    if event.get("source") == EMAIL_EVENTS_SOURCE:
        return _email_feedback(event, detail)
    try:
        if not isinstance(detail, dict):
            raise InvalidField("detail", "the event's body must be a JSON object")
        body = {"type": event.get("detail-type"), **detail}
        if event.get("time"):
            body.setdefault("at", event["time"])
        if body["type"] == "custom":
            body.setdefault("id", event.get("id"))
        with loading():  # another system's events load their use cases with the first one
            from followup.services import crm_events
        parsed = crm_events.Event.model_validate(body).root
        contact = crm_events.apply(runtime.deps(), parsed)
    except (ValidationError, NotFound, InvalidField) as refused:
        return _dropped(event, refused)
    metrics.add_metric(name=f"bus_event_{parsed.type}", unit=MetricUnit.Count, value=1)
    return {"applied": True, "contact_id": contact.id}


def _email_feedback(event: dict[str, Any], detail: Any) -> dict[str, Any]:
    """An SES bounce or complaint; one that is about no email of ours changes nothing."""
    with loading():  # SES's events load their use case with the first one
        from followup.services import email_feedback
    try:
        feedback = email_feedback.EmailFeedback.model_validate(detail)
    except ValidationError as refused:
        return _dropped(event, refused)
    outcome = email_feedback.apply(runtime.deps(), feedback)
    metrics.add_metric(name=f"email_{outcome}", unit=MetricUnit.Count, value=1)
    return {"applied": outcome in email_feedback.APPLIED, "outcome": outcome}


def _dropped(event: dict[str, Any], refused: Exception) -> dict[str, Any]:
    """A bad event, logged and answered without the number, address or words it holds: a
    contact named by wa_id shows its last 4 digits, a field sent wrong only its name."""
    if isinstance(refused, ValidationError):
        reason = masking.problem(refused)
    else:
        reason = masking.masked(str(refused))
    logger.warning("event dropped", extra={"reason": reason, "id": event.get("id")})
    metrics.add_metric(name="bus_event_dropped", unit=MetricUnit.Count, value=1)
    return {"applied": False, "reason": reason}
