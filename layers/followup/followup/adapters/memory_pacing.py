"""The pacing counters, tallies and markers in memory, with DynamoPacing's semantics: each
call atomic, a counter moves by what is added (a negative count gives back), a marker moves
only forward past the time asked about, a tally is carried into once."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from followup.services.ports import Tally


class MemoryPacing:
    """Counters, tallies and markers in dictionaries, behind one lock (one process's
    senders)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[str, int] = {}
        self._markers: dict[str, datetime] = {}
        self._tallies: dict[str, dict[str, int]] = {}
        self._carried: set[str] = set()

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

    def tally(
        self, key: str, changes: Mapping[str, int], drop: Collection[str], expires_at: datetime
    ) -> Tally:
        with self._lock:
            counts = self._tallies.setdefault(key, {})
            for name, count in changes.items():
                counts[name] = counts.get(name, 0) + count
            for name in drop:
                counts.pop(name, None)
            return Tally(dict(counts), key in self._carried)

    def carry(self, key: str, changes: Mapping[str, int], expires_at: datetime) -> Tally:
        with self._lock:
            counts = self._tallies.setdefault(key, {})
            if key not in self._carried:
                self._carried.add(key)
                for name, count in changes.items():
                    counts[name] = counts.get(name, 0) + count
            return Tally(dict(counts), carried=True)

    def tallied(self, key: str) -> Tally:
        with self._lock:
            return Tally(dict(self._tallies.get(key, {})), key in self._carried)
