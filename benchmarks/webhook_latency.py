"""How fast the webhook answers (360dialog wants a median ≤ 250 ms), in-process on moto,
per kind of delivery, on follow-ups the engine really sent.

`LEADS` contacts go quiet past a rule's idle time; one tick sends each a follow-up through
the WhatsApp sandbox. Then, for every one of them: the statuses `sent`, `delivered` and
`read` for its real message id; half of the contacts reply to it, the other half write
STOP; and as many texts come from numbers the engine has never seen. Prints the median and
99th percentile of the handler's own time per kind, and how many follow-ups each kind
actually changed (`sent` changes none: the sender already recorded the send, so it
measures the lookup and the check). Times grow
with moto's table sizes, not with the rounds. Run: `.venv/bin/python -m benchmarks.webhook_latency`.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from benchmarks.figures import Figure, at_most
from followup.domain.contact import Contact
from followup.domain.followup import FollowUp
from followup_local import envelopes
from followup_local.engine import LocalEngine, local_engine
from tests.support.builders import quiet_lead, rule

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 09:00 in Jakarta
LEADS = 120
RULE = rule()
"""Remind leads quiet for 24 h in stage `new`: free text in the window, else a template."""


@dataclass
class Kind:
    """One kind of delivery: the handler's time for each, and the follow-ups it changed."""

    timings: list[float] = field(default_factory=list)
    changed: int = 0

    def row(self, name: str) -> str:
        median, p99 = self.median * 1000, self.p99 * 1000
        return (
            f"  {name:<26} median {median:6.1f} ms   p99 {p99:6.1f} ms"
            f"   {len(self.timings):>4} deliveries, {self.changed:>4} follow-ups changed"
        )

    @property
    def median(self) -> float:
        return statistics.median(self.timings)

    @property
    def p99(self) -> float:
        ordered = sorted(self.timings)
        return ordered[max(0, round(len(ordered) * 0.99) - 1)]


def _wa_id(n: int) -> str:
    return f"62812{n:08d}"


def _leads(engine: LocalEngine) -> list[Contact]:
    quiet_since = engine.clock.now() - timedelta(hours=25)
    leads = [
        quiet_lead(f"lead-{n}", _wa_id(n), quiet_since, name="Rudi Hartono") for n in range(LEADS)
    ]
    engine.deps.contacts.import_contacts(leads)
    return leads


def _timed(
    engine: LocalEngine, kind: Kind, document: dict[str, Any], followup: FollowUp | None
) -> None:
    """Deliver `document`; count `followup` as changed if the delivery changed it."""
    before = engine.deps.followups.followup(followup.id) if followup else None
    started = time.perf_counter()
    status = engine.deliver(document)
    kind.timings.append(time.perf_counter() - started)
    if status != 200:
        raise RuntimeError(f"the webhook answered {status}")
    if followup is not None and engine.deps.followups.followup(followup.id) != before:
        kind.changed += 1


def measure() -> dict[str, Kind]:
    kinds = {
        name: Kind()
        for name in (
            "status sent",
            "status delivered",
            "status read",
            "reply to a follow-up",
            "opt-out (STOP)",
            "text from a new number",
        )
    }
    with local_engine(START) as engine:
        engine.deps.rules.save_rule(RULE)
        leads = _leads(engine)
        engine.tick()
        sent = [engine.deps.followups.followups_of(lead.id) for lead in leads]
        pairs = [(_wa_id(n), found[0]) for n, found in enumerate(sent) if found]
        if len(pairs) != LEADS or any(f.provider_message_id is None for _, f in pairs):
            raise RuntimeError(f"expected {LEADS} follow-ups sent, got {len(pairs)}")

        def at() -> datetime:
            return engine.clock.advance(timedelta(seconds=5))

        for state in ("sent", "delivered", "read"):
            for wa_id, followup in pairs:
                wamid = str(followup.provider_message_id)
                document = envelopes.status(wamid, state, at(), wa_id, followup.id)
                _timed(engine, kinds[f"status {state}"], document, followup)
        for n, (wa_id, followup) in enumerate(pairs):
            reply = n % 2 == 0
            text = "Iya, saya masih tertarik" if reply else "STOP"
            document = envelopes.text_message(wa_id, text, at(), f"wamid.IN{n}")
            _timed(
                engine,
                kinds["reply to a follow-up" if reply else "opt-out (STOP)"],
                document,
                followup,
            )
        for n in range(LEADS):
            document = envelopes.text_message(f"62813{n:08d}", "halo", at(), f"wamid.NEW{n}")
            _timed(engine, kinds["text from a new number"], document, None)
    return kinds


def main() -> list[Figure]:
    figures = []
    for name, kind in measure().items():
        print(kind.row(name))
        figures += [
            at_most(f"webhook {name}, median", round(kind.median * 1000, 1), "ms", 250),
            Figure(f"webhook {name}, p99", round(kind.p99 * 1000, 1), "ms"),
        ]
        figures.append(Figure(f"webhook {name}: follow-ups changed", kind.changed, ""))
    return figures


if __name__ == "__main__":
    main()
