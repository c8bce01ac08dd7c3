"""How many senders and threads keep a WhatsApp number under its throughput limit.

By Little's law, sends per second = sends in flight / time per send. Calls to
360dialog take at least `latency floor`, so keeping in flight no more than
limit × floor caps the rate at the limit whatever the scale-out. The budget is
split over SQS-triggered sender instances (Lambda needs at least 2) and the
threads each runs; 429 answers still back off if the floor was optimistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MIN_INSTANCES = 2  # the smallest maximum concurrency an SQS event source accepts
MAX_THREADS = 10  # one SQS batch holds at most 10 messages


@dataclass(frozen=True)
class SendCapacity:
    instances: int
    threads: int

    @property
    def in_flight(self) -> int:
        return self.instances * self.threads

    def peak_rate(self, latency_floor_ms: int) -> float:
        return self.in_flight / (latency_floor_ms / 1000)


def send_capacity(sends_per_second: int, latency_floor_ms: int) -> SendCapacity:
    budget = max(MIN_INSTANCES, math.floor(sends_per_second * latency_floor_ms / 1000))
    instances = max(MIN_INSTANCES, math.ceil(budget / MAX_THREADS))
    return SendCapacity(instances=instances, threads=max(1, budget // instances))
