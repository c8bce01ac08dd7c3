"""Stores that fail part way through a tick, as a Lambda that runs out of time does."""

from __future__ import annotations

from typing import Any

from followup.services.ports import DispatchMark


class DiesBeforeTheMark:
    """The follow-up store of a dispatch that crashes after SQS took its messages and
    before its mark is recorded."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def advance_dispatch_mark(self, mark: DispatchMark) -> bool:
        raise RuntimeError("Lambda ran out of time")
