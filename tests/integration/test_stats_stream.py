"""Follow-up counters come from the follow-up stream, each record counted exactly once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from followup.adapters.followup_stream import DynamoLedger, changes
from followup.services.stats_stream import Counters, StreamRecord, apply, bumps_of
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.contract.items import T0, followup
from tests.support.builders import quiet_contact, rule

KEPT = datetime(2100, 1, 1, tzinfo=UTC)
ENROLLMENTS = {"entered": 3, "completed": 3}
"""Counted with the enrollments they move, in their commits (a one-step rule)."""


def sent_and_delivered(engine: LocalEngine, leads: int = 3) -> list[dict[str, Any]]:
    """Follow-ups queued, sent and delivered, with the stream left unread: its records."""
    engine.pump_each_step = False
    engine.deps.rules.save_rule(rule())
    now = engine.clock.now()
    for n in range(leads):
        quiet_contact(engine.deps, f"62811000090{n}", now - timedelta(hours=25))
    engine.tick()
    at = engine.clock.advance(timedelta(seconds=30))
    for sent in engine.sandbox.sent():
        wamid, to = sent.wamid or "", (sent.body or {}).get("to", "")
        assert engine.deliver(envelopes.status(wamid, "delivered", at, to, None)) == 200
    engine.streams["enrollments"].pump(lambda batch: stats_of(engine, batch))
    records: list[dict[str, Any]] = []
    engine.streams["followups"].pump(records.extend)
    return records


def day_counts(engine: LocalEngine) -> dict[str, int]:
    [row] = engine.deps.stats.stats(engine.clock.now().date(), engine.clock.now().date())
    return row.counts


def stats_of(engine: LocalEngine, records: list[dict[str, Any]]) -> Any:
    return engine.invoke("stats", {"Records": records})


def test_each_status_change_is_counted_on_its_day_from_the_stream(engine: LocalEngine) -> None:
    records = sent_and_delivered(engine)
    assert day_counts(engine) == ENROLLMENTS
    assert stats_of(engine, records) == {"counted": 9}
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}


def test_a_batch_delivered_again_after_it_was_counted_counts_nothing(engine: LocalEngine) -> None:
    records = sent_and_delivered(engine)
    stats_of(engine, records)
    # Lambda retries a batch whose invocation wrote, then crashed or timed out
    assert stats_of(engine, records) == {"counted": 0}
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}


def test_a_retry_with_more_records_counts_only_the_new_ones(engine: LocalEngine) -> None:
    records = sent_and_delivered(engine)
    first = records[: len(records) // 2]
    assert stats_of(engine, first)["counted"] == counted_in(first) > 0
    # The retry starts at the same record and runs on past where the first run stopped
    assert stats_of(engine, records)["counted"] == 9 - counted_in(first)
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}


def counted_in(records: list[dict[str, Any]]) -> int:
    return sum(1 for record in changes({"Records": records}) if bumps_of(record))


class Racing(DynamoLedger):
    """Two runs that both read the checkpoint before either writes."""

    def __init__(self, together: threading.Barrier) -> None:
        super().__init__(KEPT)
        self._together = together
        self.refused = 0

    def applied(self, batch: str) -> str | None:
        found = super().applied(batch)
        if found is None:
            self._together.wait(timeout=10)
        return found

    def add(self, batch: str, previous: str | None, last: str, counters: Counters) -> bool:
        written = super().add(batch, previous, last, counters)
        self.refused += not written
        return written


def test_two_runs_of_the_same_batch_at_once_count_it_once(engine: LocalEngine) -> None:
    found = changes({"Records": sent_and_delivered(engine)})
    together = threading.Barrier(2)
    ledgers = [Racing(together), Racing(together)]
    counted: list[int] = []
    runs = [
        threading.Thread(target=lambda ledger=ledger: counted.append(apply(found, ledger)))
        for ledger in ledgers
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert sorted(counted) == [0, 9]
    assert sum(ledger.refused for ledger in ledgers) == 1
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}


def test_a_change_committed_before_midnight_counts_on_its_day_however_late_it_is_read(
    engine: LocalEngine,
) -> None:
    engine.pump_each_step = False
    engine.deps.rules.save_rule(rule())
    engine.clock.advance(timedelta(hours=21, minutes=59))  # Tuesday 23:59 UTC
    committed = engine.clock.now().date()
    quiet_contact(engine.deps, "6281100000950", engine.clock.now() - timedelta(hours=25))
    engine.scheduled("enqueue")
    engine.clock.advance(timedelta(minutes=5))  # its record is read on Wednesday
    engine.pump_stream()
    rows = engine.deps.stats.stats(committed, committed + timedelta(days=1))
    assert [(row.day, row.counts.get("queued")) for row in rows] == [(committed, 1)]


class Counting(DynamoLedger):
    """The ledger on DynamoDB, counting its transactions."""

    def __init__(self) -> None:
        super().__init__(KEPT)
        self.writes: list[str] = []

    def add(self, batch: str, previous: str | None, last: str, counters: Counters) -> bool:
        written = super().add(batch, previous, last, counters)
        self.writes += [last] if written else []
        return written


def test_a_batch_moving_more_items_than_a_transaction_holds_is_counted_once_in_parts(
    engine: LocalEngine,
) -> None:
    # 60 rules' follow-ups: a day item and a step item each, 120 in all
    records = [
        StreamRecord(str(1000 + n), None, followup(f"fu_{n}", rule_id=f"r{n:02d}"), "2026-11-24")
        for n in range(60)
    ]
    # A first run wrote its first part (49 records, 98 items), then crashed
    assert apply(records[:49], Counting()) == 49
    # The retry counts the rest in one part; replayed again, it counts nothing
    ledger = Counting()
    assert apply(records, ledger) == 11
    assert ledger.writes == [records[-1].sequence]
    assert apply(records, Counting()) == 0
    # Whole, the batch is two parts
    again = [replace(record, sequence=str(2000 + n)) for n, record in enumerate(records)]
    parts = Counting()
    assert apply(again, parts) == 60
    assert parts.writes == ["2048", "2059"]
    day = T0.date()
    counted = [
        engine.deps.stats.journey_stats(f"r{n:02d}", day, day).days[0].counts for n in range(60)
    ]
    assert counted == [{"queued": 2}] * 60
