"""Checks that refuse new input yet let documents stored under looser ones be read back."""

from __future__ import annotations

from types import MappingProxyType

from pydantic import AfterValidator, ValidationInfo

STORED = MappingProxyType({"stored": True})
"""Validation context for reading back what the store holds (it may predate a check)."""


def new_input(info: ValidationInfo) -> bool:
    """True unless the model is being read back from the store."""
    context = info.context
    return not (context is not None and context.get("stored"))


def _written(value: str, info: ValidationInfo) -> str:
    if value and not value.strip() and new_input(info):
        raise ValueError("holds only spaces; write some text")
    return value


Written = AfterValidator(_written)
"""Refuses new text of spaces alone where words are needed (a message, a name, a tag), as
an empty one is: it would be sent, shown or matched as nothing. Annotate a `str` with it."""
