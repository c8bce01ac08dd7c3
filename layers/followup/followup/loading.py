"""One lock for code loaded on first use, in every layer.

Python's imports are not safe when two threads load, for the first time, packages that
import each other (Powertools' data classes and batch utilities do): one thread can get a
half-loaded module (`ImportError: ... partially initialized module`, or a `KeyError` from
the import system). Handlers import their use cases and libraries on first use to start
quickly, and the sender's threads share one process, as do the local stack's functions;
so every import made after a module has loaded, and every library call that imports on
its first use, runs under `loading()`: one thread loads at a time."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager

_LOADING = threading.RLock()


def loading() -> AbstractContextManager[bool]:
    """Held while code loads on first use; a load may start another (re-entrant)."""
    return _LOADING
