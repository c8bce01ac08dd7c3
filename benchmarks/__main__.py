"""`make bench`: every benchmark in turn, then one table of their figures.

Each module prints its details and returns its figures; the table and
`bench/results.json` gather them. Name modules to run only those:
`python -m benchmarks webhook_latency send_rate`.
"""

from __future__ import annotations

import importlib
import json
import platform
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.figures import Figure

SUITE = (
    "webhook_latency",
    "send_rate",
    "client_overlap",
    "intents",
    "ai_cost",
    "lateness",
    "tick_items",
    "cost",
    "imports",
)
RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results.json"


def main(argv: Sequence[str]) -> int:
    names = list(argv) or list(SUITE)
    unknown = [name for name in names if name not in SUITE]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(SUITE)}")
        return 2
    figures: list[Figure] = []
    for name in names:
        print(f"\n== {name}")
        run: Callable[[], list[Figure]] = importlib.import_module(f"benchmarks.{name}").main
        figures += run()
    print("\n== figures")
    for figure in figures:
        print(figure.row())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(timespec="seconds"),
                "python": platform.python_version(),
                "benchmarks": names,
                "figures": [figure.as_dict() for figure in figures],
            },
            indent=2,
        )
        + "\n"
    )
    missed = sum(figure.met is False for figure in figures)
    print(f"\n{len(figures)} figures, {missed} short of target; written to bench/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
