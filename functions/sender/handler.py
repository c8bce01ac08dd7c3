"""SQS → sender: each record is one follow-up id (with the scheduled time it was handed
over for, when dispatch put it there); the batch's sends run concurrently.

The send path (the services and the domain models under them) loads with the first
record, not at import, so a cold start reaches its first batch sooner."""

from __future__ import annotations

import asyncio
import contextvars
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    AsyncBatchProcessor,
    EventType,
    ExceptionInfo,
    FailureResponse,
    async_process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from followup.adapters.timeouts import sender_record
from followup.loading import loading
from followup.services import handover
from followup.services.deadline import Deadline, of_invocation
from followup.wiring import logs, runtime

if TYPE_CHECKING:
    from followup.domain.followup import AiWriting
    from followup.services.send import Outcome

logger, metrics = runtime.observability("sender")


@cache
def executor() -> ThreadPoolExecutor:
    """Sends block on the provider (~300 ms); threads let one batch wait on all of them at once.
    Built on the first batch: its size is configuration, which may come from a secret."""
    return ThreadPoolExecutor(max_workers=runtime.config().send_concurrency)


class SendRequest(BaseModel):
    model_config = ConfigDict(defer_build=True)

    followup_id: str
    due: AwareDatetime | None = None
    """The scheduled time the message was handed over for, when it names one."""


class NoTimeLeft(Exception):
    """A record not started: one send might block longer than the invocation has left, and
    be cut off mid-flight with its outcome unknown. SQS hands it over again."""


class Processor(AsyncBatchProcessor):
    """Powertools' processor, each record that failed (back to SQS, and to the dead-letter
    queue after its last receive) logged once, its error masked (`logs`), and counted: the
    batch's answer names only its message id, and Lambda writes nothing of it unless every
    record failed. A record left for want of time failed at nothing: it is said, not
    counted."""

    def failure_handler(
        self, record: SQSRecord | None, exception: ExceptionInfo
    ) -> FailureResponse:
        if isinstance(exception[1], NoTimeLeft):
            logger.info(
                "follow-up not started in time; SQS hands it over again", extra=_named(record)
            )
        else:
            logger.warning(
                "follow-up failed; SQS hands it over again",
                exc_info=exception[1],
                extra=_named(record),
            )
            metrics.add_metric(name="send_record_failed", unit=MetricUnit.Count, value=1)
        return super().failure_handler(record, exception)


def _named(record: SQSRecord | None) -> dict[str, Any]:
    """What finds a failed record: its follow-up (when its body names one), its message,
    and how many times SQS has handed it over."""
    if record is None:
        return {}
    try:
        followup_id: str | None = SendRequest.model_validate_json(record.body).followup_id
    except ValidationError:
        followup_id = None
    received = record.attributes.get("ApproximateReceiveCount")
    return {
        "followup_id": followup_id,
        "message_id": record.message_id,
        "receive_count": int(received) if received is not None else None,
    }


processor = Processor(event_type=EventType.SQS)


def _send(request: SendRequest, deadline: Deadline) -> Outcome:
    """Checked as the record's thread starts it: with fewer threads than records, the
    last wait for the first."""
    with loading():  # the first record loads it
        from followup.services.send import send_one

    if deadline.near():
        raise NoTimeLeft(request.followup_id)
    return send_one(runtime.deps(), request.followup_id, request.due)


async def record_handler(record: SQSRecord, lambda_context: LambdaContext) -> str:
    """Send one follow-up; an exception marks only this record as failed (retried by SQS)."""
    request = SendRequest.model_validate_json(record.body)
    config = runtime.config()
    reserve = sender_record(config.provider_limit(), config.ai_limit())
    deadline = of_invocation(lambda_context, reserve)
    loop = asyncio.get_running_loop()
    # Each send runs in a context of its own (what it wrote, what it handed over), which
    # is read again when it fails.
    attempt = contextvars.Context()
    try:
        outcome = await loop.run_in_executor(executor(), attempt.run, _send, request, deadline)
    except Exception:
        # A send stopped by a failure returns no outcome, but an AI call it made was paid
        # all the same; the try again sends that text and reports no call.
        paid = attempt.run(handover.paid)
        if paid is not None:
            _count_ai(paid)
        raise
    metrics.add_metric(name=f"send_{outcome.result.value}", unit=MetricUnit.Count, value=1)
    if outcome.unavailable is not None:
        name = f"send_{outcome.unavailable}_unavailable"
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    if outcome.ai is not None:
        _count_ai(outcome.ai)
    logger.info(
        "follow-up handled",
        extra={"followup_id": request.followup_id, "result": outcome.result},
    )
    return outcome.result.value


def _count_ai(ai: AiWriting) -> None:
    """What AI messages cost, and how often the static content went instead."""
    metrics.add_metric(name="ai_cost_usd", unit=MetricUnit.NoUnit, value=ai.cost_usd)
    metrics.add_metric(name="ai_input_tokens", unit=MetricUnit.Count, value=ai.input_tokens)
    metrics.add_metric(name="ai_output_tokens", unit=MetricUnit.Count, value=ai.output_tokens)
    metrics.add_metric(name="ai_cached_tokens", unit=MetricUnit.Count, value=ai.cached_tokens)
    used = "ai_used" if ai.used else "ai_fallback"
    metrics.add_metric(name=used, unit=MetricUnit.Count, value=1)


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # The batch's sends share blocks of places in the messaging limit; what they leave
    # goes back as the batch ends.
    with runtime.deps().places.batch(len(event.get("Records", []))):
        return async_process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
