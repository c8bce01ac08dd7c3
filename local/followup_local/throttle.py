"""Rate limits as WhatsApp applies them, for the sandbox: a token bucket per key.

A bucket holds up to `burst` sends and refills at `rate` a second; a send finding it
empty is refused. Times are plain seconds passed in, so tests count without waiting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

_ROUNDING = 1e-9
"""Refills add up in floating point: six sixths of a token is a whole one."""


def default_burst(rate: float) -> float:
    """The burst a number tolerates by default here: 250 ms of its rate (at least 2), for
    the network and the machine bunch sends that left evenly spaced."""
    return max(2.0, rate / 4)


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """One bucket per key (a number, or a number and recipient)."""

    def __init__(self, rate: float, burst: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a bucket needs a positive rate and room for at least one send")
        self.rate, self.burst = rate, burst
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: str, at: float) -> bool:
        """Let one send through at `at` (seconds) if the bucket has a token; False if not."""
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, at)
            bucket.tokens = min(self.burst, bucket.tokens + max(0.0, at - bucket.at) * self.rate)
            bucket.at = max(bucket.at, at)
            if bucket.tokens < 1 - _ROUNDING:
                return False
            bucket.tokens = max(0.0, bucket.tokens - 1)
            return True
