"""Two rules falling due together do not reach a lead back to back: a journey's step goes
the workspace's least gap (an hour by default) after the last message the lead was sent,
another journey's follow-up or a counsellor's, and the contact's upcoming steps say so
(the rule preview too: `test_preview_gating`). A journey's own next step goes when its
wait says, a lead who wrote since the last message is answered when due, and with no gap
set the two go together, as before."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from followup.domain.contact import Speaker
from followup.domain.durations import Duration
from followup.domain.followup import FollowUp, Reason
from followup.services import rules
from followup.services.inbound import record_outbound
from followup.services.manual import send_now
from followup.services.resume import save_settings
from followup.services.upcoming import upcoming
from followup_local import envelopes
from followup_local.demo import AROUND_THE_CLOCK
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import before_renewal, quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
LEAD = "6281100000881"
MINUTE = timedelta(minutes=1)
TWO_STEPS = [
    {"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi {first_name|there}, still there?"},
    {"wait": {"amount": 10, "unit": "minutes"}, "text": "Here is the brochure."},
]


def sent(engine: MemoryEngine, contact_id: str) -> list[tuple[str, str]]:
    """(rule, local send time) of each follow-up sent to the contact, in send order."""
    found: list[FollowUp] = engine.deps.followups.followups_of(contact_id)
    went = sorted((f.sent_at, f.rule_id) for f in found if f.sent_at is not None)
    return [(rule_id, at.astimezone(JAKARTA).strftime("%H:%M")) for at, rule_id in went]


def every_minute(engine: MemoryEngine, minutes: int) -> None:
    """A tick a minute, as `followup dev` runs them, the send queue running between."""
    for _ in range(minutes):
        engine.tick()
        engine.run_until(engine.clock.now() + MINUTE)


def reminded_at_nine(engine: MemoryEngine) -> str:
    """A renewal reminder due at 09:00 today, a week before the renewal of a lead quiet
    since 01:00; the lead's contact id."""
    rules.create(engine.deps, rule("renewal", trigger=before_renewal(7, "09:00")))
    quiet = engine.clock.now() - timedelta(hours=8)
    attributes = {"renewal_date": "2026-12-01"}
    lead = quiet_contact(engine.deps, LEAD, quiet, attributes=attributes).id
    engine.sandbox.record_inbound(LEAD, quiet)
    return lead


def two_rules_for_one_lead(engine: MemoryEngine) -> str:
    """A lead who wrote 8 h ago (inside their window: free text), and two rules of the
    workspace each nudging leads quiet for an hour: both fall due at once."""
    for rule_id in ("nudge", "brochure"):
        trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
        engine.deps.rules.save_rule(rule(rule_id, trigger=trigger, steps=TWO_STEPS[:1]))
    now = engine.clock.now()
    lead = quiet_contact(engine.deps, LEAD, now - timedelta(hours=8))
    engine.sandbox.record_inbound(LEAD, now - timedelta(hours=8))
    return lead.id


def no_gap(engine: MemoryEngine) -> None:
    settings = engine.deps.rules.settings()
    gating = settings.gating.model_copy(update={"min_gap": Duration.of(0, "minutes")})
    engine.deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    engine.deps.catalog.invalidate()


def test_two_rules_due_together_reach_the_lead_an_hour_apart(engine: MemoryEngine) -> None:
    # Given two rules due for one lead at 09:00, ticks every minute
    lead = two_rules_for_one_lead(engine)
    # When the first is sent, and the ticks go on
    every_minute(engine, 3)
    first = sent(engine, lead)
    assert len(first) == 1
    went, at = first[0]
    assert at == "09:00"
    # Then the other is queued for an hour after it, its history saying why
    [spaced] = [f for f in engine.deps.followups.followups_of(lead) if f.sent_at is None]
    assert spaced.scheduled_at.astimezone(JAKARTA).strftime("%H:%M") == "10:00"
    assert spaced.history[0].reason == Reason.SPACED
    # And an admin widening the send window does not bring it sooner
    settings = engine.deps.catalog.settings()
    save_settings(engine.deps, settings.model_copy(update={"send_window": AROUND_THE_CLOCK}), None)
    again = engine.deps.followups.followup(spaced.id)
    assert again is not None
    assert again.scheduled_at == spaced.scheduled_at
    # And it goes then, not before
    every_minute(engine, 62)
    other = "brochure" if went == "nudge" else "nudge"
    assert sent(engine, lead) == [(went, "09:00"), (other, "10:00")]


