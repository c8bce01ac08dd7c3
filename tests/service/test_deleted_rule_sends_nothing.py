"""A rule deleted sends nothing more, even when its delete failed midway through its queue
and nobody sent it again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import FollowUp, Status
from followup.services import rules
from followup.services.ports import StoreBusy
from followup.services.settle import end_unsent
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
WA_ID = "6281100000872"


def deleted_midway(engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch) -> FollowUp:
    """A rule with a follow-up queued for a lead, deleted by an admin while the store
    failed as its queue was swept (a 503), the delete not sent again; the follow-up."""
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    failing: list[bool] = []

    def busy_once(*args: Any, **kwargs: Any) -> Any:
        if not failing:
            failing.append(True)
            raise StoreBusy("busy")
        return end_unsent(*args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(rules, "end_unsent", busy_once)
        with pytest.raises(StoreBusy):
            rules.delete(engine.deps, queued.rule_id)
    return queued


def test_a_follow_up_its_deleted_rule_left_queued_is_canceled_not_sent(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule deleted while its queue's sweep failed, the delete not sent again
    queued = deleted_midway(engine, monkeypatch)
    # When the scheduler ticks
    engine.tick()
    # Then the follow-up does not go to the lead: it ends canceled, its rule deleted
    found = engine.deps.followups.followup(queued.id)
    assert found is not None
    assert (found.status, found.reason) == (Status.CANCELED, "rule_deleted")


def test_the_id_of_a_deleted_rule_is_not_taken_again_and_what_it_left_queued_is_not_sent(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a rule deleted while its queue's sweep failed, the delete not sent again
    queued = deleted_midway(engine, monkeypatch)
    # When a rule is created under the same id again (a recipe installed again), and the
    # scheduler ticks
    with pytest.raises(rules.DeletedRuleId):
        rules.create(engine.deps, rule(active=False))
    engine.tick()
    # Then the id stays the deleted rule's, and its follow-up does not go to the lead
    assert engine.deps.rules.rule_head(queued.rule_id) is None
    assert engine.deps.rules.rule(queued.rule_id, 2) is None
    found = engine.deps.followups.followup(queued.id)
    assert found is not None
    assert (found.status, found.reason) == (Status.CANCELED, "rule_deleted")
    assert engine.sandbox.sent() == []
