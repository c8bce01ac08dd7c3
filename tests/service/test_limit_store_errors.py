"""The messaging limit when the sender's reads or the pacing table let it down: a cached
tier, a throttled count, a failed give-back; what the user sees stays true."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from followup.adapters.memory_pacing import MemoryPacing
from followup.adapters.whatsapp_webhook import parse
from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import DEFERRED
from followup.services import webhook
from followup.services.limit_places import Places
from followup.services.manual import send_now
from followup.services.messaging_limit import usage, warm_up_left
from followup.services.ports import Tally
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.limits import admit, warming
from tests.support.webhook import payload

ALLOWANCE = 225
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)


def _others_reached(engine: MemoryEngine, count: int) -> None:
    deps = engine.deps
    assert deps.reach is not None
    limit = deps.rules.settings().messaging_limit
    for _ in range(count):
        assert admit(deps.reach, limit, engine.clock.now()) is None


def _send(engine: MemoryEngine, wa_id: str, rule_id: str = "apply-remind-24h") -> FollowUp:
    deps = engine.deps
    contact_id = quiet_contact(deps, wa_id, engine.clock.now() - timedelta(hours=30)).id
    followup = send_now(deps, contact_id, rule_id)
    engine.drain()
    sent = deps.followups.followup(followup.id)
    assert sent is not None
    return sent


def test_a_raised_tier_releases_the_deferred_even_when_the_senders_settings_are_cached(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio at its allowance and two follow-ups the limit deferred
    engine.deps.rules.save_rule(rule())
    _others_reached(engine, ALLOWANCE)
    deferred = [_send(engine, "6281100001700"), _send(engine, "6281100001701")]
    assert {f.reason for f in deferred} == {DEFERRED}
    # And a sender container that read the settings a moment ago (its 60 s cache)
    engine.clock.advance(timedelta(minutes=5))
    engine.deps.catalog.settings()

    # When WhatsApp raises the tier to 2,000: the webhook runs in its own Lambda, whose
    # cache it refreshes, not the sender's
    engine.clock.advance(timedelta(seconds=10))
    webhook_lambda = dataclasses.replace(engine.deps)
    at = engine.clock.now()
    events = parse(json.dumps(payload("business-capability-update.json")).encode(), at)
    webhook.apply(webhook_lambda, events, at)
    assert engine.deps.rules.settings().messaging_limit.tier == 2000
    # And the next dispatch tick comes 20 s later and hands them to the sender
    engine.clock.advance(timedelta(seconds=20))
    report = engine.scheduled("dispatch")
    engine.drain()

    # Then the deferred went out, as the raise promises ("the next dispatch tick brings
    # the deferred forward")
    assert report["released"] == 2
    found = [engine.deps.followups.followup(f.id) for f in deferred]
    assert [(f.status, f.reason, f.scheduled_at - at) for f in found if f] == [
        (Status.SENT, None, timedelta(seconds=20))
    ] * 2


class CountThrottledOnce(MemoryPacing):
    """The pacing table throttled once on the portfolio's count item (the hottest item of
    the table: every sender's new users update it), after botocore's retries."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    def tally(
        self, key: str, changes: Mapping[str, int], drop: Collection[str], expires_at: datetime
    ) -> Tally:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("ProvisionedThroughputExceededException on reached#default")
        return super().tally(key, changes, drop, expires_at)


def test_a_store_error_on_the_limits_count_leaves_the_follow_up_one_place_of_the_days_cap(
    engine: MemoryEngine,
) -> None:
    # Given a new number allowed 2 business-initiated sends today, and the pacing table
    # failing once as the first lead's user is counted toward the portfolio's limit
    engine.deps.rules.save_rule(rule())
    engine.deps.reach = CountThrottledOnce()
    today = warming(engine.deps, [2])

    # When the first lead is followed up: its first try fails on the store, the retry sends
    first = _send(engine, "6281100001710")
    assert first.status is Status.SENT
    assert len(engine.sandbox.sent()) == 1

    # Then it holds one place of the day's cap ("a follow-up takes one place a day however
    # often its send is tried"), and a second lead still goes today
    second = _send(engine, "6281100001711")
    assert (second.status, second.reason) == (Status.SENT, None)
    assert warm_up_left(engine.deps, engine.deps.sending_number, today) == 0


