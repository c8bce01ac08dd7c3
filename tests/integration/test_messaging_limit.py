"""The portfolio's messaging limit on DynamoDB: the tier announced by WhatsApp's
`business_capability_update` webhook, and senders racing for the last place."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import boto3

from followup.adapters.dynamo_pacing import DynamoPacing
from followup.adapters.tables import PacingItem
from followup.domain.followup import Status
from followup.domain.messaging_limit import DEFERRED
from followup.services.manual import send_now
from followup.services.messaging_limit import admit
from followup_local.engine import REGION, LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.webhook import payload, post

ALLOWANCE = 225
"""The first tier (250 users) less its 10 % headroom."""


def _others_reached(engine: LocalEngine, count: int) -> None:
    limit = engine.deps.catalog.settings().messaging_limit
    for _ in range(count):
        assert admit(DynamoPacing(), limit, engine.clock.now()) is None


def _send(engine: LocalEngine, wa_id: str, rule_id: str = "apply-remind-24h") -> Status:
    deps = engine.deps
    known = deps.contacts.contact_by_wa_id(wa_id)
    if known is None:
        lead = quiet_contact(deps, wa_id, engine.clock.now() - timedelta(hours=30))
    else:
        lead = known.item
    followup = send_now(deps, lead.id, rule_id)
    engine.drain()
    found = deps.followups.followup(followup.id)
    assert found is not None
    if found.status is Status.QUEUED:
        assert found.reason == DEFERRED
    return found.status


def test_a_raised_tier_from_the_webhook_gives_room_to_the_next_sends(
    engine: LocalEngine,
) -> None:
    # Given a portfolio at its first tier's allowance, a follow-up deferred
    engine.deps.rules.save_rule(rule())
    _others_reached(engine, ALLOWANCE)
    assert _send(engine, "6281100001511") is Status.QUEUED

    # When WhatsApp announces the 2,000 tier
    assert post(engine, payload("business-capability-update.json"))["statusCode"] == 200

    # Then the settings say so and the next quiet lead is followed up at once
    assert engine.deps.rules.settings().messaging_limit.tier == 2000
    engine.deps.start_cold()
    assert _send(engine, "6281100001512") is Status.SENT


def test_an_unlimited_tier_lifts_the_limit(engine: LocalEngine) -> None:
    engine.deps.rules.save_rule(rule())
    _others_reached(engine, ALLOWANCE)
    document = payload("business-capability-update.json")
    value = document["entry"][0]["changes"][0]["value"]
    value["max_daily_conversations_per_business"] = "TIER_UNLIMITED"
    assert post(engine, document)["statusCode"] == 200
    engine.deps.start_cold()
    assert engine.deps.rules.settings().messaging_limit.tier is None
    assert _send(engine, "6281100001513") is Status.SENT


def test_two_senders_racing_for_the_last_place_never_pass_the_limit(
    engine: LocalEngine,
) -> None:
    # Given a portfolio one user short of its allowance
    _others_reached(engine, ALLOWANCE - 1)
    limit = engine.deps.catalog.settings().messaging_limit
    now = engine.clock.now()
    start = threading.Barrier(4)
    answers: dict[str, object] = {}

    # When four senders, each with its own user, ask for it at once
    def ask(user: str) -> None:
        start.wait()
        answers[user] = admit(DynamoPacing(), limit, now)

    threads = [threading.Thread(target=ask, args=(f"6281100001{n:03d}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one is let through, the others are deferred
    assert sorted(answer is None for answer in answers.values()) == [False, False, False, True]
    # And the count stands at the allowance: nobody new gets in afterwards
    assert admit(DynamoPacing(), limit, now) is not None


def test_the_numbers_list_shows_the_portfolios_use_of_its_limit(engine: LocalEngine) -> None:
    # Given a portfolio that reached 39 users outside their window, then two more
    engine.deps.rules.save_rule(rule())
    _others_reached(engine, 39)
    assert _send(engine, "6281100001514") is Status.SENT
    assert _send(engine, "6281100001515") is Status.SENT

    # When anyone signed in lists the numbers
    status, listed = call(engine, "GET", "/api/numbers", role="counselor")

    # Then the use of the limit is shown against the tier and its allowance
    assert status == 200
    assert listed["messaging_limit"] == {
        "portfolio": "default",
        "tier": 250,
        "allowance": ALLOWANCE,
        "reached": 41,
    }


def test_a_tier_raised_in_the_settings_sends_the_deferred_at_the_next_dispatch_tick(
    engine: LocalEngine,
) -> None:
    # Given a portfolio at its allowance, a follow-up deferred for a day
    engine.deps.rules.save_rule(rule())
    _others_reached(engine, ALLOWANCE)
    assert _send(engine, "6281100001516") is Status.QUEUED

    # When an admin raises the tier to 2,000 in the settings
    _, settings = call(engine, "GET", "/api/settings", role="admin")
    settings["messaging_limit"]["tier"] = 2000
    assert call(engine, "PUT", "/api/settings", settings, role="admin")[0] == 200

    # Then the next dispatch tick hands it to the sender, and it goes out
    assert engine.scheduled("dispatch")["released"] == 1
    engine.drain()
    assert [r.body["to"] for r in engine.sandbox.sent() if r.body] == ["6281100001516"]


_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


class _PacingWrites:
    """Counts the write requests made to the pacing table."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name not in _WRITES:
            return
        tables = [params.get("TableName")]
        tables += list(params.get("RequestItems", {}))
        tables += [
            next(iter(item.values())).get("TableName") for item in params.get("TransactItems", [])
        ]
        self.count += PacingItem.Meta.table_name in tables


@contextmanager
def _pacing_writes() -> Iterator[_PacingWrites]:
    writes = _PacingWrites()
    events = PacingItem._get_connection().connection.client.meta.events
    events.register("before-parameter-build.dynamodb", writes)
    try:
        yield writes
    finally:
        events.unregister("before-parameter-build.dynamodb", writes)


def _pacing_keys() -> list[str]:
    table = boto3.resource("dynamodb", region_name=REGION).Table(PacingItem.Meta.table_name)
    return [str(item["key"]) for item in table.scan()["Items"]]


def test_a_user_reached_outside_their_window_costs_one_pacing_write_a_day(
    engine: LocalEngine,
) -> None:
    # Given two rules and a lead whose window closed 6 hours ago
    engine.deps.rules.save_rule(rule())
    engine.deps.rules.save_rule(rule("pay-remind"))

    # When the lead is followed up: one write to the pacing table, the hour's counter
    with _pacing_writes() as first:
        assert _send(engine, "6281100001521") is Status.SENT
    # And again two hours later, by the other rule: no write, the lead was reached today
    engine.clock.advance(timedelta(hours=2))
    with _pacing_writes() as again:
        assert _send(engine, "6281100001521", "pay-remind") is Status.SENT

    # Then the lead counted once, with one counter write and no marker of the lead kept
    assert (first.count, again.count) == (1, 0)
    _, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert listed["messaging_limit"]["reached"] == 1
    assert [key for key in _pacing_keys() if "#to#" in key] == []