def test_with_no_gap_set_the_two_go_together(engine: MemoryEngine) -> None:
    # Given the same two rules, and a workspace that sets no least gap
    no_gap(engine)
    lead = two_rules_for_one_lead(engine)
    # When the ticks run
    every_minute(engine, 3)
    # Then the second goes at the first tick after the first, as before
    assert [at for _, at in sent(engine, lead)] == ["09:00", "09:01"]


def test_a_journeys_own_next_step_goes_when_its_wait_says(engine: MemoryEngine) -> None:
    # Given one rule of two steps, the second ten minutes after the first
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    engine.deps.rules.save_rule(rule("nudge", trigger=trigger, steps=TWO_STEPS))
    now = engine.clock.now()
    lead = quiet_contact(engine.deps, LEAD, now - timedelta(hours=8)).id
    engine.sandbox.record_inbound(LEAD, now - timedelta(hours=8))
    # When the ticks run for a quarter of an hour
    every_minute(engine, 15)
    # Then its own steps go ten minutes apart: the gap is between journeys
    assert sent(engine, lead) == [("nudge", "09:00"), ("nudge", "09:10")]


def test_a_counsellors_message_keeps_a_follow_up_an_hour_after_it(engine: MemoryEngine) -> None:
    # Given a renewal reminder due at 09:00, a week before the lead's renewal date
    lead = reminded_at_nine(engine)
    now = engine.clock.now()
    # And a counsellor who wrote to the lead at 08:55
    record_outbound(engine.deps, lead, Speaker.AGENT, "Any questions?", now - 5 * MINUTE)
    # When the ticks run
    every_minute(engine, 1)
    # Then the reminder is queued for 09:55, an hour after the counsellor's message
    [reminder] = engine.deps.followups.followups_of(lead)
    assert reminder.scheduled_at == datetime(2026, 11, 24, 9, 55, tzinfo=JAKARTA)
    every_minute(engine, 64)
    # And it went then, not at 09:00
    assert sent(engine, lead) == [("renewal", "09:55")]


def test_an_older_counsellor_line_heard_late_keeps_the_gap_after_the_newest(
    engine: MemoryEngine,
) -> None:
    # Given a renewal reminder due at 09:00, and a counsellor who wrote to the lead at 08:55
    lead = reminded_at_nine(engine)
    now = engine.clock.now()
    record_outbound(engine.deps, lead, Speaker.AGENT, "Any questions?", now - 5 * MINUTE)
    # When the CRM then tells, late, an older line of theirs (07:00)
    record_outbound(engine.deps, lead, Speaker.AGENT, "Welcome!", now - 2 * timedelta(hours=1))
    # Then the contact still knows the newest, and the reminder waits an hour after it
    contact = engine.deps.contacts.contact(lead)
    assert contact is not None
    assert (contact.item.last_outbound_at, contact.item.last_agent_at) == (now - 5 * MINUTE,) * 2
    every_minute(engine, 1)
    [reminder] = engine.deps.followups.followups_of(lead)
    assert reminder.scheduled_at == datetime(2026, 11, 24, 9, 55, tzinfo=JAKARTA)


