"""A contact holds one queued follow-up at a time: once its holder ends unsent, the slot
is free again, and a step kept waiting behind it goes at the first tick after."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.domain.followup import FollowUp
from followup.services import rules
from followup.services.bulk_cancel import Outcome, cancel_queued
from followup_local import envelopes
from followup_local.demo import AROUND_THE_CLOCK
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import follow_up_rule
from tests.support.builders import before_renewal, quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
LEAD = "6281100000777"
OPEN_DAY_HOURS = {
    "hours": {
        day: [{"start": "10:00", "end": "19:00"}]
        for day in ("mon", "tue", "wed", "thu", "fri", "sat")
    },
    "blackout_days": ["sun"],
}
"""`open-day-invite`'s own window in the demo: Mon-Sat 10:00-19:00."""
NO_EXIT = {"on_reply": False, "stages": []}
"""A journey a reply does not end."""


def sent(engine: MemoryEngine, contact_id: str) -> list[tuple[str, datetime]]:
    """(rule, local send time) of each follow-up sent to the contact, in send order."""
    found: list[FollowUp] = engine.deps.followups.followups_of(contact_id)
    went = sorted((f.sent_at, f.rule_id) for f in found if f.sent_at is not None)
    return [(rule_id, at.astimezone(JAKARTA).replace(tzinfo=None)) for at, rule_id in went]


def hourly(engine: MemoryEngine, ticks: int) -> None:
    """Hourly ticks (the deployed default), the send queue running between them."""
    for _ in range(ticks):
        engine.tick()
        engine.run_until(engine.clock.now() + timedelta(hours=1))


def tuesday_evening(engine: MemoryEngine, **invite: object) -> None:
    """Tuesday 19:00 Jakarta in the demo's windows: the workspace's around the clock, and
    an invite on a 24 h silence in `new` that goes only Mon-Sat 10:00-19:00."""
    engine.clock.advance(timedelta(hours=10))
    settings = engine.deps.catalog.settings()
    engine.deps.rules.save_settings(settings.model_copy(update={"send_window": AROUND_THE_CLOCK}))
    engine.deps.catalog.invalidate()
    engine.deps.rules.save_rule(rule("open-day-invite", send_window=OPEN_DAY_HOURS, **invite))


def queued_invite(engine: MemoryEngine, lead: str) -> str:
    """The invite's follow-up the lead holds, queued for its window."""
    [invite] = [
        f.id
        for f in engine.deps.followups.followups_of(lead)
        if f.rule_id == "open-day-invite" and f.status.unsent
    ]
    return invite


def invite_holding_the_slot_and_a_renewal_waiting(engine: MemoryEngine) -> str:
    """Tuesday 21:00 Jakarta. A lead whose silence crossed the invite's 24 h at 19:05
    holds the invite, queued for Wednesday 10:00; the lead's renewal reminder, due at
    20:30 (a week before renewing) and not ended by a reply, waits behind it since the
    20:00 tick."""
    tuesday_evening(engine)
    renewal = before_renewal(7, "20:30")
    rules.create(engine.deps, rule("renewal-reminder", trigger=renewal, exit=NO_EXIT))
    quiet_since = engine.clock.now() - timedelta(hours=24) + timedelta(minutes=5)
    attributes = {"renewal_date": "2026-12-01"}
    lead = quiet_contact(engine.deps, LEAD, quiet_since, attributes=attributes).id
    hourly(engine, 2)  # 19:00 queues the invite; 20:00 finds the slot taken; now 21:00
    assert sent(engine, lead) == []
    return lead


def test_a_step_kept_waiting_goes_at_the_first_tick_after_the_holder_is_cancelled(
    engine: MemoryEngine,
) -> None:
    # Given the invite holds the lead's slot until Wednesday 10:00, and the renewal
    # reminder due at 20:30 waits behind it
    lead = invite_holding_the_slot_and_a_renewal_waiting(engine)
    # When marketing cancels the invite from the queue at 21:00
    invite = queued_invite(engine, lead)
    assert cancel_queued(engine.deps, [invite]) == [(invite, Outcome.CANCELLED)]
    hourly(engine, 14)  # hourly ticks from 21:00 to Wednesday 11:00
    # Then the renewal reminder goes at the next tick, 21:00 on Tuesday ("another rule's
    # step waits until it is settled, and goes at the first tick after"), not at 10:00 on
    # Wednesday, when the cancelled invite would have gone
    assert sent(engine, lead) == [("renewal-reminder", datetime(2026, 11, 24, 21, 0))]


def test_a_step_kept_waiting_goes_at_the_first_tick_after_a_reply_ends_the_holder(
    engine: MemoryEngine,
) -> None:
    # Given the invite (which ends on a reply) holds the lead's slot until Wednesday
    # 10:00, and the renewal reminder (which does not) waits behind it
    lead = invite_holding_the_slot_and_a_renewal_waiting(engine)
    # When the lead writes at 21:10, which ends the invite's journey
    engine.run_until(engine.clock.now() + timedelta(minutes=10))
    engine.sandbox.record_inbound(LEAD, engine.clock.now())
    said = envelopes.text_message(LEAD, "ok noted", engine.clock.now(), "wamid.SLOT2")
    assert engine.deliver(said) == 200
    engine.run_until(engine.clock.now() + timedelta(minutes=50))
    hourly(engine, 13)  # hourly ticks from 22:00 to Wednesday 11:00
    # Then the renewal reminder goes at the next tick, 22:00 on Tuesday, not at 10:00 on
    # Wednesday, when the ended invite would have gone
    assert sent(engine, lead) == [("renewal-reminder", datetime(2026, 11, 24, 22, 0))]


def test_a_journey_enrolled_ahead_whose_silence_broke_does_not_hold_the_busy_nudge(
    engine: MemoryEngine,
) -> None:
    # Given Tuesday 19:00 Jakarta in the demo's windows, the busy nudge (5 minutes after
    # "busy"), and an invite (Mon-Sat 10-19) on a 24 h silence that a reply does not end
    tuesday_evening(engine, exit=NO_EXIT)
    follow_up_rule(engine, "busy-nudge", "busy", 5)
    # And a lead whose silence would cross the invite's 24 h at 19:05
    quiet_since = engine.clock.now() - timedelta(hours=24) + timedelta(minutes=5)
    lead = quiet_contact(engine.deps, LEAD, quiet_since).id
    engine.tick()  # 19:00: the invite is queued for its window, Wednesday 10:00
    # When the lead writes "lagi sibuk" at 19:03, before the silence crossed: the
    # invite's journey never started (silence_broken)
    engine.run_until(engine.clock.now() + timedelta(minutes=3))
    engine.sandbox.record_inbound(LEAD, engine.clock.now())
    said = envelopes.text_message(LEAD, "lagi sibuk", engine.clock.now(), "wamid.SLOT1")
    assert engine.deliver(said) == 200
    engine.run_until(engine.clock.now() + timedelta(minutes=57))
    hourly(engine, 15)  # hourly ticks from 20:00 to Wednesday 11:00
    # Then the nudge went that evening, at the 20:00 tick, and the invite of the broken
    # silence never went: it shows cancelled, for the silence it never crossed
    assert sent(engine, lead) == [("busy-nudge", datetime(2026, 11, 24, 20, 0))]
    [invite] = [f for f in engine.deps.followups.followups_of(lead) if f.rule_id != "busy-nudge"]
    assert (invite.status.value, invite.reason) == ("canceled", "silence_broken")
