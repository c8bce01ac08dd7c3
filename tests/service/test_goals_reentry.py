"""Goals and exits end a journey mid-way; the re-entry policy decides whether a contact who
was in a journey may start it again."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import FollowUp, Status
from followup.domain.ids import enrollment_id
from followup.services import crm_events
from followup.services.inbound import record_inbound
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
WA_ID = "6281100000951"
THREE_STEPS = [
    {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
    {"wait": {"amount": 1, "unit": "days"}, "template": {"name": "b", "language": "en"}},
    {"wait": {"amount": 1, "unit": "days"}, "template": {"name": "c", "language": "en"}},
]


def apply(engine: MemoryEngine, event: dict[str, Any]) -> None:
    crm_events.apply(engine.deps, crm_events.Event.model_validate(event).root)


def followups(engine: MemoryEngine, contact: Contact) -> list[FollowUp]:
    return sorted(engine.deps.followups.followups_of(contact.id), key=lambda f: f.step_index)


def ended(engine: MemoryEngine, contact: Contact) -> list[tuple[str, EnrollmentState, str | None]]:
    enrollments = engine.deps.followups.enrollments_of(contact.id)
    return [(e.item.rule_id, e.item.state, e.item.exit_reason) for e in enrollments]


def converted(engine: MemoryEngine) -> int:
    today = engine.clock.now().date()
    days = engine.deps.stats.stats(date(today.year, 1, 1), today)
    return sum(day.counts.get("converted", 0) for day in days)


def first_step_sent_second_queued(engine: MemoryEngine, **journey: Any) -> Contact:
    """A lead quiet for a day in a three-step journey: step one sent, step two queued."""
    engine.deps.rules.save_rule(rule("nurture", steps=THREE_STEPS, **journey))
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    engine.tick()
    engine.clock.advance(DAY)
    engine.scheduled("enqueue")
    assert [f.status for f in followups(engine, lead)] == [Status.SENT, Status.QUEUED]
    return lead


def test_a_goal_stage_reached_mid_journey_ends_it_as_a_goal_and_nothing_more_goes(
    engine: MemoryEngine,
) -> None:
    # Given a journey with the goal "paid", its first step sent and the second queued
    lead = first_step_sent_second_queued(engine, goal={"stages": ["paid"]}, exit={"stages": []})
    # When the CRM says the lead paid
    apply(engine, {"type": "stage_changed", "contact": WA_ID, "stage": "paid"})
    # Then the journey ended as a goal, the queued step was canceled with that reason
    assert ended(engine, lead) == [("nurture", EnrollmentState.EXITED, "goal")]
    assert [(f.status, f.reason) for f in followups(engine, lead)] == [
        (Status.SENT, None),
        (Status.CANCELED, "goal"),
    ]
    # And nothing more goes out; the payment counts as one conversion
    engine.ticks(3, every=DAY)
    assert len(engine.sandbox.sent()) == 1
    assert converted(engine) == 1


def test_a_goal_event_ends_the_journey_and_counts_one_conversion(engine: MemoryEngine) -> None:
    # Given a journey whose goal is a completed booking, its second step queued
    lead = first_step_sent_second_queued(engine, goal={"events": ["booking_completed"]})
    # When the booking tool reports the booking (twice, as a retry would)
    booked = {"type": "custom", "name": "booking_completed", "contact": WA_ID, "id": "bk-1"}
    apply(engine, booked)
    apply(engine, booked)
    # Then the journey ended as a goal and its queued step was canceled
    assert ended(engine, lead) == [("nurture", EnrollmentState.EXITED, "goal")]
    assert [(f.status, f.reason) for f in followups(engine, lead)] == [
        (Status.SENT, None),
        (Status.CANCELED, "goal"),
    ]
    # And the step that was sent converted, counted once even when the lead also pays
    assert followups(engine, lead)[0].converted_at == engine.clock.now()
    apply(engine, {"type": "stage_changed", "contact": WA_ID, "stage": "paid"})
    assert converted(engine) == 1
    engine.ticks(3, every=DAY)
    assert len(engine.sandbox.sent()) == 1


def test_an_exit_event_ends_the_journey_without_a_conversion(engine: MemoryEngine) -> None:
    # Given a journey that ends when the lead cancels, its second step queued
    lead = first_step_sent_second_queued(
        engine, goal={"events": ["booking_completed"]}, exit={"events": ["booking_cancelled"]}
    )
    # When the booking tool reports a cancellation (and an event no rule names)
    apply(engine, {"type": "custom", "name": "newsletter_opened", "contact": WA_ID})
    assert ended(engine, lead) == [("nurture", EnrollmentState.ACTIVE, None)]
    apply(engine, {"type": "custom", "name": "booking_cancelled", "contact": WA_ID})
    # Then the journey exited for that reason, and nothing more goes out
    assert ended(engine, lead) == [("nurture", EnrollmentState.EXITED, "exit_event")]
    assert [(f.status, f.reason) for f in followups(engine, lead)] == [
        (Status.SENT, None),
        (Status.CANCELED, "exit_event"),
    ]
    engine.ticks(3, every=DAY)
    assert len(engine.sandbox.sent()) == 1
    assert converted(engine) == 0


@pytest.mark.parametrize(
    ("reentry", "sends", "refused"),
    [
        ({"policy": "always"}, 4, {}),
        ({}, 4, {}),
        ({"policy": "never"}, 1, {"not_enrolled:reentry_never": 3}),
        (
            {"policy": "cooldown", "cooldown": {"amount": 3, "unit": "days"}},
            2,
            {"not_enrolled:reentry_cooldown": 2},
        ),
    ],
)
def test_the_re_entry_policy_decides_whether_a_new_silence_enrolls_again(
    engine: MemoryEngine, reentry: dict[str, Any], sends: int, refused: dict[str, int]
) -> None:
    # Given a one-step journey for leads quiet a day, with a re-entry policy
    journey = rule(reentry=reentry) if reentry else rule()
    engine.deps.rules.save_rule(journey)
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    # When the lead answers each follow-up and falls silent again, four days running
    seen: dict[str, int] = {}
    for _ in range(4):
        reasons = engine.tick()["enqueue"]["reasons"]
        for reason, count in reasons.items():
            seen[reason] = seen.get(reason, 0) + count
        record_inbound(engine.deps, WA_ID, "ok, thanks", engine.clock.now())
        engine.clock.advance(DAY)
    # Then each new silence enrolled again as the policy allows, and the tick said why not
    assert len(engine.sandbox.sent()) == sends
    assert len(engine.deps.followups.enrollments_of(lead.id)) == sends
    assert seen == refused


def test_an_event_trigger_with_re_entry_never_enrolls_a_contact_once(
    engine: MemoryEngine,
) -> None:
    # Given a journey started by each completed booking, which a lead may enter once
    engine.deps.rules.save_rule(
        rule(
            "after-booking",
            trigger={"kind": "event", "name": "booking_completed"},
            reentry={"policy": "never"},
        )
    )
    lead = quiet_contact(engine.deps, WA_ID, engine.clock.now() - 25 * HOUR)
    # When the lead books twice, a week apart
    for booking in ("bk-1", "bk-2"):
        apply(
            engine, {"type": "custom", "name": "booking_completed", "contact": WA_ID, "id": booking}
        )
        engine.tick()
        engine.clock.advance(7 * DAY)
    # Then only the first booking started the journey
    occurrence = "event:booking_completed:bk-1"
    assert [e.item.id for e in engine.deps.followups.enrollments_of(lead.id)] == [
        enrollment_id("after-booking", lead.id, occurrence)
    ]
    assert len(engine.sandbox.sent()) == 1


@pytest.mark.parametrize(("policy", "sends"), [("always", 2), ("never", 1)])
def test_a_late_message_enrolls_its_silence_only_as_the_re_entry_policy_allows(
    engine: MemoryEngine, policy: str, sends: int
) -> None:
    # Given a lead who got the follow-up of a five-minute rule
    five_minutes = {"stages": ["new"], "idle": {"amount": 5, "unit": "minutes"}}
    engine.deps.rules.save_rule(rule(trigger=five_minutes, reentry={"policy": policy}))
    wrote = engine.clock.now() - timedelta(minutes=10)
    quiet_contact(engine.deps, WA_ID, wrote)
    engine.sandbox.record_inbound(WA_ID, wrote)
    engine.tick()
    # When the lead's answer reaches the webhook two ticks after it was written
    written = engine.clock.now() + timedelta(minutes=1)
    engine.sandbox.record_inbound(WA_ID, written)
    message = envelopes.text_message(WA_ID, "thanks, later", written, "wamid.late.2")
    engine.ticks(2, every=HOUR)
    assert engine.deliver(message) == 200
    engine.tick()
    # Then its silence was followed up only if the rule lets the lead in again
    assert len(engine.sandbox.sent()) == sends


def test_a_silence_broken_before_it_crossed_does_not_count_as_being_in_the_journey(
    engine: MemoryEngine,
) -> None:
    # Given a rule a contact may be in once ever, and a lead quiet for 23.5 h at the 09:00
    # tick: enrolled ahead of the silence crossing 24 h at 09:30
    engine.deps.rules.save_rule(rule(reentry={"policy": "never"}))
    wa_id = "6281100000981"
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - timedelta(hours=23, minutes=30))
    engine.tick()
    # When the lead writes at 09:10, before it crossed: that trigger never came true
    engine.clock.advance(timedelta(minutes=10))
    record_inbound(engine.deps, wa_id, "still here", engine.clock.now())
    [ahead] = engine.deps.followups.enrollments_of(lead.id)
    assert ahead.item.exit_reason == "silence_broken"
    # Then their next silence starts the journey: the first message goes once it crosses
    engine.ticks(48, every=timedelta(hours=1))
    assert len(engine.sandbox.sent()) == 1


def test_a_lead_in_a_journey_a_reply_does_not_end_is_not_enrolled_in_it_a_second_time(
    engine: MemoryEngine,
) -> None:
    # Given a three-step journey for leads quiet a day that a reply does not end, and a
    # lead who answers its first step
    lead = first_step_sent_second_queued(engine, exit={"on_reply": False})
    record_inbound(engine.deps, WA_ID, "ok, noted", engine.clock.now())
    # When the silence after that answer passes a day while the journey still runs
    seen: dict[str, int] = {}
    for _ in range(3 * 24):
        engine.clock.advance(HOUR)
        for reason, count in engine.tick()["enqueue"]["reasons"].items():
            seen[reason] = seen.get(reason, 0) + count
    # Then the lead got the journey once, its three steps, and the tick said why not again
    assert [e.item.state for e in engine.deps.followups.enrollments_of(lead.id)] == [
        EnrollmentState.COMPLETED
    ]
    assert len(engine.sandbox.sent()) == 3
    assert seen == {"not_enrolled:in_journey": 1}
    # And once it is over, the lead's next silence starts it again
    record_inbound(engine.deps, WA_ID, "one more question", engine.clock.now())
    engine.ticks(2 * 24, every=HOUR)
    assert len(engine.deps.followups.enrollments_of(lead.id)) == 2
    assert len(engine.sandbox.sent()) == 4


def test_a_conversion_credited_from_a_copy_read_before_a_reply_keeps_the_reply(
    engine: MemoryEngine,
) -> None:
    from followup.services.goals import credit_last_send
    from tests.support.sender import sent_followup

    # Given a follow-up sent to a lead, read by a goal event about to credit it
    wa_id = "6281100000904"
    sent = sent_followup(engine, wa_id)
    read_by_goal_event = engine.deps.followups.followup(sent.id)
    assert read_by_goal_event is not None
    assert read_by_goal_event.status is Status.SENT
    # When the lead's reply is handled meanwhile, then the goal event credits its copy
    at = engine.clock.advance(timedelta(seconds=10))
    record_inbound(engine.deps, wa_id, "yes, I paid", at)
    credit_last_send(engine.deps, [read_by_goal_event], at)
    # Then the follow-up is converted and still responded, as the stats counted it
    found = engine.deps.followups.followup(sent.id)
    assert found is not None
    assert (found.status, found.converted_at) == (Status.RESPONDED, at)


def test_a_journey_whose_lead_moves_on_twice_converts_once(engine: MemoryEngine) -> None:
    # Given a two-step journey: the lead qualifies after its first send, and applies (its
    # exit) after its second
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
        {"wait": {"amount": 1, "unit": "hours"}, "template": {"name": "b", "language": "en"}},
    ]
    engine.deps.rules.save_rule(rule(steps=steps))
    lead = quiet_contact(engine.deps, "6281100000391", engine.clock.now() - timedelta(hours=25))
    engine.tick()
    engine.clock.advance(timedelta(minutes=5))
    apply(engine, {"type": "stage_changed", "contact": lead.wa_id, "stage": "qualified"})
    engine.clock.advance(timedelta(hours=1))
    engine.tick()
    engine.clock.advance(timedelta(minutes=5))
    apply(engine, {"type": "stage_changed", "contact": lead.wa_id, "stage": "applied"})
    # Then the rule counts one lead converted, on its first send
    sends = followups(engine, lead)
    assert [f.sent_at is not None for f in sends] == [True, True]
    assert [f.converted_at is not None for f in sends] == [True, False]
    assert converted(engine) == 1


def test_a_goal_event_two_rules_share_credits_each_rules_last_send(engine: MemoryEngine) -> None:
    # Given two rules whose goal is a booking, each of which sent the lead its first step
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "template": {"name": "a", "language": "en"}},
        {"wait": {"amount": 2, "unit": "days"}, "template": {"name": "b", "language": "en"}},
    ]
    goal = {"events": ["booking_completed"]}
    later = {"stages": ["new"], "idle": {"amount": 25, "unit": "hours"}}
    engine.deps.rules.save_rule(rule("rule-a", steps=steps, goal=goal))
    engine.deps.rules.save_rule(rule("rule-b", steps=steps, goal=goal, trigger=later))
    quiet = engine.clock.now() - timedelta(hours=24, minutes=1)
    lead = quiet_contact(engine.deps, "6281100000491", quiet)
    engine.tick()
    engine.clock.advance(timedelta(hours=1))
    engine.tick()
    # When the lead books
    engine.clock.advance(timedelta(minutes=10))
    apply(engine, {"type": "custom", "name": "booking_completed", "contact": lead.wa_id})
    # Then both journeys end as their goal, and each rule counts the conversion
    assert sorted((rule_id, reason) for rule_id, _, reason in ended(engine, lead)) == [
        ("rule-a", "goal"),
        ("rule-b", "goal"),
    ]
    sends = engine.deps.followups.followups_of(lead.id)
    assert {(f.rule_id, f.converted_at is not None) for f in sends} == {
        ("rule-a", True),
        ("rule-b", True),
    }
    assert converted(engine) == 2
