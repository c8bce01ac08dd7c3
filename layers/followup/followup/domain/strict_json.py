"""JSON as the standard writes it. Python's parser also reads `NaN`, `Infinity` and
`-Infinity` (what `json.dumps` writes for a missing pandas value), which a contact would
keep as the text "nan" or "inf"; here they are not JSON, nor is a number too large for a
float (`1e400`), which it reads as infinity."""

from __future__ import annotations

import json
import math
from typing import Any


class NotJson(ValueError):
    """Text that is not JSON, with why in words: "not valid JSON" and, for `NaN` or
    `Infinity`, what to send instead."""


def loads(text: str) -> Any:
    """`text` read as JSON, or NotJson (nested deeper than the parser goes included)."""
    try:
        return json.loads(text, parse_constant=_refuse, parse_float=_finite)
    except NotJson:
        raise
    except (ValueError, RecursionError) as error:
        raise NotJson("not valid JSON") from error


def _finite(written: str) -> float:
    number = float(written)
    if not math.isfinite(number):
        shown = written if len(written) <= 24 else f"{written[:24]}…"
        raise NotJson(f"not valid JSON: {shown} is too large a number (send it as text)")
    return number


def _refuse(name: str) -> Any:
    raise NotJson(f"not valid JSON: {name} is no JSON number (send null for no value)")
