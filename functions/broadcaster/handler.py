"""Follow-up table stream → every open admin app (the live queue feed).

A failed push is not retried: the connection that missed it is marked, and its next batch
starts with a `resync` message on which the app fetches its view again. Each push waits
`WEBSOCKET_PUSH_TIMEOUT_SECONDS` at most (twice), and pushing stops while there is still
time to finish the batch (followup.adapters.timeouts); the connections left are marked
too. A follow-up too large for one message reaches the apps as its id, which they fetch
through the API.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.adapters import followup_doc
from followup.adapters.timeouts import broadcaster_reserve
from followup.domain.followup import FollowUp
from followup.services.broadcast import broadcast
from followup.services.deadline import of_invocation
from followup.wiring import logs, runtime

logger, metrics = runtime.observability("broadcaster")


def changed_followups(event: dict[str, Any]) -> list[FollowUp]:
    """The new state of each inserted or modified follow-up in a stream batch, latest last."""
    latest: dict[str, FollowUp] = {}
    for record in event.get("Records", []):
        image = record.get("dynamodb", {}).get("NewImage") or {}
        doc = image.get("doc", {}).get("S")
        if record.get("eventName") in ("INSERT", "MODIFY") and doc:
            attributes = {name: value.get("S") for name, value in image.items()}
            followup = followup_doc.load(doc, attributes)
            latest[followup.id] = followup
    return list(latest.values())


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    deps = runtime.deps()
    report = broadcast(
        changed_followups(event),
        runtime.connections(),
        runtime.connection_poster(),
        deps.clock.now(),
        of_invocation(context, broadcaster_reserve(runtime.config().push_limit())),
    )
    metrics.add_metric(name="broadcast_messages", unit="Count", value=report.messages)
    metrics.add_metric(name="broadcast_gone", unit="Count", value=report.gone)
    metrics.add_metric(name="broadcast_failed", unit="Count", value=report.failed)
    metrics.add_metric(name="broadcast_too_large", unit="Count", value=report.too_large)
    metrics.add_metric(name="broadcast_resyncs", unit="Count", value=report.resyncs)
    if report.failed:
        logger.warning("some connections could not be reached", extra={"failed": report.failed})
    return {"messages": report.messages, "gone": report.gone, "failed": report.failed}
