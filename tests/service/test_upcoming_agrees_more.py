"""The contact's upcoming steps count what is still to go toward the frequency cap, as
the ticks do once it went: a step the cap will skip for another follow-up already queued
for the contact (another rule's, sent by hand, or the journey's own) is not promised. And
a send the messaging limit or a new number's warm-up cap may put off at send time is
marked so: the engine then defers it. The list stops where the rule's `max_sends` ends the
journey, counting a step's message once whichever channels carry it, as the ticks do. A
later step's channels for no reply are listed when the ticks send them, on the channels
that reach the lead, the next step timed from the last of them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Contact
from followup.domain.followup import FollowUp, Status
from followup.domain.messaging_limit import DEFERRED, WARMING_UP
from followup.domain.rule import Rule
from followup.domain.settings import FrequencyCap
from followup.services.contacts import update_contact
from followup.services.manual import send_now
from followup.services.upcoming import SHOWN_STEPS, upcoming
from followup_local.envelopes import text_message
from followup_local.memory_engine import MemoryEngine
from tests.service.test_max_sends_counts_steps import (
    NO_REPLY,
    RUDI,
    started,
    step,
    whatsapp_to_rudi,
)
from tests.service.test_upcoming_agrees import (
    LAST_CALL,
    NUDGE,
    WA_ID,
    journey_under_way,
    nudge_journey,
    promised,
    sent,
    ticks,
)
from tests.support.builders import quiet_contact, rule
from tests.support.limits import admit, warming

if TYPE_CHECKING:
    from tests.support.outbox import Outbox

HOUR, MINUTE, DAY = timedelta(hours=1), timedelta(minutes=1), timedelta(days=1)
JAKARTA = ZoneInfo("Asia/Jakarta")
OFFER = "Offer"
ALLOWANCE = 225
"""The first tier (250 users) less its 10 % headroom."""


def offer_held_till_the_afternoon(engine: MemoryEngine, lead: Contact) -> None:
    """Another rule's offer, sent by hand now and held by its send window until 14:00."""
    afternoon = {"hours": {"tue": [{"start": "14:00", "end": "17:00"}]}}
    trigger = {"kind": "event", "name": "offer_asked"}  # sent only by hand
    steps = [{"wait": {"amount": 0, "unit": "minutes"}, "text": OFFER}]
    engine.deps.rules.save_rule(rule("offer", trigger=trigger, steps=steps, send_window=afternoon))
    held = send_now(engine.deps, lead.id, "offer")
    assert held.status is Status.QUEUED


def test_a_step_the_cap_skips_for_a_follow_up_queued_by_hand_is_not_promised(
    engine: MemoryEngine,
) -> None:
    # Given a journey under way (the nudge at 10:00, the last call due at 12:00), and at
    # 10:10 another rule's offer sent by hand, which its send window holds until 14:00:
    # two follow-ups in the day, the cap, once the offer goes
    start, lead = journey_under_way(engine)
    engine.run_until(start + 70 * MINUTE)
    offer_held_till_the_afternoon(engine, lead)
    # Then the page promises no last call
    assert promised(engine, lead) == []
    # And the ticks send the offer at 14:00, and no last call
    ticks(engine, start, range(2, 9))
    assert sent(engine) == [(NUDGE, start + HOUR), (OFFER, start + 5 * HOUR)]


def test_a_step_the_cap_skips_for_the_journeys_own_queued_send_is_not_promised(
    engine: MemoryEngine,
) -> None:
    # Given a lead sent a follow-up at 8:00 who last wrote at 8:30, and the journey saved
    # at 9:00: its nudge falls due at 9:30, the last call at 11:30
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(update={"recent_sends": [start - HOUR], "followups_sent": 1}),
        start,
    )
    engine.deps.rules.save_rule(nudge_journey())
    # When the tick at 9:00 queues the nudge ahead, and the page is asked before it goes
    engine.tick()
    queued = [f for f in engine.deps.followups.followups_of(lead.id) if f.status.unsent]
    assert [f.scheduled_at for f in queued] == [start + 30 * MINUTE]
    # Then the page promises no last call: with the nudge, two follow-ups in the day
    assert promised(engine, lead) == []
    # And the ticks send the nudge, and no last call
    engine.run_until(start + 30 * MINUTE)
    engine.drain()
    ticks(engine, start, range(1, 6))
    assert [text for text, _ in sent(engine)] == [NUDGE]


