"""How the stream triggers batch their records: one source for the stack and the cost model.

Lambda calls a stream's function when a batch is full or its window has passed since the
batch's first record, whichever comes first; so at a pace of `r` records a second on a shard,
a batch holds about `r × window` records, at most `size`, at least one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StreamBatching:
    size: int
    """Records per invocation at most."""
    window_seconds: int
    """How long the trigger gathers records before it calls the function."""

    def records_per_invocation(self, records_per_second: float) -> int:
        """Records in a batch at a steady pace of `records_per_second` on one shard."""
        return max(1, min(self.size, int(records_per_second * self.window_seconds)))


STATS = StreamBatching(size=1_000, window_seconds=60)
"""The stats function, on the follow-up and enrollment streams. One transaction per batch
writes each stats item the batch moves once, so the cost falls with the batch: at ten records
a second a 60 s window makes batches of 600, where 5 s made 50 (twelve times the writes and
invocations). The counters only feed the Stats page and the stats API (per rule and day),
which then lag the queue by a minute at most; the live queue comes from the broadcaster.
1,000 is the most a GetRecords call returns, and a batch of follow-up records with both
images stays well under Lambda's 6 MB payload.

The same batches carry each send's bookkeeping (services.sent_stream): a contact counts its
send, and an enrollment moves to its next step, up to a minute after the send (plus the
run). The enqueue tick after that plans the step; a step due within a tick of its send,
sent in the minute before a tick, is planned at the next tick instead (at one-minute ticks,
most such steps go a tick later; at hourly ticks, about one in sixty)."""

BROADCASTER = StreamBatching(size=100, window_seconds=1)
"""The broadcaster, on the follow-up stream: the live queue, a second behind at most."""
