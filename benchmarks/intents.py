"""How well the rules understand replies: precision and recall per intent, and macro-F1.

Every message of `tests/data/intents.jsonl` is classified as if it arrived on Friday
2026-11-27 at 15:00 in its language's zone. A `call_back_at` answer counts as right only
with the expected local time. Run: `.venv/bin/python -m benchmarks.intents`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from benchmarks.figures import Figure, at_least
from followup.domain.intent import Intent
from followup.domain.intents import classify

CASES = Path(__file__).resolve().parents[1] / "tests" / "data" / "intents.jsonl"
NOW_LOCAL = datetime(2026, 11, 27, 15, 0)  # noqa: DTZ001  # a wall time, placed per zone below
ZONES = {
    "id": ZoneInfo("Asia/Jakarta"),
    "pt": ZoneInfo("America/Sao_Paulo"),
    "en": ZoneInfo("America/New_York"),
}


@dataclass(frozen=True)
class Case:
    text: str
    lang: str
    intent: Intent
    local: str | None


@dataclass(frozen=True)
class Scores:
    """Per-intent (precision, recall) and the macro-F1 over the six intents."""

    per_intent: dict[Intent, tuple[float, float]]
    macro_f1: float
    cases: int


def load(path: Path = CASES) -> list[Case]:
    """The labelled messages."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return [Case(r["text"], r["lang"], Intent(r["intent"]), r.get("local")) for r in rows]


def predict(case: Case) -> tuple[Intent, str | None]:
    """What the rules answer for one case, at the fixed "now" in its language's zone."""
    zone = ZONES[case.lang]
    detected = classify(case.text, NOW_LOCAL.replace(tzinfo=zone), zone)
    return detected.intent, detected.local


def score(cases: Iterable[Case]) -> Scores:
    """Precision and recall per intent; a wrong call-back time is a wrong answer."""
    pairs = []
    for case in cases:
        intent, local = predict(case)
        right = intent == case.intent and (intent != Intent.CALL_BACK_AT or local == case.local)
        pairs.append((case.intent, intent, right))
    per_intent: dict[Intent, tuple[float, float]] = {}
    f1s = []
    for intent in Intent:
        hits = sum(1 for expected, _, right in pairs if expected == intent and right)
        said = sum(1 for _, got, _ in pairs if got == intent)
        truth = sum(1 for expected, _, _ in pairs if expected == intent)
        precision = hits / said if said else 1.0
        recall = hits / truth if truth else 1.0
        per_intent[intent] = (precision, recall)
        total = precision + recall
        f1s.append(2 * precision * recall / total if total else 0.0)
    return Scores(per_intent, sum(f1s) / len(f1s), len(pairs))


def report(label: str, scores: Scores) -> str:
    """One block of the benchmark's output."""
    lines = [f"{label} ({scores.cases} messages)  macro-F1 {scores.macro_f1:.2f}"]
    for intent, (precision, recall) in scores.per_intent.items():
        lines.append(f"  {intent.value:<15} precision {precision:.2f}  recall {recall:.2f}")
    return "\n".join(lines)


def main() -> list[Figure]:
    cases = load()
    for lang in ZONES:
        print(report(lang, score(c for c in cases if c.lang == lang)))
    overall = score(cases)
    print(report("all", overall))
    precision = overall.per_intent[Intent.NOT_INTERESTED][0]
    return [
        at_least("replies understood, macro-F1", round(overall.macro_f1, 2), "", 0.8),
        at_least("not_interested precision", round(precision, 2), "", 0.98),
    ]


if __name__ == "__main__":
    main()