def reminders() -> Rule:
    """A nudge once the lead is quiet for 22.5 h, a last call 2 h after it; each a free
    text inside the lead's window, else a template."""
    template = {"name": "apply_reminder", "language": "en"}
    return rule(
        "nudge",
        trigger={"stages": ["new"], "idle": {"amount": 1350, "unit": "minutes"}},
        steps=[
            {"wait": {"amount": 0, "unit": "minutes"}, "text": NUDGE, "template": template},
            {"wait": {"amount": 2, "unit": "hours"}, "text": LAST_CALL, "template": template},
        ],
    )


def nudged_in_the_window(engine: MemoryEngine) -> tuple[datetime, Contact]:
    """A lead who last wrote yesterday at 11:00, nudged at 9:30 inside the window (which
    counts against no cap); the last call, due at 11:30 outside it, is a template."""
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, WA_ID, start - 22 * HOUR, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 22 * HOUR)
    engine.deps.rules.save_rule(reminders())
    ticks(engine, start, range(0, 2))
    assert (to_lead(engine), sent(engine)[-1]) == (1, (NUDGE, start + 30 * MINUTE))
    return start, lead


def may_defer(engine: MemoryEngine, lead: Contact) -> list[tuple[int, str | None]]:
    """What the contact page lists: (step, what may put its send off)."""
    found = engine.deps.contacts.contact(lead.id)
    assert found is not None
    return [(u.step + 1, u.may_defer) for u in upcoming(engine.deps, found.item)]


def last_call(engine: MemoryEngine, lead: Contact) -> FollowUp:
    [found] = [f for f in engine.deps.followups.followups_of(lead.id) if f.step_index == 1]
    return found


def to_lead(engine: MemoryEngine) -> int:
    return sum(1 for r in engine.sandbox.sent() if r.body and r.body.get("to") == WA_ID)


def test_a_send_the_spent_messaging_limit_may_defer_is_marked_so(engine: MemoryEngine) -> None:
    # Given a lead nudged inside the window, the last call due at 11:30 outside it
    start, lead = nudged_in_the_window(engine)
    assert may_defer(engine, lead) == [(2, None)]
    # When the portfolio's other numbers spend the messaging limit at 10:00
    deps = engine.deps
    assert deps.reach is not None
    limit = deps.catalog.settings().messaging_limit
    for _ in range(ALLOWANCE):
        assert admit(deps.reach, limit, engine.clock.now()) is None
    # Then the page marks the last call as one the limit may put off
    assert may_defer(engine, lead) == [(2, "messaging_limit")]
    # And the ticks defer it for the limit, sending the lead nothing more
    ticks(engine, start, range(2, 6))
    deferred = last_call(engine, lead)
    assert (deferred.status, deferred.reason, to_lead(engine)) == (Status.QUEUED, DEFERRED, 1)


def test_a_send_a_warming_numbers_cap_may_defer_is_marked_so(engine: MemoryEngine) -> None:
    # Given a new number allowed one business-initiated send today, which another lead's
    # reminder sent by hand takes, and a lead nudged inside the window
    warming(engine.deps, [1, 1])
    other = quiet_contact(engine.deps, "6281100002102", engine.clock.now() - 30 * HOUR)
    by_hand = {"kind": "event", "name": "win_back_asked"}
    engine.deps.rules.save_rule(rule("win-back", trigger=by_hand))
    send_now(engine.deps, other.id, "win-back")
    engine.drain()
    start, lead = nudged_in_the_window(engine)
    # Then the page marks the last call, outside the window, as one the warm-up may put off
    assert may_defer(engine, lead) == [(2, "warm_up")]
    # And the ticks defer it to a later day for the warm-up, sending the lead nothing more
    ticks(engine, start, range(2, 6))
    deferred = last_call(engine, lead)
    assert (deferred.status, deferred.reason, to_lead(engine)) == (Status.QUEUED, WARMING_UP, 1)


