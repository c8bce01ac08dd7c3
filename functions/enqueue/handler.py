"""Scheduled tick: sync the template catalogue when due, then enqueue. Thin: parse the
event, call the services, report."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.adapters.timeouts import notify_reserve
from followup.services import enqueue, templates
from followup.services.deadline import of_invocation
from followup.wiring import logs, runtime

logger, metrics = runtime.observability("enqueue")


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    deps = runtime.deps()
    now = runtime.tick_time(event, deps.clock)
    synced = templates.scheduled_sync(deps, now)
    if synced.get("templates_sync_failed"):
        logger.warning("template catalogue not synced: 360dialog did not give it")
    reserve = notify_reserve(runtime.config().notify_limit())
    deadline = of_invocation(context, reserve)
    tick = enqueue.run_tick(deps, now, deadline)
    for rule_id in tick.opt_out_spiking:
        logger.error("rule past its opt-out threshold", extra={"rule_id": rule_id})
    for rule_id, error in tick.failed_rules.items():
        logger.error("rule skipped this tick", extra={"rule_id": rule_id, "error": error})
    report = tick.as_dict() | synced
    runtime.publish(report, "enqueue", logger, metrics)
    return report
