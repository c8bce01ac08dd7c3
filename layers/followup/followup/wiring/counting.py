"""A batch of the follow-up and enrollment streams taken: each send's bookkeeping on its
contact and enrollment, then the counters in the stats table, exactly once. The stats
function takes its trigger's batches so, and `followup replay-counts` the batches the
trigger gave up on, from their dead letters."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from followup.adapters.followup_stream import DynamoLedger, changes
from followup.services import sent_stream
from followup.services.stats_stream import apply

if TYPE_CHECKING:
    from followup.services.deps import Deps

CHECKPOINT_KEPT = timedelta(days=2)
"""How long a batch's checkpoint outlives it: the stream keeps records for a day."""


def take(deps: Deps, event: Mapping[str, Any]) -> tuple[int, int]:
    """The sends a batch settles and the records it counts, each done once: what a run of
    the same batch did before is skipped."""
    records = changes(event)
    settled = sent_stream.apply(deps, sent_stream.sends(records))
    counted = apply(records, DynamoLedger(deps.clock.now() + CHECKPOINT_KEPT))
    return settled, counted
