"""A journey that ends because no channel of a step could reach the lead counts apart from
other exits in the rule's stats: bad contact data to fix, not an exit to shrug off."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import Status
from followup.services.journey_stats import journey_stats
from followup_local.engine import LocalEngine
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import channel_step, quiet_contact, rule
from tests.support.outbox import Outbox

Engine = MemoryEngine | LocalEngine

HOUR = timedelta(hours=1)


def test_a_lead_no_channel_of_a_step_reaches_counts_as_an_unreachable_exit(
    either: Engine,
) -> None:
    # Given an email step falling back to SMS, and a lead with no email who stopped SMS
    either.deps.sms = either.deps.email = Outbox()
    either.deps.rules.save_rule(rule(steps=[channel_step("email", fallbacks=["sms"])]))
    lead = quiet_contact(
        either.deps, "6281100007201", either.clock.now() - 25 * HOUR, opted_out_channels=["sms"]
    )
    # When the step is due
    either.tick()
    # Then nothing goes, and the rule's stats show one unreachable exit and no other
    [followup] = either.deps.followups.followups_of(lead.id)
    assert followup.status is Status.OPTED_OUT
    assert followup.skipped_channels == ["no_address:email", "opted_out:sms"]
    today = either.clock.now().date()
    stats = journey_stats(either.deps, "apply-remind-24h", today, today)
    assert (stats.exited, stats.exited_by) == (1, {"unreachable": 1})
    assert stats.steps[0].exited_by == {"unreachable": 1}
    assert stats.errors == 0
