"""A lead who asks for a call back hears it first: another rule's follow-up that would go
before it waits and goes after it, whether it was queued before the lead asked or falls
due after. Via the webhook, on the in-memory twin, ticking each hour as the scheduler does
and the sender taking each message when the queue hands it over."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.services.contacts import change_stage
from followup.services.upcoming import upcoming
from followup_local.memory_engine import MemoryEngine
from tests.service.test_intents_flow import LEAD, follow_up_rule, lead, reply
from tests.support.builders import quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")


def nurtured(engine: MemoryEngine) -> None:
    """The lead got the first step of a nurture a plain reply does not end, Tuesday 09:00
    WIB; its second step is due a day later, Wednesday 09:00 WIB."""
    template = {"name": "apply_reminder", "language": "en"}
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": template},
        {"wait": {"amount": 24, "unit": "hours"}, "template": template},
    ]
    exit_ = {"on_reply": False, "stages": []}
    engine.deps.rules.save_rule(rule("nurture", steps=steps, exit=exit_))
    follow_up_rule(engine, "call-back", "call_back_at", 0)
    quiet_contact(engine.deps, LEAD, engine.clock.now() - timedelta(hours=25), name="Dewi")
    engine.tick()
    assert len(engine.sandbox.sent()) == 1


def hourly_until(engine: MemoryEngine, local: str) -> None:
    """A scheduler tick at each whole hour until `local` (Jakarta), the sender taking each
    message the queue holds back at the moment its delay ends."""
    until = datetime.fromisoformat(local).replace(tzinfo=JAKARTA)
    while engine.clock.now() < until:
        now = engine.clock.now()
        hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        engine.run_until(min(hour, until))
        if engine.clock.now() == hour:
            engine.tick()


def went(engine: MemoryEngine, contact_id: str) -> list[tuple[str, str]]:
    """Each rule's message that went to the lead, with when (Jakarta), in the order they went."""
    sent = [f for f in engine.deps.followups.followups_of(contact_id) if f.sent_at is not None]
    moments = sorted((f.sent_at, f.rule_id) for f in sent if f.sent_at is not None)
    return [(rule_id, at.astimezone(JAKARTA).strftime("%a %H:%M")) for at, rule_id in moments]


def test_a_nudge_queued_before_the_lead_asked_for_a_call_back_goes_after_it(
    engine: MemoryEngine,
) -> None:
    # Given the nurture's second step queued at Wednesday's 08:00 tick for 09:00
    nurtured(engine)
    hourly_until(engine, "2026-11-25T08:10")
    [queued] = [
        f
        for f in engine.deps.followups.followups_of(str(lead(engine)["id"]))
        if f.status == "queued"
    ]
    assert queued.rule_id == "nurture"
    # When the lead, at 08:10, asks to be called at 10 this morning
    contact_id = reply(engine, "call me at 10 this morning", "wamid.FIRST1")
    # Then the call back goes at 10:00, and the nurture after it, the least gap (an hour)
    # after it, not at 09:00
    hourly_until(engine, "2026-11-25T12:00")
    assert went(engine, contact_id) == [
        ("nurture", "Tue 09:00"),
        ("call-back", "Wed 10:00"),
        ("nurture", "Wed 11:00"),
    ]
    # And the queue said why it waited
    [nudge] = [f for f in engine.deps.followups.followups_of(contact_id) if f.id == queued.id]
    assert "call_back_pending" in [change.reason for change in nudge.history]


def test_a_nudge_falling_due_after_the_lead_asked_for_a_call_back_goes_after_it(
    engine: MemoryEngine,
) -> None:
    # Given the nurture's second step due Wednesday 09:00 WIB
    nurtured(engine)
    # When the lead, Tuesday 09:10, asks to be called tomorrow at 10
    engine.clock.advance(timedelta(minutes=10))
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.FIRST2")
    # Then the contact's page shows the nurture after the call back
    contact = engine.deps.contacts.contact(contact_id)
    assert contact is not None
    shown = [
        (u.rule_id, u.at.astimezone(u.zone).strftime("%a %H:%M"))
        for u in upcoming(engine.deps, contact.item)
        if u.at is not None
    ]
    assert shown == [("call-back", "Wed 10:00"), ("nurture", "Wed 11:00")]
    # And the nurture, queued at Wednesday's 08:00 tick, says why it waits
    hourly_until(engine, "2026-11-25T08:10")
    [nudge] = [f for f in engine.deps.followups.followups_of(contact_id) if f.status == "queued"]
    assert (nudge.rule_id, nudge.history[0].reason) == ("nurture", "call_back_pending")
    # And the call back goes first, at 10:00, the nurture an hour after it
    hourly_until(engine, "2026-11-25T12:00")
    assert went(engine, contact_id) == [
        ("nurture", "Tue 09:00"),
        ("call-back", "Wed 10:00"),
        ("nurture", "Wed 11:00"),
    ]


