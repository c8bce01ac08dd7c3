"""The state directory's lock: held by the one `followup dev` that runs on it, and saying
where that stack listens, so the other commands on the same directory find it."""

from __future__ import annotations

import errno
import fcntl
import os
from pathlib import Path
from typing import IO

from followup_local.durable import StateError

LOCK_FILE = "dev.lock"
"""Locked by the running `followup dev`, so a second one on the same state stops at once."""


def lock_state(state: Path) -> IO[bytes]:
    """The state directory's lock file, locked for this process alone (released when it is
    closed, or by the system when the process ends, even by kill -9); StateError when
    another process holds it."""
    path = state / LOCK_FILE
    held = os.fdopen(os.open(path, os.O_RDWR | os.O_CREAT, 0o600), "r+b")
    try:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as problem:
        held.close()
        if problem.errno in (errno.EAGAIN, errno.EACCES):
            raise StateError(
                f"another followup dev uses {state}; stop it or pass --state-dir"
            ) from None
        raise StateError(f"{path} cannot be locked: {problem.strerror or problem}") from None
    return held


def announce(held: IO[bytes], url: str) -> None:
    """Write into the held lock file the address the stack now serves on."""
    held.seek(0)
    held.truncate()
    held.write(url.encode())
    held.flush()


def running_url(state: Path) -> str | None:
    """Where the `followup dev` holding `state` serves, or None when none holds it (or it
    is still starting: it says where once it listens)."""
    try:
        lock = os.open(state / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(lock, "rb") as seen:
        try:
            fcntl.flock(seen.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return seen.read().decode(errors="replace").strip() or None
        # Free: no stack runs on it, whatever an earlier one wrote there.
        return None