def test_the_upcoming_steps_say_when_a_step_waiting_behind_another_goes(
    engine: MemoryEngine,
) -> None:
    # Given two rules falling due at 17:30 on Tuesday, after the send window closed
    engine.clock.advance(timedelta(hours=8, minutes=30))
    lead = two_rules_for_one_lead(engine)
    # When a tick queues one for the window's opening, Wednesday 08:00
    engine.tick()
    [first] = [f for f in engine.deps.followups.followups_of(lead) if f.status.unsent]
    assert first.scheduled_at.astimezone(JAKARTA).strftime("%a %H:%M") == "Wed 08:00"
    # Then the lead's page shows the other, waiting behind it, an hour after it
    contact = engine.deps.contacts.contact(lead)
    assert contact is not None
    shown = [(u.rule_id, u.at) for u in upcoming(engine.deps, contact.item)]
    other = "brochure" if first.rule_id == "nudge" else "nudge"
    assert shown == [(other, first.scheduled_at + timedelta(hours=1))]
    # And both go as shown, the hourly ticks running through the night
    for _ in range(17):
        engine.run_until(engine.clock.now() + timedelta(hours=1))
        engine.tick()
    assert sent(engine, lead) == [(first.rule_id, "08:00"), (other, "09:00")]


def test_a_lead_who_wrote_after_the_last_message_is_answered_when_due(
    engine: MemoryEngine,
) -> None:
    # Given a renewal reminder sent at 09:00
    lead = reminded_at_nine(engine)
    every_minute(engine, 2)
    assert sent(engine, lead) == [("renewal", "09:00")]
    # And an acknowledgement for a lead who wrote and was left unanswered ten minutes
    ack = {"stages": ["new"], "idle": {"amount": 10, "unit": "minutes"}, "last_speaker": "contact"}
    engine.deps.rules.save_rule(rule("ack", trigger=ack, steps=TWO_STEPS[:1]))
    # When the lead answers the reminder at 09:02
    engine.deliver(
        envelopes.text_message(LEAD, "ok, how much is it?", engine.clock.now(), "wamid.a")
    )
    every_minute(engine, 30)
    # Then the acknowledgement goes when due, ten minutes on: the lead's message stands
    # between the two, which are not back to back
    assert sent(engine, lead) == [("renewal", "09:00"), ("ack", "09:12")]


def test_a_counsellors_message_after_the_follow_up_was_queued_keeps_it_an_hour_after(
    engine: MemoryEngine,
) -> None:
    # Given a nudge falling due at 17:30 on Tuesday, after the send window closed, queued
    # by the tick for the window's opening, Wednesday 08:00
    engine.clock.advance(timedelta(hours=8, minutes=30))
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    engine.deps.rules.save_rule(rule("nudge", trigger=trigger, steps=TWO_STEPS[:1]))
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - timedelta(hours=8)).id
    engine.sandbox.record_inbound(LEAD, engine.clock.now() - timedelta(hours=8))
    engine.tick()
    [queued] = engine.deps.followups.followups_of(lead)
    assert queued.scheduled_at == datetime(2026, 11, 25, 8, 0, tzinfo=JAKARTA)
    # And a counsellor who wrote to the lead at 07:50 on Wednesday, the nudge still queued
    engine.run_until(datetime(2026, 11, 25, 7, 50, tzinfo=JAKARTA))
    record_outbound(engine.deps, lead, Speaker.AGENT, "Any questions?", engine.clock.now())
    # When the ticks run every minute until 09:00
    every_minute(engine, 70)
    # Then the nudge went at 08:50, an hour after the counsellor's message, not at 08:00
    assert sent(engine, lead) == [("nudge", "08:50")]
    [went] = engine.deps.followups.followups_of(lead)
    assert Reason.SPACED in [change.reason for change in went.history]


def test_a_counsellors_send_now_goes_at_once_after_their_own_message(
    engine: MemoryEngine,
) -> None:
    # Given a counsellor who wrote to a lead a minute ago
    engine.deps.rules.save_rule(rule("nudge", steps=TWO_STEPS[:1]))
    lead = quiet_contact(engine.deps, LEAD, engine.clock.now() - timedelta(hours=8)).id
    engine.sandbox.record_inbound(LEAD, engine.clock.now() - timedelta(hours=8))
    record_outbound(engine.deps, lead, Speaker.AGENT, "Any questions?", engine.clock.now())
    engine.clock.advance(MINUTE)
    # When they send the nudge by hand
    send_now(engine.deps, lead, "nudge")
    engine.drain()
    # Then it goes at once: the gap spaces the journeys, not a person's own sends
    assert sent(engine, lead) == [("nudge", "09:01")]