def test_a_call_back_the_lead_opts_out_of_holds_nothing_and_nothing_goes(
    engine: MemoryEngine,
) -> None:
    # Given a call back for tomorrow at 10 and the nurture due at 09:00
    nurtured(engine)
    engine.clock.advance(timedelta(minutes=10))
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.OUT1")
    # When the lead then says stop
    engine.clock.advance(timedelta(minutes=1))
    reply(engine, "BERHENTI", "wamid.OUT2")
    # Then nothing more goes
    hourly_until(engine, "2026-11-25T12:00")
    assert went(engine, contact_id) == [("nurture", "Tue 09:00")]


def test_a_call_back_the_lead_is_no_longer_interested_in_holds_nothing(
    engine: MemoryEngine,
) -> None:
    # Given a call back for tomorrow at 10 and the nurture due at 09:00
    nurtured(engine)
    engine.clock.advance(timedelta(minutes=10))
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.NI1")
    # When the lead then says they are not interested, at 09:11
    engine.clock.advance(timedelta(minutes=1))
    reply(engine, "makasih, gak tertarik", "wamid.NI2")
    # Then neither goes; the nurture that the silence since starts goes at its own time, a
    # day later, not held for the call back that ended
    hourly_until(engine, "2026-11-25T12:00")
    assert went(engine, contact_id) == [("nurture", "Tue 09:00"), ("nurture", "Wed 09:11")]


def test_a_call_back_that_ended_holds_the_other_follow_ups_no_longer(
    engine: MemoryEngine,
) -> None:
    # Given a call back for tomorrow at 10 and the nurture due at 09:00
    nurtured(engine)
    engine.clock.advance(timedelta(minutes=10))
    contact_id = reply(engine, "call me tomorrow at 10", "wamid.END1")
    # When the lead applies, a stage that ends the call back (not the nurture)
    engine.clock.advance(timedelta(minutes=5))
    change_stage(engine.deps, contact_id, "applied", engine.clock.now())
    # Then the nurture goes at 09:00 as it would have, and no call back goes
    hourly_until(engine, "2026-11-25T12:00")
    assert went(engine, contact_id) == [("nurture", "Tue 09:00"), ("nurture", "Wed 09:00")]


def test_once_the_call_back_went_the_other_follow_ups_go_as_ever(engine: MemoryEngine) -> None:
    # Given the nurture due Wednesday 09:00
    nurtured(engine)
    # When the lead, Tuesday 09:10, asks to be called at 3 this afternoon
    engine.clock.advance(timedelta(minutes=10))
    contact_id = reply(engine, "call me at 3 this afternoon", "wamid.WENT1")
    # Then the call back goes at 15:00, and the nurture on Wednesday at 09:00, its own time
    hourly_until(engine, "2026-11-25T12:00")
    assert went(engine, contact_id) == [
        ("nurture", "Tue 09:00"),
        ("call-back", "Tue 15:00"),
        ("nurture", "Wed 09:00"),
    ]


def test_a_call_back_next_week_holds_the_other_follow_ups_until_it_went(
    engine: MemoryEngine,
) -> None:
    # Given the nurture due Wednesday 09:00
    nurtured(engine)
    # When the lead, Tuesday 09:10, asks to be called on Monday at 10
    engine.clock.advance(timedelta(minutes=10))
    contact_id = reply(engine, "call me on monday at 10", "wamid.WEEK1")
    # Then the nurture waits the week out: it goes an hour after the call back
    hourly_until(engine, "2026-11-30T12:00")
    assert went(engine, contact_id) == [
        ("nurture", "Tue 09:00"),
        ("call-back", "Mon 10:00"),
        ("nurture", "Mon 11:00"),
    ]
