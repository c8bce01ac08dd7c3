"""Checks that refuse new input yet let documents stored under looser ones be read back."""

from __future__ import annotations

from types import MappingProxyType

from pydantic import ValidationInfo

STORED = MappingProxyType({"stored": True})
"""Validation context for reading back what the store holds (it may predate a check)."""


def new_input(info: ValidationInfo) -> bool:
    """True unless the model is being read back from the store."""
    context = info.context
    return not (context is not None and context.get("stored"))
