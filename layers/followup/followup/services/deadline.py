"""The time an invocation has left, for loops whose every turn may wait on a hanging call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    time_left: Callable[[], float]
    """Seconds until the function is stopped (Lambda's context)."""
    reserve: float
    """Seconds one more turn may take at worst, and the bookkeeping after it."""

    def near(self) -> bool:
        """True when another turn might not finish in time: stop, leave the rest for later."""
        return self.time_left() < self.reserve
