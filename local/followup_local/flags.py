"""Command-line values checked as argparse reads them: a bad one exits 2 naming its flag."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime


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
