"""A rule deleted sends nothing more, even when its delete failed midway through its queue
and nobody sent it again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup.services import rules
from followup.services.ports import StoreBusy
from followup.services.settle import end_unsent
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
WA_ID = "6281100000872"


def test_a_follow_up_its_deleted_rule_left_queued_is_canceled_not_sent(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule with a follow-up queued for a lead
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    # When an admin deletes the rule, the store fails as its queue is swept, and the
    # delete is not sent again
    failing: list[bool] = []

    def busy_once(*args: Any, **kwargs: Any) -> Any:
        if not failing:
            failing.append(True)
            raise StoreBusy("busy")
        return end_unsent(*args, **kwargs)

    monkeypatch.setattr(rules, "end_unsent", busy_once)
    with pytest.raises(StoreBusy):
        rules.delete(engine.deps, queued.rule_id)
    engine.tick()
    # Then the follow-up does not go to the lead: it ends canceled, its rule deleted
    [found] = engine.deps.followups.followups_of(lead.id)
    assert (found.status, found.reason) == (Status.CANCELED, "rule_deleted")
