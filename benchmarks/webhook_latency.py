"""How fast the webhook answers (360dialog wants a median ≤ 250 ms), in-process on moto.

Prints the median and 99th percentile of the handler's own time for inbound messages and
delivery statuses. Run: `.venv/bin/python -m benchmarks.webhook_latency`.
"""

from __future__ import annotations

import statistics
import time
from datetime import UTC, datetime, timedelta

from benchmarks.figures import Figure, at_most
from followup_local import envelopes
from followup_local.engine import local_engine

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def measure(rounds: int = 200) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {"inbound message": [], "delivery status": []}
    with local_engine(START) as engine:
        for n in range(rounds):
            at = engine.clock.advance(timedelta(seconds=30))
            wa_id = f"62811{n % 50:08d}"
            started = time.perf_counter()
            engine.deliver(envelopes.text_message(wa_id, "hello", at, f"wamid.BENCH{n}"))
            timings["inbound message"].append(time.perf_counter() - started)
            started = time.perf_counter()
            engine.deliver(envelopes.status(f"wamid.UNKNOWN{n}", "delivered", at, wa_id, None))
            timings["delivery status"].append(time.perf_counter() - started)
    return timings


def main() -> list[Figure]:
    figures = []
    for kind, samples in measure().items():
        ordered = sorted(samples)
        median, p99 = statistics.median(ordered), ordered[int(len(ordered) * 0.99) - 1]
        print(
            f"{kind:16} median {median * 1000:6.1f} ms"
            f"   p99 {p99 * 1000:6.1f} ms   ({len(ordered)} deliveries)"
        )
        figures.append(at_most(f"webhook {kind}, median", round(median * 1000, 1), "ms", 250))
    return figures


if __name__ == "__main__":
    main()