def test_upcoming_promises_the_next_step_before_the_repeats_of_the_one_just_sent(
    engine: MemoryEngine,
) -> None:
    # Given a journey: a nudge sent again every day (twice more) until the lead replies,
    # then a last call two hours after the last nudge
    deps, now = engine.deps, engine.clock.now()
    journey = rule(
        "nudge-daily",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "text": "Still there?",
                "template": {
                    "name": "apply_reminder",
                    "language": "en",
                    "params": [{"field": "first_name", "default": "there"}],
                },
                "repeat": {"every": {"amount": 1, "unit": "days"}, "times": 2},
            },
            {
                "wait": {"amount": 2, "unit": "hours"},
                "text": "Last call",
                "template": {
                    "name": "apply_reminder",
                    "language": "en",
                    "params": [{"field": "first_name", "default": "there"}],
                },
            },
        ],
    )
    deps.rules.save_rule(journey)
    lead = quiet_contact(deps, "6281100009201", now - 2 * HOUR, name="lead")
    engine.sandbox.record_inbound("6281100009201", now - 2 * HOUR)
    # And the first nudge was sent by the tick at 09:00
    engine.tick()
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    # When the contact page asks what comes next
    found = deps.contacts.contact(lead.id)
    assert found is not None
    listed = [(u.step + 1, u.at) for u in upcoming(deps, found.item)]
    # And the ticks run every 15 minutes for three days
    for n in range(1, 3 * 24 * 4):
        engine.run_until(now + n * 15 * MINUTE)
        engine.tick()
    sent = [r.received_at for r in engine.sandbox.sent()]
    # Then the nudge went three times, the last call two hours after the third
    assert sent == [now, now + DAY, now + 2 * DAY, now + 2 * DAY + 2 * HOUR]
    # And the contact page promised the last call when it went (it listed it a day and a
    # half early, right after the first repeat)
    last_call = [at for step, at in listed if step == 2]
    assert last_call == [now + 2 * DAY + 2 * HOUR], listed
    # after the two repeats of the nudge still to come
    assert [at for step, at in listed if step == 1] == [now + DAY, now + 2 * DAY]


def test_the_contact_page_times_a_later_step_from_the_earlier_steps_real_send(
    engine: MemoryEngine,
) -> None:
    # Given a journey: a nudge once quiet for an hour, a reminder 8 h after it, a last
    # call 3 h after the reminder (default settings: Mon-Fri 08-17, 2 sends per 24 h)
    deps, start = engine.deps, engine.clock.now()  # Tue 09:00 Jakarta
    template = {"name": "apply_reminder", "language": "en"}
    deps.rules.save_rule(
        rule(
            "nudge",
            trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
            steps=[
                {"wait": {"amount": 0, "unit": "minutes"}, "template": template},
                {"wait": {"amount": 8, "unit": "hours"}, "template": template},
                {"wait": {"amount": 3, "unit": "hours"}, "template": template},
            ],
        )
    )
    lead = quiet_contact(deps, "6281100009101", start - 30 * MINUTE, name="lead")
    # When the nudge goes at 09:30 and the contact page is read at 11:00
    for minutes in range(0, 120, 10):
        engine.run_until(start + minutes * MINUTE)
        engine.tick()
    found = deps.contacts.contact(lead.id)
    assert found is not None
    promised = [
        f"{u.at.astimezone(ZoneInfo('Asia/Jakarta')):%a %H:%M}"
        for u in upcoming(deps, found.item)
        if u.at
    ]
    # And the ticks run for two days
    for hour in range(2, 50):
        engine.run_until(start + hour * HOUR)
        engine.tick()
    went = [
        f"{r.received_at.astimezone(ZoneInfo('Asia/Jakarta')):%a %H:%M}"
        for r in engine.sandbox.sent()
    ]
    # Then the engine sends the reminder at Wed 08:00 (17:30 was after hours) and the last
    # call 3 h after that reminder, at Wed 11:00 ...
    assert went == ["Tue 09:30", "Wed 08:00", "Wed 11:00"]
    # ... and the contact page promised exactly those two sends
    assert promised == went[1:], f"page promised {promised}"