class GiveBackFails(MemoryPacing):
    """The pacing table refusing the next `failures` give-backs of places to the
    portfolio's count (a throttle or a timeout, after botocore's retries); the sender
    process lives on."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    def tally(
        self, key: str, changes: Mapping[str, int], drop: Collection[str], expires_at: datetime
    ) -> Tally:
        if self.failures and any(n < 0 for n in changes.values()):
            self.failures -= 1
            raise RuntimeError("ProvisionedThroughputExceededException on reached#default")
        return super().tally(key, changes, drop, expires_at)


def ten_in_one_batch_with_room_for_one(
    engine: MemoryEngine, failures: int, reached_ago: timedelta = timedelta(0)
) -> list[Status]:
    """A portfolio with room for one more user (the others reached `reached_ago`), ten
    leads sent now in one sender batch while the pacing table refuses `failures`
    give-backs; their follow-ups' statuses."""
    engine.deps.rules.save_rule(rule())
    engine.deps.reach = GiveBackFails(failures)
    engine.clock.advance(-reached_ago)
    _others_reached(engine, ALLOWANCE - 1)
    engine.clock.advance(reached_ago)
    deps = engine.deps
    quiet_since = engine.clock.now() - timedelta(hours=30)
    leads = [quiet_contact(deps, f"62811000172{n:02d}", quiet_since) for n in range(10)]
    queued = [send_now(deps, lead.id, "apply-remind-24h") for lead in leads]
    engine.drain()
    found = [deps.followups.followup(f.id) for f in queued]
    return [f.status for f in found if f]


def test_a_store_error_giving_back_places_past_the_allowance_does_not_spend_the_allowance(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio with room for one more user, and the pacing table failing once as a
    # sender's block gives back the places the allowance did not have
    # When the sender sends a batch of ten (the failed send is received again at once)
    statuses = ten_in_one_batch_with_room_for_one(engine, failures=1)
    # Then one lead went (the allowance had room for one), and the count stands at the
    # allowance, as GET /api/numbers shows it: never past it
    assert statuses.count(Status.SENT) == 1
    assert usage(engine.deps, engine.clock.now())["reached"] == ALLOWANCE


def test_places_a_batch_could_not_give_back_go_back_with_the_next_batch(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio with room for one more user, reached 23 h ago, and its count item
    # throttled for both give-backs of the next sender batch (a throttle of the hot item
    # lasts seconds, longer than a batch)
    # When one sender batch sends ten, and the next batch follows
    statuses = ten_in_one_batch_with_room_for_one(engine, failures=2, reached_ago=23 * HOUR)
    assert statuses.count(Status.SENT) == 1
    deps = engine.deps
    quiet_since = engine.clock.now() - timedelta(hours=30)
    send_now(deps, quiet_contact(deps, "6281100017399", quiet_since).id, "apply-remind-24h")
    engine.drain()
    # Then the batch did not fail, and once the users of 23 h ago no longer count,
    # GET /api/numbers shows the users reached since, not the places the batch held
    engine.clock.advance(2 * HOUR)
    assert usage(deps, engine.clock.now())["reached"] == 1


class CountDown(MemoryPacing):
    """The portfolio's count refusing every update (throttled) while `down` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False

    def tally(
        self, key: str, changes: Mapping[str, int], drop: Collection[str], expires_at: datetime
    ) -> Tally:
        if self.down:
            raise RuntimeError("ProvisionedThroughputExceededException on reached#default")
        return super().tally(key, changes, drop, expires_at)


def test_places_kept_after_a_failed_give_back_survive_a_next_update_that_fails_too(
    engine: MemoryEngine,
) -> None:
    # Given a sender whose batch of ten, ten seconds before the hour, took a block of ten
    # places and reached one new user
    store = CountDown()
    engine.deps.reach = store
    limit = engine.deps.catalog.settings().messaging_limit
    places = Places(engine.clock)
    engine.clock.advance(HOUR - 10 * SECOND)
    places.begin(10)
    assert places.take(store, limit, engine.clock.now()) is None
    # When the count is throttled as the batch ends, and still for the next batch's
    # first update, a few seconds into the next hour
    store.down = True
    places.end()
    engine.clock.advance(15 * SECOND)
    places.begin(1)
    with contextlib.suppress(RuntimeError):
        places.take(store, limit, engine.clock.now())
    places.end()
    # And the throttle ends, and the sender's next batch takes a place
    store.down = False
    places.begin(1)
    places.take(store, limit, engine.clock.now())
    places.end()
    # Then the portfolio counts the two users reached, not the nine places never used
    # (counted for a day, they would defer nine real new users)
    assert usage(engine.deps, engine.clock.now())["reached"] == 2
