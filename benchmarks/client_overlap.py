"""How well twenty threads sharing one 360dialog client overlap at 300 ms per answer.

The tests prove the overlap by order (the sandbox answers no send until all twenty
wait); this prints the time it buys: serial sends would take twenty times the latency.
Run: `.venv/bin/python -m benchmarks.client_overlap`.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from benchmarks.figures import Figure
from followup.adapters.whatsapp import D360Client
from followup.domain.followup import RenderedMessage
from followup.domain.whatsapp import OutboundMessage
from followup_local.sandbox import WhatsAppSandbox

KEY = "bench-key"
NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
SENDS = 20
LATENCY = 0.3


def main() -> list[Figure]:
    message = RenderedMessage(kind="text", text="Hi, still keen on the course?")
    sends = [
        OutboundMessage(f"62899{n:08d}", message, callback_data=f"fu-{n}") for n in range(SENDS)
    ]
    with (
        WhatsAppSandbox(KEY, clock=lambda: NOW) as sandbox,
        D360Client(sandbox.base_url, KEY, timeout=30) as client,
    ):
        for outbound in sends:
            sandbox.record_inbound(outbound.to, NOW - timedelta(hours=1))
        sandbox.latency = LATENCY
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=SENDS) as pool:
            list(pool.map(client.send, sends))
        elapsed = time.perf_counter() - started
    serial = SENDS * LATENCY
    print(
        f"{SENDS} sends from {SENDS} threads on one client in {elapsed:.2f} s with "
        f"{LATENCY * 1000:.0f} ms provider latency: {serial / elapsed:.1f}× serial ({serial:.1f} s)"
    )
    return [
        Figure(
            f"{SENDS} threads on one client, speed-up over serial", round(serial / elapsed, 1), "×"
        )
    ]


if __name__ == "__main__":
    main()
