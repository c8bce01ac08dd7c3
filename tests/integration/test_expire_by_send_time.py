"""Expiry by send time on moto: the in-memory engine's cases (tests/service), and the
upgrade, where follow-ups sent before the expire tick kept a mark wait in the `sent` lane."""

from __future__ import annotations

from followup.adapters.tables import SHARDS, FollowUpItem, RuleItem, stamp
from followup.domain.followup import FollowUp, Status
from followup.domain.ids import shard_of
from followup.services.ports import EXPIRE_PARTITION
from followup_local import envelopes
from followup_local.engine import LocalEngine
from tests.service.test_expire_by_send_time import (
    EXPIRE_AFTER,
    HOUR,
    SECOND,
    WA_ID,
    expire_at,
    sent_now,
    status_of,
)
from tests.service.test_expire_by_send_time import (
    test_a_follow_up_held_by_a_pause_for_two_hours_expires_expire_after_its_late_send as test_a_follow_up_held_by_a_pause_for_two_hours_expires_expire_after_its_late_send,  # noqa: E501
)
from tests.service.test_expire_by_send_time import (
    test_a_follow_up_sent_on_time_expires_expire_after_its_send_not_a_moment_before as test_a_follow_up_sent_on_time_expires_expire_after_its_send_not_a_moment_before,  # noqa: E501
)
from tests.service.test_expire_by_send_time import (
    test_a_longer_expire_after_expires_nothing_before_it_and_everything_at_it as test_a_longer_expire_after_expires_nothing_before_it_and_everything_at_it,  # noqa: E501
)
from tests.service.test_expire_by_send_time import (
    test_a_retried_expire_tick_expires_each_follow_up_once as test_a_retried_expire_tick_expires_each_follow_up_once,  # noqa: E501
)
from tests.service.test_expire_by_send_time import (
    test_a_shorter_expire_after_expires_what_was_sent_that_long_ago_at_the_next_tick as test_a_shorter_expire_after_expires_what_was_sent_that_long_ago_at_the_next_tick,  # noqa: E501
)
from tests.service.test_expire_by_send_time import (
    test_an_expiry_that_loses_a_race_to_a_status_is_settled_by_the_next_tick as test_an_expiry_that_loses_a_race_to_a_status_is_settled_by_the_next_tick,  # noqa: E501
)
from tests.service.test_expire_by_send_time import (
    test_one_sent_seconds_after_its_send_time_expires_at_its_own_expiry_as_do_the_next as test_one_sent_seconds_after_its_send_time_expires_at_its_own_expiry_as_do_the_next,  # noqa: E501
)
from tests.service.test_expire_by_send_time import (
    test_with_expire_after_under_a_minute_one_sent_seconds_late_still_expires as test_with_expire_after_under_a_minute_one_sent_seconds_late_still_expires,  # noqa: E501
)


def sent_before_the_upgrade(engine: LocalEngine) -> FollowUp:
    """A follow-up sent as before the upgrade: filed in the `sent` lane at its expiry, and
    no expire tick has kept a mark yet."""
    sent = sent_now(engine)
    assert sent.sent_at is not None
    item = FollowUpItem.get(sent.id)
    lane = f"sent#{shard_of(sent.id, SHARDS)}"
    expiry = stamp(sent.sent_at + EXPIRE_AFTER)
    item.update(actions=[FollowUpItem.phase_key.set(lane), FollowUpItem.wake_at.set(expiry)])
    RuleItem(EXPIRE_PARTITION, "mark").delete()
    return sent


def test_a_follow_up_left_in_the_old_sent_lane_expires_at_its_expiry(
    engine: LocalEngine,
) -> None:
    sent = sent_before_the_upgrade(engine)
    assert sent.sent_at is not None
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER - SECOND)["expired"] == 0
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER + HOUR)["expired"] == 0


def test_one_taken_out_of_the_old_lane_by_a_late_status_still_expires_at_its_expiry(
    engine: LocalEngine,
) -> None:
    sent = sent_before_the_upgrade(engine)
    assert sent.sent_at is not None
    assert sent.provider_message_id is not None
    # When its `read` status comes after the upgrade, a minute before its expiry
    at = engine.clock.advance(sent.sent_at + EXPIRE_AFTER - 60 * SECOND - engine.clock.now())
    read = envelopes.status(sent.provider_message_id, "read", at, WA_ID, sent.id)
    assert engine.deliver(read) == 200
    assert FollowUpItem.get(sent.id).phase_key is None
    # Then the first expire tick with a mark meets it by its send time
    assert expire_at(engine, sent.sent_at + EXPIRE_AFTER)["expired"] == 1
    assert status_of(engine, sent) is Status.EXPIRED
