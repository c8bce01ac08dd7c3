"""The time an invocation has left, for loops whose every turn may wait on a hanging call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Deadline:
    time_left: Callable[[], float]
    """Seconds until the function is stopped (Lambda's context)."""
    reserve: float
    """Seconds one more turn may take at worst, and the bookkeeping after it."""

    def near(self) -> bool:
        """True when another turn might not finish in time: stop, leave the rest for later."""
        return self.time_left() < self.reserve


class Invocation(Protocol):
    """Lambda's context object, as far as time goes."""

    def get_remaining_time_in_millis(self) -> int: ...


def of_invocation(context: Invocation, reserve: float) -> Deadline:
    """The deadline of a Lambda invocation, keeping `reserve` seconds in hand."""
    return Deadline(lambda: context.get_remaining_time_in_millis() / 1000, reserve)
