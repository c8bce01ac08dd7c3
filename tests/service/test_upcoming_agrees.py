"""The contact's upcoming steps promise what the ticks then do: a rule's first step sent by
hand (or still going by hand) is shown as such, not as a step to come, and the journey's
next step is timed from the send by hand, as the engine times it; a journey that the next
tick ends (opt-out, score gating, the frequency cap) promises nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

from followup.domain.contact import Contact, Score
from followup.domain.followup import Status
from followup.domain.rule import Rule, Step
from followup.services.bulk_cancel import cancel_queued
from followup.services.contacts import update_contact
from followup.services.manual import send_now
from followup.services.pausing import pause_number
from followup.services.upcoming import upcoming
from followup_local.envelopes import text_message
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import holidays, quiet_contact, rule, sends_a_day
from tests.support.by_hand import held_by_hand, resume

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
WA_ID = "6281100002101"
NUDGE, LAST_CALL = "Still there?", "Last call"


def nudge_journey() -> Rule:
    """A nudge once the lead is quiet for an hour, a last call 2 h after it."""
    return rule(
        "nudge",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[
            {"wait": {"amount": 0, "unit": "minutes"}, "text": NUDGE},
            {"wait": {"amount": 2, "unit": "hours"}, "text": LAST_CALL},
        ],
    )


def promised(engine: MemoryEngine, lead: Contact) -> list[tuple[int, bool, datetime | None]]:
    """What the contact page lists: (step, sent by hand, when it goes or went)."""
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    return [(u.step + 1, u.by_hand, u.at) for u in upcoming(engine.deps, found.item)]


def sent(engine: MemoryEngine) -> list[tuple[str, datetime]]:
    """Each text WhatsApp accepted (a dropped answer included), with when it took it."""
    return [
        (str((r.body or {}).get("text", {}).get("body")), r.received_at)
        for r in engine.sandbox.sent()
    ]


def ticks(engine: MemoryEngine, start: datetime, hours: range) -> None:
    for hour in hours:
        engine.run_until(start + hour * HOUR)
        engine.tick()


def lead_in_the_journey(engine: MemoryEngine) -> tuple[datetime, Contact]:
    """The journey saved, and a lead quiet for half an hour at 9:00."""
    start = engine.clock.now()
    engine.deps.rules.save_rule(nudge_journey())
    lead = quiet_contact(engine.deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    return start, lead


def test_a_step_going_by_hand_is_shown_so_and_not_promised_again(engine: MemoryEngine) -> None:
    # Given a lead in the journey whose nudge a counsellor sent by hand, held by a paused
    # number, and the tick that found the rule's trigger true (at 10:00)
    start, lead = lead_in_the_journey(engine)
    held_by_hand(engine, lead)
    ticks(engine, start, range(1, 2))
    # When the contact page asks what comes next
    steps = promised(engine, lead)
    # Then the nudge is shown going by hand, not as the rule's step to come
    assert [(step, by_hand) for step, by_hand, _ in steps] == [(1, True), (2, False)]
    # And once the number resumes (at 10:30) the journey is timed from the nudge by hand
    engine.run_until(start + 90 * MINUTE)
    resume(engine, lead)
    steps = promised(engine, lead)
    assert steps == [(1, True, start + 90 * MINUTE), (2, False, start + 210 * MINUTE)]
    # And the ticks send no second nudge, and the last call when promised
    ticks(engine, start, range(2, 7))
    assert sent(engine) == [(NUDGE, start + 90 * MINUTE), (LAST_CALL, start + 210 * MINUTE)]


def test_a_send_by_hand_of_unknown_outcome_counts_as_sent(engine: MemoryEngine) -> None:
    # Given a nudge by hand held by a paused number when the rule's trigger came true
    start, lead = lead_in_the_journey(engine)
    held_by_hand(engine, lead)
    ticks(engine, start, range(1, 2))
    # When the number resumes at 10:30 and WhatsApp's answer to the nudge is lost
    engine.run_until(start + 90 * MINUTE)
    engine.sandbox.drop_connection_next()
    resume(engine, lead)
    [manual] = engine.deps.followups.followups_of(lead.id)
    assert (manual.status, manual.reason) == (Status.SENDING, "outcome_unknown")
    # Then the page shows the nudge gone by hand, and the last call 2 h after it
    steps = promised(engine, lead)
    assert steps == [(1, True, start + 90 * MINUTE), (2, False, start + 210 * MINUTE)]
    # And the ticks send the last call then, and no nudge again
    ticks(engine, start, range(2, 7))
    assert sent(engine) == [(NUDGE, start + 90 * MINUTE), (LAST_CALL, start + 210 * MINUTE)]


def test_a_send_by_hand_that_ended_unsent_leaves_the_rule_its_step(engine: MemoryEngine) -> None:
    # Given a nudge by hand held by a paused number when the rule's trigger came true
    start, lead = lead_in_the_journey(engine)
    manual = held_by_hand(engine, lead)
    ticks(engine, start, range(1, 2))
    # When staff cancel it at 10:05 and the number resumes
    engine.run_until(start + 65 * MINUTE)
    cancel_queued(engine.deps, [manual])
    resume(engine, lead)
    # Then the page promises the rule's own nudge, and the last call after it
    steps = promised(engine, lead)
    assert [(step, by_hand) for step, by_hand, _ in steps] == [(1, False), (2, False)]
    nudge_at = steps[0][2]
    assert nudge_at is not None
    # And the ticks send the nudge once, then the last call 2 h later
    ticks(engine, start, range(2, 7))
    [(first, first_at), (second, second_at)] = sent(engine)
    assert (first, second, second_at - first_at) == (NUDGE, LAST_CALL, 2 * HOUR)
    assert first_at >= nudge_at


def journey_under_way(engine: MemoryEngine) -> tuple[datetime, Contact]:
    """The lead nudged by the rule at 10:00, its last call due at 12:00."""
    start, lead = lead_in_the_journey(engine)
    ticks(engine, start, range(1, 2))
    assert [text for text, _ in sent(engine)] == [NUDGE]
    assert promised(engine, lead) == [(2, False, start + 3 * HOUR)]
    return start, lead


def test_no_step_is_promised_to_a_lead_who_opted_out(engine: MemoryEngine) -> None:
    start, lead = journey_under_way(engine)
    engine.run_until(start + 70 * MINUTE)
    engine.deliver(text_message(WA_ID, "STOP", engine.clock.now(), "wamid.stop"))
    assert promised(engine, lead) == []
    ticks(engine, start, range(2, 7))
    assert [text for text, _ in sent(engine)] == [NUDGE]


def test_no_step_is_promised_that_score_gating_will_skip(engine: MemoryEngine) -> None:
    # Given a journey under way, and the lead marked cold, past the follow-ups a cold lead
    # gets
    start, lead = journey_under_way(engine)
    engine.run_until(start + 70 * MINUTE)
    now = engine.clock.now()
    cold = engine.deps.catalog.settings().gating.cold_max_followups
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(update={"score": Score.COLD, "followups_sent": cold}),
        now,
    )
    # Then the page promises no last call, and the ticks send none
    assert promised(engine, lead) == []
    ticks(engine, start, range(2, 7))
    assert [text for text, _ in sent(engine)] == [NUDGE]


def sent_before(engine: MemoryEngine, lead: Contact, at: datetime) -> None:
    """The lead counts one more follow-up, sent at `at`, besides the rule's nudge."""
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(
            update={"recent_sends": sorted([*c.recent_sends, at]), "followups_sent": 2}
        ),
        engine.clock.now(),
    )


