"""What a benchmark reports: named figures, each a ratio or a count with its target."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured figure. `target` reads as the bound it must keep, e.g. "≤ 10 s";
    `met` says whether it did (None when the figure has no target)."""

    name: str
    value: float
    unit: str
    target: str = ""
    met: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def row(self) -> str:
        verdict = {True: "ok", False: "MISSED", None: ""}[self.met]
        value = f"{self.value:,.4g}" if isinstance(self.value, float) else f"{self.value:,}"
        return f"{self.name:<58} {value:>12} {self.unit:<8} {self.target:<14} {verdict}"


def at_most(name: str, value: float, unit: str, bound: float) -> Figure:
    return Figure(name, value, unit, f"≤ {bound:g} {unit}".strip(), value <= bound)


def at_least(name: str, value: float, unit: str, bound: float) -> Figure:
    return Figure(name, value, unit, f"≥ {bound:g} {unit}".strip(), value >= bound)