def listed(engine: MemoryEngine, first: FollowUp) -> list[tuple[int, datetime | None]]:
    """What the contact page lists for the lead `first` went to: (step, when it goes)."""
    found = engine.deps.contacts.contact(first.contact_id)
    assert found is not None
    return [(u.step + 1, u.at) for u in upcoming(engine.deps, found.item)]


def test_no_step_is_promised_past_the_rules_max_sends(engine: MemoryEngine) -> None:
    # Given a three-step journey capped at two messages, a day between steps, its first
    # step sent at 9:00 on Tuesday
    start = engine.clock.now()
    first = started(engine, 2, step(0, []), step(1, []), step(1, []))
    # Then the page promises the second step on Wednesday, and not the third
    assert listed(engine, first) == [(2, start + DAY)]
    # And the ticks send the second step, and no third
    engine.ticks(72, every=HOUR)
    assert whatsapp_to_rudi(engine) == 2


@pytest.mark.parametrize(("max_sends", "steps"), [(1, [1]), (2, [1, 2])])
def test_the_sms_for_no_reply_of_the_step_at_max_sends_is_still_promised(
    engine: MemoryEngine, outbox: Outbox, max_sends: int, steps: list[int]
) -> None:
    # Given a two-step journey capped at `max_sends` messages, whose first step, sent by
    # WhatsApp at 9:00 on Tuesday, goes on by SMS when no reply comes within a day
    start = engine.clock.now()
    first = started(engine, max_sends, step(0, ["sms"], **NO_REPLY), step(1, []))
    # Then the page promises that SMS on Wednesday, and the second step only if the cap
    # leaves room for it (the SMS is part of the first step's message)
    expected = [(1, start + DAY), (2, start + 2 * DAY)]
    assert listed(engine, first) == expected[: len(steps)]
    # And the ticks send the SMS, and the second step only then
    engine.ticks(72, every=HOUR)
    assert (len(outbox.sent), whatsapp_to_rudi(engine)) == (1, len(steps))


@pytest.mark.parametrize(("max_sends", "steps"), [(1, []), (2, [2])])
def test_no_sms_for_no_reply_is_promised_once_the_lead_replied(
    engine: MemoryEngine, outbox: Outbox, max_sends: int, steps: list[int]
) -> None:
    # Given a two-step journey capped at `max_sends` messages that runs on when the lead
    # replies, whose first step, sent by WhatsApp at 9:00 on Tuesday, goes on by SMS when
    # no reply comes within a day
    start = engine.clock.now()
    no_exit = {"on_reply": False}
    first = started(engine, max_sends, step(0, ["sms"], **NO_REPLY), step(1, []), exit=no_exit)
    # When the lead replies at 10:00
    engine.clock.advance(HOUR)
    engine.deliver(text_message(RUDI, "Thinking about it", engine.clock.now(), "wamid.reply"))
    # Then the page promises no SMS, only the second step on Wednesday if the cap leaves
    # room for it
    assert listed(engine, first) == [(n, start + DAY) for n in steps]
    # And the ticks to Wednesday 9:00 send no SMS, and the second step only then
    engine.ticks(23, every=HOUR)
    assert (len(outbox.sent), whatsapp_to_rudi(engine)) == (0, 1 + len(steps))


def test_nothing_is_promised_after_a_queued_send_that_reaches_max_sends(
    engine: MemoryEngine,
) -> None:
    # Given the nudge journey capped at one message, and a lead who last wrote at 8:30:
    # the tick at 9:00 queues the nudge ahead, for 9:30
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    engine.deps.rules.save_rule(nudge_journey().model_copy(update={"max_sends": 1}))
    engine.tick()
    assert [f.status for f in engine.deps.followups.followups_of(lead.id)] == [Status.QUEUED]
    # Then the page promises no last call after it
    assert promised(engine, lead) == []
    # And the ticks send the nudge, and no last call
    engine.run_until(start + 30 * MINUTE)
    engine.drain()
    ticks(engine, start, range(1, 6))
    assert [text for text, _ in sent(engine)] == [NUDGE]


def with_fallbacks(
    wait_days: int, fallbacks: list[str], no_reply_hours: int = 24
) -> dict[str, Any]:
    """A WhatsApp step `wait_days` after the one before, going on to `fallbacks` (each an
    SMS or an email) when no reply comes within `no_reply_hours`."""
    no_reply = {"no_reply_within": {"amount": no_reply_hours, "unit": "hours"}}
    email = {"subject": "{first_name|Hi}, one step left", "body": "Hi {first_name|there}."}
    return {**step(wait_days, fallbacks, **no_reply), "email": email}