def test_no_step_is_promised_that_the_frequency_cap_will_skip(engine: MemoryEngine) -> None:
    # Given a journey under way (the nudge at 10:00), and another follow-up at 9:30: two
    # in the day, the cap, when the last call falls due at 12:00
    start, lead = journey_under_way(engine)
    engine.run_until(start + 70 * MINUTE)
    sent_before(engine, lead, start + 30 * MINUTE)
    # Then the page promises no last call, and the ticks send none
    assert promised(engine, lead) == []
    ticks(engine, start, range(2, 7))
    assert [text for text, _ in sent(engine)] == [NUDGE]


def test_a_step_is_promised_when_the_frequency_cap_frees_by_its_due_time(
    engine: MemoryEngine,
) -> None:
    # Given a journey under way (the nudge at 10:00), and another follow-up yesterday at
    # 11:00: the cap is reached now, but frees before the last call falls due at 12:00
    start, lead = journey_under_way(engine)
    engine.run_until(start + 70 * MINUTE)
    sent_before(engine, lead, start - 22 * HOUR)
    # Then the page promises the last call at 12:00, and the ticks send it then
    assert promised(engine, lead) == [(2, False, start + 3 * HOUR)]
    ticks(engine, start, range(2, 7))
    assert sent(engine) == [(NUDGE, start + HOUR), (LAST_CALL, start + 3 * HOUR)]


