"""Adapters built on first use, so a handler loads only the clients and libraries it calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from followup.loading import loading

T = TypeVar("T")
_OWN = frozenset({"_build", "_built"})


class _OnFirstUse:
    """Forwards every attribute to the object `build` returns, built once on first access."""

    def __init__(self, build: Callable[[], object]) -> None:
        self._build = build
        self._built: object | None = None

    def __getattr__(self, name: str) -> Any:
        if name in _OWN:  # asked before __init__ ran (copy, pickle): not the adapter's
            raise AttributeError(name)
        if self._built is None:
            with loading():  # the sender's threads share one set of adapters
                if self._built is None:
                    self._built = self._build()
        return getattr(self._built, name)


def on_first_use(build: Callable[[], T]) -> T:
    """Stands in for `build()`, called (imports and clients included) when first used."""
    return cast(T, _OnFirstUse(build))
