"""The cost benchmark bills writes as DynamoDB does: 1 KB units, indexes by projection."""

from __future__ import annotations

import pytest

from benchmarks import prices
from benchmarks.cost import Bill, Index, Meter, MeteredFunctions, Table, bill_broadcaster, cost
from infra.batching import BROADCASTER, STATS, StreamBatching


def meter() -> Meter:
    found = Meter(Bill())
    found.tables["t"] = Table(
        "t",
        ("id",),
        (
            Index("by_phase", ("phase", "wake"), "KEYS_ONLY", ()),
            Index("whole", ("day",), "ALL", ()),
        ),
        stream=True,
    )
    return found


def item(phase: str | None, body: str) -> dict[str, dict[str, str]]:
    found = {"id": {"S": "fu_1"}, "day": {"S": "2026-11-24"}, "body": {"S": body}}
    if phase:
        found |= {"phase": {"S": phase}, "wake": {"S": "2026-11-24T02:00"}}
    return found


def writes(bill: Bill) -> dict[str, float]:
    return {detail: n for (kind, _, detail), n in bill.units.items() if kind == "dynamodb write"}


def test_an_unchanged_keys_only_entry_is_not_written_again() -> None:
    billed = meter()
    billed._item_written("t", item("sent", "a" * 100), item("sent", "b" * 100), 1)
    assert writes(billed.bill) == {"table": 1, "whole": 1}


def test_a_moved_index_key_is_a_delete_and_a_put() -> None:
    billed = meter()
    billed._item_written("t", item("queued", "a"), item("sent", "a"), 1)
    assert writes(billed.bill) == {"table": 1, "by_phase": 2, "whole": 1}


def test_items_round_up_to_one_kilobyte_and_transactions_count_twice() -> None:
    billed = meter()
    billed._item_written("t", None, item(None, "x" * 1500), 2)
    assert writes(billed.bill) == {"table": 4, "whole": 2}
    assert billed.bill.units[("dynamodb stream record", "t", "stream")] == 1


def test_a_webhook_delivery_costs_its_lambda_call_and_nothing_for_its_function_url() -> None:
    bill = Bill()
    MeteredFunctions.bill_call(bill, "webhook", {"body": "{}"})
    lambda_call = prices.LAMBDA_REQUEST + prices.LAMBDA_GB_SECOND * prices.LAMBDA_MEMORY_GB * (
        prices.BILLED_MS["webhook"] / 1000
    )
    assert sum(cost(bill).values()) == pytest.approx(lambda_call)


def test_a_stats_invocation_is_billed_longer_the_more_records_it_counts() -> None:
    bill = Bill()
    MeteredFunctions.bill_call(bill, "stats", {"Records": [{}] * 600})
    seconds = (prices.BILLED_MS["stats"] + 600 * prices.STATS_BILLED_MS_PER_RECORD) / 1000
    assert bill.units[("lambda request", "stats", "invocations")] == 1
    assert bill.units[("lambda GB-s", "stats", "duration")] == pytest.approx(
        seconds * prices.LAMBDA_MEMORY_GB
    )


def test_a_triggers_batch_is_its_window_of_records_at_the_pace_within_its_size() -> None:
    batching = StreamBatching(size=1_000, window_seconds=60)
    assert batching.records_per_invocation(10) == 600
    assert batching.records_per_invocation(50) == 1_000
    assert batching.records_per_invocation(0.001) == 1
    # the cost benchmark's pace, through the stack's own batching
    assert STATS.records_per_invocation(prices.STREAM_RECORDS_PER_SECOND) == 600
    assert BROADCASTER.records_per_invocation(prices.STREAM_RECORDS_PER_SECOND) == 10


def test_the_broadcaster_is_billed_its_pushes_and_its_connection_scans_per_invocation() -> None:
    bill = Bill()
    bill_broadcaster(bill, records=70)
    # ten records a second over a 1 s window: seven invocations
    assert bill.units[("lambda request", "broadcaster", "invocations")] == 7
    # each scans the connections (one eventually consistent read) and pushes one frame
    # (ten changes, at most 25 a frame) to each open admin app
    assert bill.units[("dynamodb read", "connections", "table")] == 7 * 0.5
    assert bill.units[("websocket message", "broadcaster", "pushes")] == 7 * (
        prices.LIVE_CONNECTIONS
    )
    assert cost(bill)[("websocket message", "broadcaster", "pushes")] == pytest.approx(
        7 * prices.LIVE_CONNECTIONS * prices.WEBSOCKET_MESSAGE
    )
