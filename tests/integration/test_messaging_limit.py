"""The portfolio's messaging limit on DynamoDB: the tier announced by WhatsApp's
`business_capability_update` webhook, and senders racing for the last place."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest

from benchmarks.cost import KB, Bill, Meter, metered_engine
from followup.adapters.dynamo_pacing import DynamoPacing
from followup.adapters.tables import PacingItem
from followup.domain.followup import Status
from followup.domain.messaging_limit import (
    BUCKET,
    DEFERRED,
    REACH_WINDOW,
    MessagingLimit,
    bucket_of,
    bucket_start,
    counted,
)
from followup.services.manual import send_now
from followup.services.messaging_limit import room, usage
from followup_local.engine import REGION, LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule
from tests.support.limits import admit
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


@pytest.fixture
def metered() -> Iterator[tuple[LocalEngine, Meter]]:
    with metered_engine(Bill()) as running:
        yield running


def _pacing_units(meter: Meter, step: Callable[[], object]) -> tuple[float, float]:
    """Write and read units billed to the pacing table while `step` runs."""
    before = dict(meter.bill.units)
    meter.on = True
    try:
        step()
    finally:
        meter.on = False

    def moved(kind: str) -> float:
        return sum(
            n - before.get(line, 0)
            for line, n in meter.bill.units.items()
            if line[0] == kind and line[1] == "pacing"
        )

    return moved("dynamodb write"), moved("dynamodb read")


def _pacing_items() -> dict[str, dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name=REGION).Table(PacingItem.Meta.table_name)
    return {str(item["key"]): item for item in table.scan()["Items"]}


def _hours_held(portfolio: str = "default") -> list[int]:
    """The hours the portfolio's count holds, as stored."""
    item = _pacing_items()[f"reached#{portfolio}"]
    return sorted(int(name[2:]) for name in item if name.startswith("c_"))


def test_a_user_reached_outside_their_window_costs_one_pacing_write_a_day_and_no_read(
    metered: tuple[LocalEngine, Meter],
) -> None:
    # Given two rules, and a portfolio that has counted a user already
    engine, meter = metered
    engine.deps.rules.save_rule(rule())
    engine.deps.rules.save_rule(rule("pay-remind"))
    assert _send(engine, "6281100001520") is Status.SENT

    # When a new lead is followed up: one write to the pacing table, no read of it
    first = _pacing_units(meter, lambda: _send(engine, "6281100001521"))
    # And again two hours later, by the other rule: nothing, the lead was reached today
    engine.clock.advance(timedelta(hours=2))
    again = _pacing_units(meter, lambda: _send(engine, "6281100001521", "pay-remind"))

    # Then the lead counted once, in the portfolio's one count, no marker of the lead kept
    assert (first, again) == ((1, 0), (0, 0))
    _, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert listed["messaging_limit"]["reached"] == 2
    assert [key for key in _pacing_items() if "#to#" in key] == []


def test_hours_leave_the_count_on_time_and_the_item_keeps_only_the_last_day(
    engine: LocalEngine,
) -> None:
    # Given a user counted now, and one 24 h 59 min later, in the next hour but one
    _others_reached(engine, 1)
    counted_at = bucket_of(engine.clock.now())
    engine.clock.advance(REACH_WINDOW + timedelta(minutes=59))
    _others_reached(engine, 1)
    _, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert listed["messaging_limit"]["reached"] == 2  # the first hour still counts

    # When another is counted a minute later, 25 h after the first
    engine.clock.advance(timedelta(minutes=1))
    _others_reached(engine, 1)

    # Then the first hour no longer counts, though the item keeps it one hour more (for a
    # sender whose clock runs a little behind); an hour on, it is gone
    _, listed = call(engine, "GET", "/api/numbers", role="counselor")
    assert listed["messaging_limit"]["reached"] == 2
    assert _hours_held() == [counted_at, counted_at + 24, counted_at + 25]
    engine.clock.advance(BUCKET)
    _others_reached(engine, 1)
    assert _hours_held() == [counted_at + 24, counted_at + 25, counted_at + 26]

    # And after three quiet days the next user finds an item holding only their hour, kept
    # by TTL for the quiet month after it
    engine.clock.advance(timedelta(days=3))
    _others_reached(engine, 1)
    assert _hours_held() == [bucket_of(engine.clock.now())]
    expires = int(_pacing_items()["reached#default"]["expires_at"])
    assert expires >= (engine.clock.now() + timedelta(days=30)).timestamp()


def test_the_portfolios_count_stays_one_write_unit_at_its_largest(
    metered: tuple[LocalEngine, Meter],
) -> None:
    # Given a portfolio of the longest name on the top tier, its allowance spread over every
    # hour of the last day (counted by the earlier release's hourly counters, carried over)
    engine, meter = metered
    limit = MessagingLimit(portfolio="p" * 64, tier=100_000)
    now = engine.clock.now()
    for hour in counted(now):
        expires = bucket_start(hour) + BUCKET + REACH_WINDOW
        DynamoPacing().reserve(f"portfolio#{limit.portfolio}#{hour}", 3_459, expires)
    assert admit(DynamoPacing(), limit, now) is None

    # When a new user is counted in the next hour, and another after three quiet days
    engine.clock.advance(BUCKET)
    next_hour = _pacing_units(meter, lambda: admit(DynamoPacing(), limit, engine.clock.now()))
    engine.clock.advance(timedelta(days=3))
    after_quiet_days = _pacing_units(
        meter, lambda: admit(DynamoPacing(), limit, engine.clock.now())
    )

    # Then each is one write unit, the item well under a kilobyte; the first write after the
    # quiet days is followed by one that drops the hours it found outside the window
    assert (next_hour, after_quiet_days) == ((1, 0), (2, 0))
    assert meter.bill.largest["pacing"] < KB
    assert _hours_held(limit.portfolio) == [bucket_of(engine.clock.now())]


def test_users_counted_by_hourly_counters_before_an_upgrade_still_count(
    engine: LocalEngine,
) -> None:
    # Given the earlier release's hourly counters: 200 users 20 hours ago, 24 this hour
    engine.deps.rules.save_rule(rule())
    store, now = DynamoPacing(), engine.clock.now()
    into_hour = now - bucket_start(bucket_of(now))
    for hours_ago, users in ((20, 200), (0, 24)):
        hour = bucket_of(now) - hours_ago
        store.reserve(f"portfolio#default#{hour}", users, bucket_start(hour) + timedelta(days=1))

    # Then the preview and the numbers list count them before anyone new is reached
    freed = bucket_start(bucket_of(now) - 19) + REACH_WINDOW + into_hour
    assert room(engine.deps, now) == (1, freed)
    assert usage(engine.deps, now)["reached"] == ALLOWANCE - 1

    # When two new leads are followed up: the first takes the last place, the other waits
    assert _send(engine, "6281100001530") is Status.SENT
    assert _send(engine, "6281100001531") is Status.QUEUED

    # And once the hour 20 hours ago has left the window, its 200 places are free again,
    # the earlier counters read no more
    engine.clock.advance(timedelta(hours=5))
    assert usage(engine.deps, engine.clock.now())["reached"] == 25
    assert room(engine.deps, engine.clock.now()) == (
        ALLOWANCE - 25,
        bucket_start(bucket_of(now)) + BUCKET + REACH_WINDOW + into_hour,
    )
