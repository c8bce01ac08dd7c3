"""Scheduled tick: enqueue. Thin: parse the event, call the service, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.services import enqueue
from followup.wiring import runtime

logger, metrics = runtime.observability("enqueue")


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = runtime.deps()
    tick = enqueue.run_tick(deps, runtime.tick_time(event, deps.clock))
    for rule_id in tick.opt_out_spiking:
        logger.error("rule past its opt-out threshold", extra={"rule_id": rule_id})
    for rule_id, error in tick.failed_rules.items():
        logger.error("rule skipped this tick", extra={"rule_id": rule_id, "error": error})
    report = tick.as_dict()
    runtime.publish(report, "enqueue", logger, metrics)
    return report
