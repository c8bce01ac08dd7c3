"""The Stats page's queue now counts the follow-ups a paused number holds: they are not
out yet, and go once the number is resumed."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup_local.engine import LocalEngine
from tests.support.api import call
from tests.support.builders import quiet_contact, rule


def test_a_follow_up_held_for_a_paused_number_is_in_the_queue_now(engine: LocalEngine) -> None:
    # Given a due lead, and WhatsApp refusing its send for spam (131048), which pauses the
    # sending number
    deps = engine.deps
    deps.rules.save_rule(rule())
    lead = quiet_contact(deps, "6281100000960", engine.clock.now() - timedelta(hours=25))
    engine.sandbox.fail_next(status=400, code=131048, to="6281100000960")
    # When the tick runs, the number's pause holds it apart
    engine.tick()
    [held] = deps.followups.followups_of(lead.id)
    assert (held.status, held.held_by) == (Status.QUEUED, deps.sending_number)
    # Then the stats count it in the queue now
    status, stats = call(engine, "GET", "/api/stats", role="counselor")
    assert status == 200
    assert stats["queue_now"] == 1
