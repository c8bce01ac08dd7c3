"""Follow-up and enrollment streams → each send's bookkeeping on its contact and enrollment,
then the counters in the stats table, exactly once.

A batch that fails is retried whole by the trigger; what it already applied or counted is
skipped.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from followup.adapters.followup_stream import DynamoLedger, changes
from followup.services import sent_stream
from followup.services.stats_stream import apply
from followup.wiring import runtime

logger, metrics = runtime.observability("stats")

CHECKPOINT_KEPT = timedelta(days=2)
"""How long a batch's checkpoint outlives it: the stream keeps records for a day."""


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    deps = runtime.deps()
    records = changes(event)
    settled = sent_stream.apply(deps, sent_stream.sends(records))
    counted = apply(records, DynamoLedger(deps.clock.now() + CHECKPOINT_KEPT))
    metrics.add_metric(name="sends_settled", unit="Count", value=settled)
    metrics.add_metric(name="stats_records_counted", unit="Count", value=counted)
    return {"settled": settled, "counted": counted}
