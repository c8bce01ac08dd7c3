"""The pacing counters and markers in memory, with DynamoPacing's semantics: each call
atomic, a counter moves by what is added (a negative count gives back), a marker moves
only forward past the time asked about."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime


class MemoryPacing:
    """Counters and markers in dictionaries, behind one lock (one process's senders)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._markers: dict[str, datetime] = {}

    def reserve(self, key: str, count: int, expires_at: datetime) -> int:
        with self._lock:
            total = self._counters.get(key, 0) + count
            self._counters[key] = total
            return total

    def space(self, key: str, at: datetime, until: datetime) -> datetime | None:
        with self._lock:
            marker = self._markers.get(key)
            if marker is not None and marker > at:
                return marker
            self._markers[key] = until
            return None

    def counts(self, keys: Sequence[str]) -> dict[str, int]:
        with self._lock:
            return {key: self._counters.get(key, 0) for key in keys}
