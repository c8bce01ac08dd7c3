"""How many sender instances a WhatsApp number's rate needs.

The pacer keeps every sender of a number to its rate together, so capacity only has to
be enough to reach that rate. By Little's law, sends in flight = rate × time per send,
and a send (claim, re-checks, 360dialog, record) takes about `send_time_ms`. Each
instance handles one SQS batch at a time, a thread per message; a quarter more instances
than that absorbs slow sends. More would only be held back by the pacer and re-queued.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_INSTANCES = 2  # the smallest maximum concurrency an SQS event source accepts
MAX_INSTANCES = 1000  # the largest
THREADS = 10  # one SQS batch holds at most 10 messages
HEADROOM = 1.25


@dataclass(frozen=True)
class SendCapacity:
    instances: int
    threads: int

    @property
    def in_flight(self) -> int:
        return self.instances * self.threads

    def peak_rate(self, send_time_ms: int) -> float:
        """The most sends a second these instances manage, unpaced."""
        return self.in_flight / (send_time_ms / 1000)


def send_capacity(sends_per_second: int, send_time_ms: int) -> SendCapacity:
    in_flight = sends_per_second * send_time_ms / 1000 * HEADROOM
    return SendCapacity(max(MIN_INSTANCES, math.ceil(in_flight / THREADS)), THREADS)