def sends_promised(engine: MemoryEngine, first: FollowUp) -> list[tuple[int, str, datetime]]:
    """What the contact page lists for the lead `first` went to: (step, channel, when)."""
    found = engine.deps.contacts.contact(first.contact_id)
    assert found is not None
    return [(u.step + 1, u.does, u.at) for u in upcoming(engine.deps, found.item) if u.at]


def sends_made(engine: MemoryEngine, first: FollowUp) -> list[tuple[int, str, datetime]]:
    """What went to the lead after `first`, in order: (step, channel, when)."""
    went = [
        (f.step_index + 1, f.channel, f.sent_at)
        for f in engine.deps.followups.followups_of(first.contact_id)
        if f.sent_at is not None and f.id != first.id
    ]
    return sorted(went, key=lambda sent: sent[2])


WEDNESDAY_9, THURSDAY_8, THURSDAY_9 = 24 * HOUR, 47 * HOUR, 48 * HOUR


@pytest.mark.parametrize(
    ("max_sends", "steps", "promised"),
    [
        (
            5,
            [with_fallbacks(1, ["sms"]), step(1, [])],
            [(2, "whatsapp", WEDNESDAY_9), (2, "sms", THURSDAY_9), (3, "whatsapp", 3 * DAY)],
        ),
        (
            5,
            [with_fallbacks(1, ["sms"], no_reply_hours=8), step(1, [])],
            [(2, "whatsapp", WEDNESDAY_9), (2, "sms", THURSDAY_8), (3, "whatsapp", 3 * DAY - HOUR)],
        ),
        (
            5,
            [with_fallbacks(1, ["email", "sms"]), step(1, [])],
            [(2, "whatsapp", WEDNESDAY_9), (2, "sms", THURSDAY_9), (3, "whatsapp", 3 * DAY)],
        ),
        (
            5,
            [with_fallbacks(1, ["sms", "email"]), step(1, [])],
            [(2, "whatsapp", WEDNESDAY_9), (2, "sms", THURSDAY_9)],
        ),
        (
            2,
            [with_fallbacks(1, ["sms"]), step(1, [])],
            [(2, "whatsapp", WEDNESDAY_9), (2, "sms", THURSDAY_9)],
        ),
        (
            9,
            [with_fallbacks(1, ["sms"]), with_fallbacks(1, ["sms"]), with_fallbacks(1, ["sms"])],
            [
                (2, "whatsapp", WEDNESDAY_9),
                (2, "sms", THURSDAY_9),
                (3, "whatsapp", 3 * DAY),
                (3, "sms", 6 * DAY - HOUR),
                (4, "whatsapp", 7 * DAY - HOUR),
            ],
        ),
    ],
    ids=["sms", "sms-after-hours", "email-passed-over", "email-ends", "max-sends", "five"],
)
def test_a_later_steps_fallback_for_no_reply_is_promised_when_the_ticks_send_it(
    engine: MemoryEngine,
    outbox: Outbox,
    max_sends: int,
    steps: list[dict[str, Any]],
    promised: list[tuple[int, str, timedelta]],
) -> None:
    # Given Rudi (no email address) sent the first step of a journey at 9:00 on Tuesday,
    # whose later steps go on by SMS or email when no reply comes
    start = engine.clock.now()
    first = started(engine, max_sends, step(0, []), *steps)
    # Then the page promises each step's fallback after its WhatsApp message, when the
    # tick plans it, only on a channel that reaches him, and the next step timed from it
    expected = [(number, channel, start + after) for number, channel, after in promised]
    assert sends_promised(engine, first) == expected
    # And the ticks send them then, the page's first five of them
    engine.ticks(12 * 24, every=HOUR)
    assert sends_made(engine, first)[:SHOWN_STEPS] == expected


