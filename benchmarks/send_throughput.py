"""Sends per second through the sender Lambda when 360dialog takes 300 ms per call.

WhatsApp allows 80 messages/s per number; a serial sender would manage ~3/s. Prints the
rate for one SQS batch of 10 at a time, as the Lambda trigger delivers them, and the most
provider calls that were in flight at once.
Run: `.venv/bin/python -m benchmarks.send_throughput`.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from benchmarks.figures import Figure
from followup.domain.contact import Speaker
from followup.domain.rule import Rule
from followup.domain.whatsapp import OutboundMessage
from followup.services.contacts import create_contact, update_contact
from followup.services.ports import WhatsApp
from followup_local.engine import local_engine

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
LEADS = 100
LATENCY = 0.3


class InFlight:
    """The real client, counting how many of its calls overlap."""

    def __init__(self, inner: WhatsApp) -> None:
        self._inner, self._lock = inner, threading.Lock()
        self.now = self.most = 0

    def send(self, outbound: OutboundMessage) -> str:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return self._inner.send(outbound)
        finally:
            with self._lock:
                self.now -= 1


def main() -> list[Figure]:
    with local_engine(START) as engine:
        deps = engine.deps
        deps.rules.save_rule(
            Rule.model_validate(
                {
                    "id": "bench",
                    "name": "bench",
                    "trigger": {"idle": {"amount": 1, "unit": "hours"}},
                    "steps": [
                        {
                            "wait": {"amount": 0, "unit": "minutes"},
                            "template": {"name": "t", "language": "en"},
                        }
                    ],
                    "send_anytime": True,
                }
            )
        )
        quiet = START - timedelta(hours=2)
        for n in range(LEADS):
            contact = create_contact(deps, wa_id=f"62899{n:08d}", at=quiet)
            update_contact(
                deps,
                contact.id,
                lambda c: c.model_copy(
                    update={"last_activity_at": quiet, "last_speaker": Speaker.CONTACT}
                ),
                quiet,
            )
        engine.scheduled("enqueue")
        engine.scheduled("dispatch")
        engine.sandbox.latency = LATENCY
        counting = InFlight(deps.whatsapp)
        deps.whatsapp = counting
        started = time.perf_counter()
        engine.drain()
        elapsed = time.perf_counter() - started
    sent = len(engine.sandbox.sent())
    print(
        f"{sent} sends in {elapsed:.1f} s with {LATENCY * 1000:.0f} ms provider latency: "
        f"{sent / elapsed:.1f} sends/s per sender instance (serial would be {1 / LATENCY:.1f}/s), "
        f"at most {counting.most} calls in flight at once"
    )
    return [Figure("sender, sends per second per instance", round(sent / elapsed, 1), "msg/s")]


if __name__ == "__main__":
    main()
