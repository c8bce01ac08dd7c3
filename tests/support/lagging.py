"""A store whose waiting index lags behind its writes, as a DynamoDB global secondary
index may: what a tick just wrote, or another path just put back in the queue, is not yet
there when the next step reads the lane."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from followup.domain.followup import FollowUp
from followup.services.ports import Change, Clock, FollowUpChange, NewFollowUp, Phase


class LaggingIndex:
    """The store (in memory or on DynamoDB) with its waiting index behind: the last
    `behind` follow-ups written (new or changed) turn up in `waiting` only `lag` after
    their write."""

    def __init__(self, store: Any, clock: Clock, lag: timedelta, behind: int) -> None:
        self._store, self._clock, self._lag, self._behind = store, clock, lag, behind
        self._written: list[tuple[str, datetime]] = []
        """Each new follow-up's id and when the index shows it, in the order written."""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        self._store.commit(changes, at)
        shown = self._clock.now() + self._lag
        written = (c for c in changes if isinstance(c, NewFollowUp | FollowUpChange))
        self._written += [(c.followup.id, shown) for c in written]

    def waiting(self, phase: Phase, until: datetime) -> Iterator[FollowUp]:
        now = self._clock.now()
        last = self._written[-self._behind :] if self._behind else []
        hidden = {followup_id for followup_id, shown in last if shown > now}
        return (f for f in self._store.waiting(phase, until) if f.id not in hidden)


def lagging(deps: Any, lag: timedelta, behind: int) -> LaggingIndex:
    """Put a lagging index in front of `deps`' follow-ups and transactions."""
    store = LaggingIndex(deps.followups, deps.clock, lag, behind)
    deps.followups = deps.transactions = store
    return store
