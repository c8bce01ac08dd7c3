"""Follow-up and enrollment streams → each send's bookkeeping on its contact and enrollment,
then the counters in the stats table, exactly once.

A batch that fails is retried whole by the trigger; what it already applied or counted is
skipped. A batch still failing after its retries goes to a dead-letter queue, which
`followup replay-counts` takes again (`wiring/counting.py`).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.wiring import logs, runtime
from followup.wiring.counting import take

logger, metrics = runtime.observability("stats")


@logs.masked_failures
@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    settled, counted = take(runtime.deps(), event)
    metrics.add_metric(name="sends_settled", unit="Count", value=settled)
    metrics.add_metric(name="stats_records_counted", unit="Count", value=counted)
    return {"settled": settled, "counted": counted}
