"""Fields a body has that its model does not: refused, naming the field, rather than
dropped without a word. A typo ("exits" for "exit") would otherwise save a rule without
what its author meant, and answer 200."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from followup.domain.errors import InvalidField


def unknown(given: Any, known: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """The paths of `given`'s keys that `known` (the model as it took them, every field
    written out) lacks, depth first."""
    if isinstance(given, dict) and isinstance(known, dict):
        for key, value in given.items():
            if key not in known:
                yield ".".join((*path, str(key)))
            else:
                yield from unknown(value, known[key], (*path, str(key)))
    elif isinstance(given, list) and isinstance(known, list):
        for index, (value, kept) in enumerate(zip(given, known, strict=False)):
            yield from unknown(value, kept, (*path, str(index)))


def unknown_fields(
    given: Any, taken: BaseModel, what: str, answered: frozenset[str] = frozenset()
) -> list[InvalidField]:
    """A problem for each field of `given` that `taken` (the model validated from it) has
    no place for; `answered` are top-level fields the API answers beside the model's
    (`held` on a rule): sent back, they are ignored."""
    if isinstance(given, dict):
        given = {key: value for key, value in given.items() if key not in answered}
    known = taken.model_dump(mode="json", by_alias=True)
    return [
        InvalidField(path, f"not a field of {what}", code="unknown_field")
        for path in unknown(given, known)
    ]


def refuse_unknown(
    given: Any, taken: BaseModel, what: str, answered: frozenset[str] = frozenset()
) -> None:
    """Raise the first of `unknown_fields`, if any."""
    for problem in unknown_fields(given, taken, what, answered):
        raise problem
