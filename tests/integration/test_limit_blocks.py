"""Places in the messaging limit taken in blocks, on DynamoDB (moto): the sender's batch
updates the portfolio's count item once or twice, and racing sender processes at the edge
of the allowance never pass it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from followup.adapters import tables
from followup.adapters.dynamo_pacing import DynamoPacing
from followup.domain.followup import Status
from followup.services.limit_places import Places
from followup.services.manual import send_now
from followup.services.messaging_limit import usage
from followup_local.engine import LocalEngine
from tests.support.builders import quiet_contact, rule
from tests.support.limits import admit

ALLOWANCE = 225
"""The first tier (250 users) less its 10 % headroom."""
COUNT = "reached#default"


@contextmanager
def count_updates() -> Iterator[list[str]]:
    """The UpdateItem requests for the portfolio's count item while inside."""
    client = tables.client()
    seen: list[str] = []

    def request(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "UpdateItem" and params["Key"]["key"]["S"] == COUNT:
            seen.append(params["UpdateExpression"])

    client.meta.events.register("provide-client-params.dynamodb", request)
    try:
        yield seen
    finally:
        client.meta.events.unregister("provide-client-params.dynamodb", request)


def test_the_senders_batch_of_ten_new_users_updates_the_count_at_most_twice(
    engine: LocalEngine,
) -> None:
    # Given ten quiet leads queued together, and a count past its one-time carry
    deps = engine.deps
    deps.rules.save_rule(rule())
    DynamoPacing().carry(COUNT, {}, engine.clock.now() + timedelta(days=30))
    queued = [
        send_now(
            deps,
            quiet_contact(deps, f"62811000180{n:02d}", engine.clock.now() - timedelta(hours=30)).id,
            "apply-remind-24h",
        )
        for n in range(10)
    ]

    # When the sender handler takes them in one SQS batch
    with count_updates() as updates:
        assert engine.drain()["batches"] == 1

    # Then all ten went, ten users counted, in at most two updates of the count item
    sent = [deps.followups.followup(f.id) for f in queued]
    assert [f.status if f else None for f in sent] == [Status.SENT] * 10
    assert usage(deps, engine.clock.now())["reached"] == 10
    assert 1 <= len(updates) <= 2


def test_sender_processes_racing_for_blocks_at_the_edge_never_pass_the_allowance(
    engine: LocalEngine,
) -> None:
    # Given a portfolio with room for five more users
    limit = engine.deps.catalog.settings().messaging_limit
    now = engine.clock.now()
    for _ in range(ALLOWANCE - 5):
        assert admit(DynamoPacing(), limit, now) is None
    processes = [Places(engine.clock) for _ in range(3)]
    for places in processes:
        places.begin(10)
    start = threading.Barrier(30)
    answers: list[datetime | None] = []
    lock = threading.Lock()

    # When three sender processes, ten sends each, all ask DynamoDB for a place at once
    def ask(places: Places) -> None:
        start.wait()
        answer = places.take(DynamoPacing(), limit, now)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=ask, args=(p,)) for p in processes for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for places in processes:
        places.end()

    # Then five sends got a place, the rest were deferred, and the count is the allowance
    assert answers.count(None) == 5
    assert usage(engine.deps, now)["reached"] == ALLOWANCE
