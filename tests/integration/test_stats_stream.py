"""Follow-up counters come from the follow-up stream, each record counted exactly once."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from followup.adapters import tables
from followup.adapters.followup_stream import DynamoLedger, changes
from followup.adapters.tables import StatsItem
from followup.domain.costs import rate_card
from followup.services.monitoring import step_key
from followup.services.stats import MICRO
from followup.services.stats_stream import Counters, StreamRecord, apply, bumps_of
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.contract.items import T0, followup
from tests.support.builders import quiet_contact, rule

KEPT = datetime(2100, 1, 1, tzinfo=UTC)
ENROLLMENTS = {"entered": 3}
"""Counted with the enrollments they move, in their commits. Their completion (a one-step
rule) follows from the follow-up stream: the stats function moves them on as it takes the
sends, and counts that from the enrollment stream in a later batch."""
COUNTED = 12
"""Three follow-ups planned, claimed, sent and delivered: the claims move only the status
gauges."""


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


def statuses_now(engine: LocalEngine) -> dict[str, int]:
    today = engine.clock.now().date()
    return engine.deps.stats.statuses_now(today, today, None)


def stats_of(engine: LocalEngine, records: list[dict[str, Any]]) -> Any:
    return engine.invoke("stats", {"Records": records})


def test_each_status_change_is_counted_on_its_day_from_the_stream(engine: LocalEngine) -> None:
    records = sent_and_delivered(engine)
    assert day_counts(engine) == ENROLLMENTS
    assert stats_of(engine, records) == {"settled": 3, "counted": COUNTED}
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}
    assert statuses_now(engine) == {"delivered": 3}
    engine.streams["enrollments"].pump(lambda batch: stats_of(engine, batch))
    assert day_counts(engine)["completed"] == 3


def test_a_batch_delivered_again_after_it_was_counted_counts_nothing(engine: LocalEngine) -> None:
    records = sent_and_delivered(engine)
    stats_of(engine, records)
    # Lambda retries a batch whose invocation wrote, then crashed or timed out
    assert stats_of(engine, records) == {"settled": 0, "counted": 0}
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}
    assert statuses_now(engine) == {"delivered": 3}


def test_a_retry_with_more_records_counts_only_the_new_ones(engine: LocalEngine) -> None:
    records = sent_and_delivered(engine)
    first = records[: len(records) // 2]
    assert stats_of(engine, first)["counted"] == counted_in(first) > 0
    # The retry starts at the same record and runs on past where the first run stopped
    assert stats_of(engine, records)["counted"] == COUNTED - counted_in(first)
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}
    assert statuses_now(engine) == {"delivered": 3}


def counted_in(records: list[dict[str, Any]]) -> int:
    return sum(1 for record in changes({"Records": records}) if bumps_of(record))


def test_an_sms_batch_delivered_again_counts_its_cost_once(engine: LocalEngine) -> None:
    # Given a step that goes by SMS, sent to a lead, with the stream left unread
    engine.pump_each_step = False
    step = {"wait": {"amount": 0, "unit": "minutes"}, "channel": "sms", "text": "Still keen?"}
    engine.deps.rules.save_rule(rule(steps=[step]))
    quiet_contact(engine.deps, "6281100000907", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    records: list[dict[str, Any]] = []
    engine.streams["followups"].pump(records.extend)
    # When the stats function counts its records, and Lambda then delivers them again
    stats_of(engine, records)
    assert stats_of(engine, records) == {"settled": 0, "counted": 0}
    # Then the day counts the send and one SMS to Indonesia, once
    counts = day_counts(engine)
    assert counts["sent"] == 1
    per_part = rate_card().sms_rate("indonesia")
    assert counts["messaging_cost_micro_usd"] == round(per_part * MICRO)


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
    assert sorted(counted) == [0, COUNTED]
    assert sum(ledger.refused for ledger in ledgers) == 1
    assert day_counts(engine) == {**ENROLLMENTS, "queued": 3, "sent": 3, "delivered": 3}
    assert statuses_now(engine) == {"delivered": 3}


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


class Writes(DynamoLedger):
    """The ledger on DynamoDB, keeping the stats items each transaction moved."""

    def __init__(self) -> None:
        super().__init__(KEPT)
        self.items: list[list[tuple[str, str]]] = []

    def add(self, batch: str, previous: str | None, last: str, counters: Counters) -> bool:
        written = super().add(batch, previous, last, counters)
        self.items += [list(counters)] if written else []
        return written


DAY_1, DAY_2 = T0.date(), T0.date() + timedelta(days=1)
KEYS = ("rule_id", "day")


def queued(sequence: int, rule_id: str, day: date) -> StreamRecord:
    """A follow-up of `rule_id` (step 0 of version 1) queued on `day`."""
    return StreamRecord(
        str(sequence), None, followup(f"fu_{sequence}", rule_id=rule_id), day.isoformat()
    )


def queued_by_day(engine: LocalEngine, rule_id: str) -> dict[date, tuple[int, int]]:
    """Per day: (queued on the rule's day item, queued on its step's day item)."""
    found = engine.deps.stats.journey_stats(rule_id, DAY_1, DAY_2)
    steps = {step.day: step.counts.get("queued", 0) for step in found.steps}
    return {row.day: (row.counts.get("queued", 0), steps.get(row.day, 0)) for row in found.days}


def test_a_batch_spanning_two_days_and_two_rules_writes_each_stats_item_once(
    engine: LocalEngine,
) -> None:
    # Given one batch: two rules' follow-ups, queued either side of midnight, interleaved
    plan = [("ra", DAY_1), ("rb", DAY_1), ("ra", DAY_1), ("ra", DAY_2), ("rb", DAY_2)]
    plan += [("ra", DAY_2), ("rb", DAY_1), ("ra", DAY_2)]
    records = [queued(3000 + n, rule_id, day) for n, (rule_id, day) in enumerate(plan)]
    ledger = Writes()
    # When it is counted
    assert apply(records, ledger) == 8
    # Then one transaction moves each of the 8 items (2 rules x 2 days x rule day and step
    # day) once, however many records add to it
    [moved] = ledger.items
    expected = {
        (rule_id, key)
        for rule_id in ("ra", "rb")
        for day in (DAY_1, DAY_2)
        for key in (day.isoformat(), step_key(day.isoformat(), 1, 0))
    }
    assert sorted(moved) == sorted(expected)
    # And each record counts on its own rule and day
    assert queued_by_day(engine, "ra") == {DAY_1: (2, 2), DAY_2: (3, 3)}
    assert queued_by_day(engine, "rb") == {DAY_1: (2, 2), DAY_2: (1, 1)}
    # And the batch delivered again writes nothing
    again = Writes()
    assert apply(records, again) == 0
    assert again.items == []
    assert queued_by_day(engine, "ra") == {DAY_1: (2, 2), DAY_2: (3, 3)}


def test_a_batch_that_failed_part_way_counts_each_record_once_when_retried_bigger(
    engine: LocalEngine,
) -> None:
    # Given a batch of 60 rules' follow-ups on two days: 240 stats items, three transactions
    records = [queued(4000 + n, f"r{n:02d}", DAY_1) for n in range(60)]
    records += [queued(4060 + n, f"r{n:02d}", DAY_2) for n in range(60)]
    # And an item of its second part that DynamoDB refuses to add to
    refused = {"rule_id": {"S": "r10"}, "day": {"S": DAY_2.isoformat()}, "queued": {"S": "x"}}
    client = tables.client()
    client.put_item(TableName=StatsItem.Meta.table_name, Item=refused)
    # When its first run writes the first part and fails on the second
    first = Writes()
    with pytest.raises(TransactWriteError):
        apply(records, first)
    assert len(first.items) == 1
    client.delete_item(TableName=StatsItem.Meta.table_name, Key={k: refused[k] for k in KEYS})
    # And Lambda retries it from its first record, with records written since after it
    records += [queued(4120 + n, f"r{n:02d}", DAY_2) for n in range(5)]
    retry = Writes()
    # Then the retry counts what the first run did not, each item once per transaction
    assert apply(records, retry) == 125 - 49
    for moved in retry.items:
        assert len(moved) == len(set(moved))
    # And every rule has each of its follow-ups once, on its day
    for n in range(60):
        assert queued_by_day(engine, f"r{n:02d}") == {
            DAY_1: (1, 1),
            DAY_2: (2, 2) if n < 5 else (1, 1),
        }
    # And delivered once more, the batch counts nothing
    assert apply(records, Writes()) == 0
    assert queued_by_day(engine, "r00") == {DAY_1: (1, 1), DAY_2: (2, 2)}
