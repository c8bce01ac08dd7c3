"""Upgrading to the send-time queue: follow-ups stored before it are filed by send day."""

from __future__ import annotations

from datetime import timedelta

from followup.adapters import send_days
from followup.adapters.tables import FollowUpItem
from followup.services.ports import NewFollowUp
from followup_local.engine import LocalEngine
from tests.contract.items import followup
from tests.support.api import call
from tests.support.builders import rule


def test_a_follow_up_stored_before_the_send_days_is_listed_and_counted_once_filled_in(
    engine: LocalEngine,
) -> None:
    # Given a follow-up stored as the engine did before the queue went by send time
    engine.deps.rules.save_rule(rule("r"))
    start = engine.clock.now()
    engine.deps.commit([NewFollowUp(followup("fu_old", at=start + timedelta(hours=1)))], start)
    old = FollowUpItem.get("fu_old")
    old.update(actions=[FollowUpItem.send_day.remove(), FollowUpItem.send_at.remove()])
    _, before = call(engine, "GET", "/api/queue")
    assert (before["followups"], set(before["counts"].values())) == ([], {0})
    # When the backfill runs, twice
    assert send_days.backfill() == 1
    assert send_days.backfill() == 0
    # Then the queue lists it and counts it, once
    _, after = call(engine, "GET", "/api/queue")
    assert [row["id"] for row in after["followups"]] == ["fu_old"]
    assert {k: n for k, n in after["counts"].items() if n} == {"queued": 1}
