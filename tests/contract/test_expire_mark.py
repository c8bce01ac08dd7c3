"""The expire tick's reads: follow-ups by send time, and its mark of how far it read."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

from followup.domain.followup import Status
from followup.services.ports import ExpireMark, FollowUpChange, NewFollowUp, waiting_entry
from tests.contract.items import T0, followup, moved

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)


def test_follow_ups_are_read_by_send_time_after_one_moment_up_to_another_across_days(
    store: Any,
) -> None:
    times = {"fu_a": T0, "fu_b": T0 + HOUR, "fu_c": T0 + DAY, "fu_d": T0 + 2 * DAY}
    for fid, at in times.items():
        store.commit([NewFollowUp(followup(fid, scheduled_at=at, wake_at=at))], T0)
    found = [f.id for f in store.sent_between(T0, T0 + DAY)]
    assert found == ["fu_b", "fu_c"]
    assert [f.id for f in store.sent_between(T0 - HOUR, T0 + 3 * DAY)] == list(times)
    assert list(store.sent_between(T0 + 3 * DAY, T0 + 4 * DAY)) == []
    assert list(store.sent_between(T0 + 2 * HOUR, T0 + HOUR)) == []


def test_a_follow_up_read_by_send_time_is_read_as_it_is_now_whatever_its_status(
    store: Any,
) -> None:
    queued = followup()
    store.commit([NewFollowUp(queued)], T0)
    canceled = moved(queued, Status.CANCELED, T0 + HOUR).model_copy(update={"wake_at": None})
    store.commit([FollowUpChange(canceled, Status.QUEUED)], T0 + HOUR)
    assert list(store.sent_between(T0 - HOUR, T0)) == [canceled]


def test_a_follow_up_sent_on_time_leaves_the_waiting_index_one_sent_late_waits_in_it() -> None:
    on_time = followup(status=Status.SENT, sent_at=T0 + timedelta(seconds=30), wake_at=T0 + DAY)
    late = on_time.model_copy(update={"sent_at": T0 + 2 * HOUR, "wake_at": T0 + 2 * HOUR + DAY})
    early = on_time.model_copy(update={"sent_at": T0 - HOUR, "wake_at": T0 - HOUR + DAY})
    assert waiting_entry(on_time) is None
    assert waiting_entry(late) == ("sent", T0 + 2 * HOUR + DAY)
    assert waiting_entry(early) == ("sent", T0 - HOUR + DAY)


def test_no_expire_mark_until_a_tick_records_one_then_that_tick_or_a_later_one_moves_it(
    store: Any,
) -> None:
    assert store.expire_mark() is None
    assert store.advance_expire_mark(ExpireMark(T0, T0 - DAY)) is True
    assert store.expire_mark() == ExpireMark(T0, T0 - DAY)
    later = ExpireMark(T0 + HOUR, T0 - DAY + HOUR)
    assert store.advance_expire_mark(later) is True
    assert store.advance_expire_mark(ExpireMark(T0, T0)) is False
    assert store.advance_expire_mark(ExpireMark(later.at, T0)) is True
    assert store.expire_mark() == ExpireMark(later.at, T0)


def test_the_expire_mark_reads_back_the_same_moments_whatever_zone_wrote_it(store: Any) -> None:
    zoned = T0.astimezone(timezone(timedelta(hours=7)))
    store.advance_expire_mark(ExpireMark(zoned, zoned - DAY))
    assert store.expire_mark() == ExpireMark(T0, T0 - DAY)


def test_an_expire_mark_keeps_the_setting_the_sent_lane_is_filed_under(store: Any) -> None:
    # Given a tick that records the longest expire_after the lane may be filed under
    assert store.advance_expire_mark(ExpireMark(T0, T0 - DAY, timedelta(hours=72))) is True
    # Then it is read back with it, and a later tick may change it
    assert store.expire_mark() == ExpireMark(T0, T0 - DAY, timedelta(hours=72))
    shorter = ExpireMark(T0 + HOUR, T0 - DAY, timedelta(hours=24))
    assert store.advance_expire_mark(shorter) is True
    assert store.expire_mark() == shorter
