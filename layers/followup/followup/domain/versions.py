"""What changed between two versions of a rule, field by field, as a person reads it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from followup.domain.rule import Rule

_NOT_COMPARED = frozenset({"version", "active"})
"""Every save bumps the version, and switching a rule on or off is not an edit."""


class Kind(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"


@dataclass(frozen=True)
class Difference:
    """One field that differs: `path` names it as validation errors do (`steps.1.wait`)."""

    path: str
    before: Any
    after: Any

    @property
    def kind(self) -> Kind:
        if self.before is None:
            return Kind.ADDED
        if self.after is None:
            return Kind.REMOVED
        return Kind.CHANGED

    def describe(self) -> str:
        if self.kind is Kind.ADDED:
            if isinstance(self.after, dict | list):
                return f"{self.path}: added"
            return f"{self.path}: set to {_shown(self.after)}"
        if self.kind is Kind.REMOVED:
            if isinstance(self.before, dict | list):
                return f"{self.path}: removed"
            return f"{self.path}: {_shown(self.before)} removed"
        return f"{self.path}: {_shown(self.before)} → {_shown(self.after)}"


def differences(old: Rule, new: Rule) -> list[Difference]:
    """Every leaf field whose value differs, in the order the rule lists its fields.

    A value that is present on one side only (a step added, an optional field cleared)
    shows as one difference for the whole value, not one per leaf inside it.
    """
    before = old.model_dump(mode="json", exclude=set(_NOT_COMPARED))
    after = new.model_dump(mode="json", exclude=set(_NOT_COMPARED))
    return list(_walk("", before, after))


def _walk(path: str, before: Any, after: Any) -> list[Difference]:
    if before == after:
        return []
    if isinstance(before, dict) and isinstance(after, dict) and not _duration(before):
        keys = [*before, *(key for key in after if key not in before)]
        return [
            found
            for key in keys
            for found in _walk(_join(path, str(key)), before.get(key), after.get(key))
        ]
    if isinstance(before, list) and isinstance(after, list):
        longest = max(len(before), len(after))
        return [
            found
            for index in range(longest)
            for found in _walk(_join(path, str(index)), _at(before, index), _at(after, index))
        ]
    return [Difference(path, _empty_as_none(before), _empty_as_none(after))]


def _join(path: str, part: str) -> str:
    return f"{path}.{part}" if path else part


def _at(values: list[Any], index: int) -> Any:
    return values[index] if index < len(values) else None


def _empty_as_none(value: Any) -> Any:
    return None if value in ([], {}) else value


def _duration(value: Any) -> bool:
    """Durations read as one value ("2 days"), not as an amount and a unit."""
    return isinstance(value, dict) and set(value) == {"amount", "unit"}


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if _duration(value):
        return f"{value['amount']} {value['unit']}"
    return str(value)
