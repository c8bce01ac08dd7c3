"""Items one enqueue tick and one dispatch tick read and write, at 2k, 20k and 100k contacts
with the same number newly due (invariant 7: cost follows the due work).

On moto through the local engine: the real handlers, items counted from DynamoDB's own
responses and requests (`followup_local.metering`). The populations grow in one set of
tables (contacts written in batches, as an import would leave them): at each, `DUE`
contacts crossed the rule's 24 h idle time since the last tick, half the others went quiet
earlier (already handled), half more recently (not due yet). A second tick a minute later,
with nothing due, gives each tick's fixed items; the rest, divided by `DUE`, is the figure
per due contact. Items do not change with the population; the run time does (seeding, and
moto's index queries go through the whole table): about a minute on two cores.
Run: `.venv/bin/python -m benchmarks.tick_items`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from benchmarks.figures import Figure, at_most
from followup.adapters.dynamo import _contact_item  # the item exactly as the store writes it
from followup.adapters.tables import ContactItem
from followup.domain.contact import Contact
from followup_local.engine import LocalEngine, local_engine
from followup_local.metering import ItemCounts, counting
from tests.support.builders import quiet_lead, rule

START = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)  # Tuesday 09:00 in Jakarta
POPULATIONS = (2_000, 20_000, 100_000)
DUE = 50
IDLE = timedelta(hours=24)
RULE = rule()
"""Remind leads quiet for 24 h in stage `new`: free text in the window, else a template."""


@dataclass(frozen=True)
class Tick:
    """One tick with `DUE` items due, and the same tick with nothing due."""

    busy: ItemCounts
    idle: ItemCounts

    def per_due(self, kind: str) -> float:
        busy, idle = getattr(self.busy, kind), getattr(self.idle, kind)
        return float(busy - idle) / DUE


def _contact(quiet_since: datetime, n: int) -> Contact:
    return quiet_lead(uuid4().hex, str(6281000000000 + n), quiet_since)


def _seed(engine: LocalEngine, count: int, last_tick: datetime, numbered_from: int) -> None:
    """`count` more contacts: `DUE` quiet since inside this tick's window, half the rest
    before it, half after it (not due before the last population's tick), in batches. A
    tick enrolls the silences that cross the idle time up to its horizon (the next tick
    plus a margin), so the window runs from the last tick's horizon to this one's."""
    horizon = engine.deps.timings.horizon
    window_start, window_end = horizon(last_tick) - IDLE, horizon(engine.clock.now()) - IDLE
    step = (window_end - window_start) / (DUE + 1)
    quiet = [window_start + step * (n + 1) for n in range(DUE)]
    others = count - DUE
    quiet += [window_start - timedelta(minutes=5 + n % 5000) for n in range(others // 2)]
    later = window_end + timedelta(hours=len(POPULATIONS) + 2)
    quiet += [later + timedelta(minutes=n % 600) for n in range(others - others // 2)]
    with ContactItem.batch_write() as batch:
        for n, since in enumerate(quiet, start=numbered_from):
            batch.save(_contact_item(_contact(since, n), 1))


def _counted(engine: LocalEngine, function: str, key: str) -> ItemCounts:
    with counting() as counts:
        report = engine.scheduled(function)
    if key and report[key] != DUE:
        raise RuntimeError(f"expected {DUE} {key}, the {function} tick says {report}")
    return counts


def measure() -> dict[int, dict[str, Tick]]:
    """For each population in turn (contacts added to the same tables): enqueue and
    dispatch with `DUE` contacts newly due, then a minute later with nothing due."""
    runs: dict[int, dict[str, Tick]] = {}
    with local_engine(START) as engine:
        engine.deps.rules.save_rule(RULE)
        engine.scheduled("enqueue")  # sets the rule's watermark
        seeded = 0
        for population in POPULATIONS:
            last_tick = engine.clock.now()
            # The sender takes each dispatched follow-up as its delay ends, as SQS hands it
            # over: one still unclaimed stays among the queued entries the next dispatch
            # reads, so a run without it would count last hour's work as this tick's.
            engine.run_until(engine.clock.now() + timedelta(hours=1))
            started = time.perf_counter()
            _seed(engine, population - seeded, last_tick, seeded)
            print(f"  {population:>7,} contacts seeded ({time.perf_counter() - started:.1f} s)")
            seeded = population
            enqueue = _counted(engine, "enqueue", "queued")
            dispatch = _counted(engine, "dispatch", "dispatched")
            engine.run_until(engine.clock.now() + timedelta(minutes=1))
            runs[population] = {
                "enqueue": Tick(enqueue, _counted(engine, "enqueue", "")),
                "dispatch": Tick(dispatch, _counted(engine, "dispatch", "")),
            }
    return runs


def main() -> list[Figure]:
    runs = measure()
    print(f"\n  {DUE} due; items per due contact (fixed items of a tick with nothing due)")
    print(f"  {'contacts':>9} {'tick':<9} {'read/due':>9} {'written/due':>12} {'fixed read':>11}")
    for population, ticks in runs.items():
        for name, tick in ticks.items():
            print(
                f"  {population:>9,} {name:<9} {tick.per_due('read'):>9.2f}"
                f" {tick.per_due('written'):>12.2f} {tick.idle.read:>11}"
            )
    small, large = runs[POPULATIONS[0]], runs[POPULATIONS[-1]]
    figures = []
    for name in ("enqueue", "dispatch"):
        tick = large[name]
        label = f"{name} tick at {POPULATIONS[-1] // 1000}k contacts"
        read = round(tick.per_due("read"), 2)
        figures += [
            # Dispatch reads the keys-only `waiting` index, then each follow-up by key: two
            # items per due by design (an index entry is a few bytes; the writes it saves
            # cost far more). The bound is on enqueue.
            at_most(f"{label}: items read per due", read, "items", 1.2)
            if name == "enqueue"
            else Figure(f"{label}: items read per due", read, "items"),
            Figure(f"{label}: items written per due", round(tick.per_due("written"), 2), "items"),
            Figure(f"{label}: items read with none due", tick.idle.read, "items"),
            at_most(
                f"{name} tick items read, {POPULATIONS[-1] // 1000}k vs "
                f"{POPULATIONS[0] // 1000}k contacts",
                round(tick.busy.read / small[name].busy.read, 3),
                "×",
                1.05,
            ),
        ]
    return figures


if __name__ == "__main__":
    main()
