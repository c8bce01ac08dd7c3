"""The cost benchmark bills writes as DynamoDB does: 1 KB units, indexes by projection."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from benchmarks import prices
from benchmarks.cost import Bill, Index, Meter, MeteredFunctions, Table, bill_broadcaster, cost
from followup.adapters import followup_doc
from followup.domain.followup import RenderedMessage, Status
from infra.batching import BROADCASTER, STATS, StreamBatching
from tests.contract.items import T0, followup


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


def test_each_send_in_a_stats_batch_adds_its_bookkeeping_to_the_invocation() -> None:
    # Given a batch of one follow-up sent and one only queued
    queued = followup("fu_1", status=Status.QUEUED)
    sending = followup("fu_2", status=Status.SENDING)
    message = RenderedMessage(kind="text", text="Hi")
    sent = sending.sent(T0, "wamid.1", message, timedelta(hours=72))

    def record(new: Any, old: Status | None) -> dict[str, Any]:
        image = {"doc": {"S": followup_doc.dump(new, standalone=True)}}
        change: dict[str, Any] = {"SequenceNumber": "1", "NewImage": image}
        if old is not None:
            change["OldImage"] = {"status": {"S": old.value}}
        return {"eventName": "MODIFY" if old else "INSERT", "dynamodb": change}

    bill = Bill()
    # When the stats function takes it
    MeteredFunctions.bill_call(
        bill, "stats", {"Records": [record(queued, None), record(sent, Status.SENDING)]}
    )
    # Then it is billed its two records and the one send's bookkeeping
    extra = 2 * prices.STATS_BILLED_MS_PER_RECORD + prices.STATS_BILLED_MS_PER_SEND
    seconds = (prices.BILLED_MS["stats"] + extra) / 1000
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


def reads(bill: Bill) -> float:
    return sum(n for (kind, _, _), n in bill.units.items() if kind == "dynamodb read")


def test_a_batch_get_bills_every_key_asked_for_found_or_not() -> None:
    """DynamoDB reads each key of a BatchGetItem as one GetItem: a missing item still costs
    a read, 1 unit strongly consistent, half eventually."""
    billed = meter()
    asked = {"Keys": [{"id": {"S": f"fu_{n}"}} for n in range(25)], "ConsistentRead": True}
    found = {"Responses": {"t": [item("sent", "a" * 100)]}}
    billed._reads("BatchGetItem", {"RequestItems": {"t": asked}}, found)
    assert reads(billed.bill) == 25
    eventually = meter()
    eventually._reads(
        "BatchGetItem", {"RequestItems": {"t": {**asked, "ConsistentRead": False}}}, found
    )
    assert reads(eventually.bill) == 12.5