def test_a_fallback_by_sms_is_not_marked_as_one_the_messaging_limit_may_defer(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given Rudi sent the first step of a journey at 9:00 on Tuesday, whose second step
    # goes on by SMS when no reply comes, and the portfolio's messaging limit spent
    first = started(engine, 5, step(0, []), with_fallbacks(1, ["sms"]))
    deps = engine.deps
    assert deps.reach is not None
    limit = deps.catalog.settings().messaging_limit
    for _ in range(ALLOWANCE):
        admit(deps.reach, limit, engine.clock.now())
    # When the contact page lists what comes next
    found = deps.contacts.contact(first.contact_id)
    assert found is not None
    listed = [(u.step + 1, u.does, u.may_defer) for u in upcoming(deps, found.item)]
    # Then the WhatsApp message is marked as one the limit may put off, and the SMS,
    # which the limit does not count, is not
    assert listed == [(2, "whatsapp", "messaging_limit"), (2, "sms", None)]


def test_no_fallback_is_promised_that_the_frequency_cap_will_skip(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given Rudi sent the first step of a journey at 9:00 on Tuesday, whose second step
    # goes on by SMS when no reply comes within 4 h, and a cap of one follow-up in 12 h
    start = engine.clock.now()
    steps = [with_fallbacks(1, ["sms"], no_reply_hours=4), step(1, [])]
    first = started(engine, 5, step(0, []), *steps)
    settings = engine.deps.rules.settings()
    cap = FrequencyCap.model_validate({"max_sends": 1, "per": {"amount": 12, "unit": "hours"}})
    gating = settings.gating.model_copy(update={"frequency_cap": cap})
    engine.deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    engine.deps.catalog.invalidate()
    # Then the page promises the WhatsApp message on Wednesday, and no SMS 4 h after it
    # (the cap skips it, ending the journey), nor anything after
    assert sends_promised(engine, first) == [(2, "whatsapp", start + DAY)]
    # And the ticks send the WhatsApp message, and nothing more
    engine.ticks(5 * 24, every=HOUR)
    assert sends_made(engine, first) == [(2, "whatsapp", start + DAY)]


def test_a_fallback_the_journey_waits_on_is_listed_on_its_own_channel(
    engine: MemoryEngine, outbox: Outbox
) -> None:
    # Given Rudi sent the first step of a journey at 9:00 on Tuesday, and its second step
    # by WhatsApp at 9:00 on Wednesday, which goes on by SMS when no reply comes in a day
    start = engine.clock.now()
    first = started(engine, 5, step(0, []), with_fallbacks(1, ["sms"]), step(1, []))
    engine.ticks(25, every=HOUR)
    assert [channel for _, channel, _ in sends_made(engine, first)] == ["whatsapp"]
    # Then the page lists the SMS the journey now waits on as an SMS, then the third step
    assert sends_promised(engine, first) == [
        (2, "sms", start + THURSDAY_9),
        (3, "whatsapp", start + 3 * DAY),
    ]


@pytest.mark.parametrize(
    ("steps", "promised"),
    [
        ([step(1, []), step(1, [])], []),
        (
            [with_fallbacks(1, ["sms"]), step(1, [])],
            [(2, "sms", WEDNESDAY_9)],
        ),
    ],
    ids=["whatsapp-only-ends", "sms-instead"],
)
def test_a_later_step_goes_on_the_channel_that_still_reaches_a_lead_who_stopped_whatsapp(
    engine: MemoryEngine,
    outbox: Outbox,
    steps: list[dict[str, Any]],
    promised: list[tuple[int, str, timedelta]],
) -> None:
    # Given Rudi sent the first step of a journey at 9:00 on Tuesday, who then stopped
    # WhatsApp messages alone (SMS still reach him)
    start = engine.clock.now()
    first = started(engine, 5, step(0, []), *steps)
    update_contact(
        engine.deps,
        first.contact_id,
        lambda c: c.with_channel_stopped("whatsapp", engine.clock.now()),
        engine.clock.now(),
    )
    # Then the page promises a later step only on a channel that reaches him, and nothing
    # past a step none of whose channels does (the sender ends the journey there)
    expected = [(number, channel, start + after) for number, channel, after in promised]
    assert sends_promised(engine, first) == expected
    # And the ticks send just that
    engine.ticks(6 * 24, every=HOUR)
    assert sends_made(engine, first) == expected
