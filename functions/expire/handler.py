"""Scheduled tick: expire. Thin: parse the event, call the service, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.services import expire
from followup.wiring import logs, runtime

logger, metrics = runtime.observability("expire")


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = runtime.deps()
    report = expire.run_tick(deps, runtime.tick_time(event, deps.clock)).as_dict()
    runtime.publish(report, "expire", logger, metrics)
    return report
