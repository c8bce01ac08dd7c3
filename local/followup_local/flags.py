"""Command-line values checked as argparse reads them: a bad one exits 2 naming its flag."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from followup.wiring.config import http_url


def bounded(low: int, high: int) -> Callable[[str], int]:
    """A whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}, got {value}")
        return value

    parse.__name__ = "number"
    return parse


def instant(text: str) -> datetime:
    """A date and time with its UTC offset, as ISO 8601 writes it."""
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        found = None
    if found is None or found.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"expected a date and time with its UTC offset, e.g. 2026-11-29T21:00:00+07:00, "
            f"got {text!r}"
        )
    return found


def api_url(text: str) -> str:
    """An http:// or https:// address with a host, and a port that is a number."""
    try:
        return http_url(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(f"{problem}{origin(text, 'FOLLOWUP_URL')}") from None


def state_to_read(text: str) -> Path:
    """A local stack's state directory, read only: refused when something else is there,
    or above it (a file no directory can be under), naming FOLLOWUP_STATE_DIR when the
    value came from it."""
    path = Path(text)
    named = origin(text, "FOLLOWUP_STATE_DIR")
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}{named} exists and is not a directory")
    above = next((p for p in path.absolute().parents if p.exists()), None)
    if not path.exists() and above is not None and not above.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}{named} is under {str(above)!r}, a file")
    return path


def origin(text: str, variable: str) -> str:
    """Where a refused value came from, for its error to name: " (from VARIABLE)" when it is
    that environment variable's (the flag's default), else nothing."""
    return f" (from {variable})" if os.environ.get(variable) == text else ""
