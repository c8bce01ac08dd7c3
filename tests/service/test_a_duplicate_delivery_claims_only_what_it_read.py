"""An SQS message delivered twice, its copies taken by two senders at once. The
copy read before the other sender's try must not claim the follow-up that try put back."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup.services.ports import FollowUpRepository
from followup.services.send import SendResult, send_one
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
WA_ID = "6281100000901"


class ReadBefore:
    """The follow-ups repository as a sender saw it a moment earlier: its read of
    `followup_id` answers the copy given, every other call goes to the real one."""

    def __init__(self, real: FollowUpRepository, stale: FollowUp) -> None:
        self._real, self._stale = real, stale

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def followup(self, followup_id: str) -> FollowUp | None:
        if followup_id == self._stale.id:
            return self._stale
        return self._real.followup(followup_id)


def test_a_copy_read_before_a_5xx_try_does_not_send_again_at_once(
    engine: MemoryEngine,
) -> None:
    # Given a follow-up handed to the send queue, and SQS delivering its message twice
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    # Sender B reads the follow-up (queued) for its copy of the message ...
    seen_by_b = engine.deps.followups.followup(queued.id)
    assert seen_by_b is not None
    # ... while sender A claims it, 360dialog answers A with a 500 (which may hide a
    # message that went), and A puts it back for a retry 15-30 s later, attempt 1
    engine.sandbox.fail_next(status=500)
    assert send_one(engine.deps, queued.id).result is SendResult.RETRYING
    after_a = engine.deps.followups.followup(queued.id)
    assert after_a is not None
    assert (after_a.status, after_a.attempt) == (Status.QUEUED, 1)
    # When B goes on with the copy it read before A's try
    deps_b = copy.copy(engine.deps)
    deps_b.followups = ReadBefore(engine.deps.followups, seen_by_b)
    result_b = send_one(deps_b, queued.id).result
    # Then B's stale claim is refused: no second request the same instant, the retry
    # keeps its backoff and the attempt A spent
    now = engine.deps.followups.followup(queued.id)
    assert now is not None
    assert len(engine.sandbox.requests) == 1, (
        f"B claimed a copy read before A's try ({result_b}) and sent again at once: "
        f"requests {[r.status for r in engine.sandbox.requests]}, attempt {now.attempt}"
    )
    assert now.attempt == 1