def test_a_step_the_window_puts_off_past_the_cap_is_promised_and_sent_then(
    engine: MemoryEngine,
) -> None:
    # Given a nudge at 10:00 and a last call (a template) 8 h after it, another follow-up
    # at 9:30 (two in the day: the cap), and Wednesday a holiday: the last call, due at
    # 18:00 after hours, goes at the next opening, Thursday 08:00, when the cap has freed
    start = engine.clock.now()
    holidays(engine.deps, "2026-11-25")
    template = {"name": "apply_reminder", "language": "en"}
    last_call = {"wait": {"amount": 8, "unit": "hours"}, "text": LAST_CALL, "template": template}
    engine.deps.rules.save_rule(
        nudge_journey().model_copy(
            update={"steps": [nudge_journey().steps[0], Step.model_validate(last_call)]}
        )
    )
    lead = quiet_contact(engine.deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    ticks(engine, start, range(1, 2))
    engine.run_until(start + 70 * MINUTE)
    sent_before(engine, lead, start + 30 * MINUTE)
    thursday_8 = start + 47 * HOUR
    # Then the page promises it then, and the ticks neither skip it nor send it sooner
    assert promised(engine, lead) == [(2, False, thursday_8)]
    ticks(engine, start, range(2, 49))
    went = [r.received_at for r in engine.sandbox.sent()]
    assert went == [start + HOUR, thursday_8]


def test_a_step_the_least_gap_puts_off_past_the_cap_is_promised_and_sent_then(
    engine: MemoryEngine,
) -> None:
    # Given a lead sent other follow-ups yesterday at 10:30 and today at 9:30 (two in the
    # day: the cap): the nudge, due at 10:00, keeps an hour's gap and goes at 10:30, when
    # yesterday's has left the day
    start, lead = lead_in_the_journey(engine)
    yesterday, today = start - 22 * HOUR - 30 * MINUTE, start + 30 * MINUTE
    engine.run_until(today)
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(
            update={"recent_sends": [yesterday, today], "last_outbound_at": today}
        ),
        engine.clock.now(),
    )
    # Then the page promises it then, and the ticks neither skip it nor send it sooner
    assert promised(engine, lead) == [(1, False, start + 90 * MINUTE)]
    ticks(engine, start, range(1, 3))
    assert sent(engine) == [(NUDGE, start + 90 * MINUTE)]


def test_a_step_is_not_promised_before_another_rules_pending_follow_up(
    engine: MemoryEngine,
) -> None:
    # Given a journey under way (the nudge at 10:00, the last call due at 12:00), a cap
    # of three follow-ups a day, and another rule's offer a counsellor sent by hand at
    # 10:10, which its rule's own send window holds until 14:00
    start, lead = journey_under_way(engine)
    sends_a_day(engine.deps, 3)
    afternoon = {"hours": {"tue": [{"start": "14:00", "end": "17:00"}]}}
    trigger = {"kind": "event", "name": "offer_asked"}  # sent only by hand
    offer = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Offer"}]
    engine.deps.rules.save_rule(rule("offer", trigger=trigger, steps=offer, send_window=afternoon))
    engine.run_until(start + 70 * MINUTE)
    held = send_now(engine.deps, lead.id, "offer")
    assert held.scheduled_at == start + 5 * HOUR
    # When the page is asked, the last call is promised only after the offer goes
    [(step, by_hand, at)] = promised(engine, lead)
    assert (step, by_hand) == (2, False)
    assert at is not None
    assert at > start + 5 * HOUR
    # And the ticks send the offer, then the last call no earlier than promised
    ticks(engine, start, range(2, 9))
    [nudge, (offered, offered_at), (last, last_at)] = sent(engine)
    assert (nudge[0], offered, offered_at, last) == (NUDGE, "Offer", start + 5 * HOUR, LAST_CALL)
    assert last_at >= at


def test_a_step_held_by_a_paused_number_is_promised_as_held(engine: MemoryEngine) -> None:
    # Given a journey under way (the last call due at 12:00), and its number paused at 10:10
    start, lead = journey_under_way(engine)
    engine.run_until(start + 70 * MINUTE)
    number = engine.deps.numbers.sender(lead.phone_number_id, [])
    pause_number(engine.deps, number, "quality rated low", engine.clock.now())
    # When the page is asked, the last call is shown held by the paused number
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    assert [(u.step + 1, u.paused) for u in upcoming(engine.deps, found.item)] == [(2, True)]
    # And the ticks send nothing while it is paused
    ticks(engine, start, range(2, 6))
    assert [text for text, _ in sent(engine)] == [NUDGE]
    # And once it resumes (at 14:30) the last call goes at once
    engine.run_until(start + 330 * MINUTE)
    resume(engine, lead)
    ticks(engine, start, range(6, 8))
    assert sent(engine)[1:] == [(LAST_CALL, start + 330 * MINUTE)]
