"""Typed domain errors, mapped to responses once at the edge."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """Base for errors a caller can act on."""


class NotFound(DomainError):
    def __init__(self, kind: str, key: str) -> None:
        super().__init__(f"{kind} {key!r} not found")
        self.kind, self.key = kind, key


class Conflict(DomainError):
    """A conditional write lost: someone else changed the item first. `code` names the
    kind for an app to say in its reader's language; each kind of its own has one."""

    code = "conflict"


class KeptChanging(Conflict):
    """Others wrote the item while this request tried to: nothing changed, try again."""

    code = "kept_changing"


class InvalidTransition(DomainError):
    def __init__(self, followup_id: str, current: Any, target: Any) -> None:
        super().__init__(f"follow-up {followup_id}: cannot move from {current} to {target}")
        self.current, self.target = current, target


class NoSendWindow(DomainError):
    """The send window never opens (every day blacked out)."""


def problem_message(problem: Mapping[str, Any]) -> str:
    """A validation problem of pydantic's in its check's own words: without the "Value
    error, " pydantic puts before what a validator's ValueError says."""
    error = (problem.get("ctx") or {}).get("error")
    return str(error) if problem["type"] == "value_error" and error is not None else problem["msg"]


_LIMITS = frozenset(
    {
        "min_length",
        "max_length",
        "ge",
        "gt",
        "le",
        "lt",
        "multiple_of",
        "max_digits",
        "decimal_places",
        "expected",
        "expected_tags",
    }
)
"""What a check holds a value to, as pydantic's `ctx` names it: the model's own bounds and
choices, never what was sent (`input`, a union's `tag`, an `actual_length`, a validator's
`error`, which may quote the value: a lead's number or address)."""

_LONGEST_LIMIT = 200


def limits(problem: Mapping[str, Any]) -> dict[str, int | float | str]:
    """The bounds of a validation problem's check (`{"max_length": 200}`, `{"ge": 1, "le":
    20}`, `{"expected": "'hot', 'warm' or 'cold'"}`): numbers as they are, anything else
    (a date, a duration) as its text, a choice too long to say left out."""
    found: dict[str, int | float | str] = {}
    for name, value in (problem.get("ctx") or {}).items():
        if name not in _LIMITS:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = str(value)
            if len(value) > _LONGEST_LIMIT:
                continue
        found[name] = value
    return found


@dataclasses.dataclass(frozen=True)
class Problem:
    """What is wrong with one field of a rule (or the settings), or worth a look before the
    rule runs (a warning): `message` in English, `code` stable for an app to translate,
    `values` what the message names (a stage, a template and its language...) and `limits`
    the bounds the value broke, for the app to say them in its reader's words."""

    field: str
    message: str
    code: str
    values: Mapping[str, str | int] = dataclasses.field(default_factory=dict)
    limits: Mapping[str, int | float | str] = dataclasses.field(default_factory=dict)


class InvalidField(DomainError):
    """One field a caller sent is wrong; `code` names the problem for translation, and
    `limits` the bounds it broke (`{"max_length": 50}`), as pydantic's context names them."""

    def __init__(
        self,
        field: str,
        message: str,
        code: str = "invalid_value",
        limits: Mapping[str, int | float | str] | None = None,
    ) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code = field, message, code
        self.limits = dict(limits or {})


RULE_DATA_ERRORS: tuple[type[Exception], ...] = (
    DomainError,
    ValueError,
    ArithmeticError,
    LookupError,
)
"""What evaluating one rule's (or the settings') data can raise: a window that never opens,
a date out of range, a missing step. Stores and networks fail otherwise and stop the tick."""
