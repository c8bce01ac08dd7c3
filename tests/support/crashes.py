"""Crashes and races between one process's writes, made deterministic: a store whose
process dies after its Nth commit, or lets another writer land right after it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from followup.services.ports import Change


class Died(Exception):
    """The process died here: nothing it would have done next happened."""


class Interrupted:
    """The store's transactions in front of `deps`, for a process that runs `meanwhile`
    (another writer) right after its `after`-th commit, and dies at the commit after its
    `dies_after`-th (unwritten). Commits count whether they held or were rejected; those
    made by `meanwhile` are not counted."""

    def __init__(
        self,
        deps: Any,
        *,
        after: int | None = None,
        meanwhile: Callable[[], None] | None = None,
        dies_after: int | None = None,
    ) -> None:
        self.real, self._deps = deps.transactions, deps
        self._after, self._meanwhile, self._dies_after = after, meanwhile, dies_after
        self.commits = 0
        self._inside = False
        deps.transactions = self

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def commit(self, changes: Sequence[Change], at: datetime) -> None:
        if self._inside:
            self.real.commit(changes, at)
            return
        if self._dies_after is not None and self.commits == self._dies_after:
            raise Died(f"died before commit {self.commits + 1}")
        self.commits += 1
        try:
            self.real.commit(changes, at)
        finally:
            if self._meanwhile is not None and self.commits == self._after:
                self._inside = True
                try:
                    self._meanwhile()
                finally:
                    self._inside = False

    def restore(self) -> None:
        """The process is gone: the next one writes to the store directly."""
        self._deps.transactions = self.real
