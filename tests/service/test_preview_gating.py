"""The preview applies the gating sending applies: whom it says a rule messages now is
whom the tick then sends to, and everyone else is listed with the reason why not."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Score, Speaker
from followup.domain.durations import Duration
from followup.domain.enrollment import EnrollmentState, enroll
from followup.domain.followup import FollowUp
from followup.domain.messaging_limit import WarmUp
from followup.domain.rule import Rule
from followup.services.contacts import find_contact, update_contact
from followup.services.manual import send_now
from followup.services.pausing import pause_number
from followup.services.ports import NewEnrollment, NewFollowUp, Slot, SlotChange
from followup.services.preview import preview
from followup_local.envelopes import BUSINESS_NUMBER, SECOND_NUMBER, text_message
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import journey, quiet_contact, rule
from tests.support.limits import admit
from tests.support.numbers import TWO_NUMBERS, configured

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
JAKARTA, LISBON = ZoneInfo("Asia/Jakarta"), ZoneInfo("Europe/Lisbon")
NEW_NUMBER = {"display_phone_number": "6281234567892", "phone_number_id": "109876543210989"}
FIRST, OTHER = BUSINESS_NUMBER["phone_number_id"], SECOND_NUMBER["phone_number_id"]
NEW = NEW_NUMBER["phone_number_id"]
FIRST_DAY = TUESDAY_9AM_JAKARTA.astimezone(JAKARTA).date()
NUMBERS = [
    *TWO_NUMBERS,
    {**NEW_NUMBER, "api_key": "new-number-key", "warm_up_started_on": FIRST_DAY.isoformat()},
]


@pytest.fixture
def three_numbers() -> Iterator[MemoryEngine]:
    with memory_engine(TUESDAY_9AM_JAKARTA, configured(NUMBERS)) as running:
        yield running


def free_text_once() -> Rule:
    """Quiet for an hour in `new`: one free text (no template), never twice per contact."""
    return rule(
        "nudge-once",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[{"wait": {"amount": 0, "unit": "minutes"}, "text": "Still there?"}],
        reentry={"policy": "never"},
    )


def seed_every_kind(engine: MemoryEngine, nudge: Rule) -> dict[str, str]:
    """A contact of each kind the rule reaches or leaves alone, by kind: their ids. All but
    one write in now; two hours later, the preview and the tick."""
    deps, wrote = engine.deps, engine.clock.now()
    ids: dict[str, str] = {}

    def lead(kind: str, wa_id: str, number: dict[str, str] = BUSINESS_NUMBER, **fields: Any) -> str:
        engine.deliver(text_message(wa_id, "hello", wrote, f"wamid.{kind}", kind, number))
        engine.sandbox.record_inbound(wa_id, wrote)
        found = find_contact(deps, wa_id, None)
        assert found is not None
        ids[kind] = found.item.id
        update_contact(deps, ids[kind], lambda c: c.model_copy(update=fields), wrote)
        return ids[kind]

    lead("ready-1", "6281100001001")
    lead("ready-2", "6281100001002")
    lead("cold", "6281100001003", score=Score.COLD, followups_sent=2)
    lead("hot", "6281100001004", score=Score.HOT)
    # Wrote 30 h ago and never since, but an agent's note 2 h ago: its window is closed
    closed = quiet_contact(deps, "6281100001005", wrote - 28 * HOUR, name="window-closed")
    ids["window-closed"] = closed.id
    update_contact(
        deps,
        closed.id,
        lambda c: c.model_copy(update={"last_activity_at": wrote, "last_speaker": Speaker.AGENT}),
        wrote,
    )
    # Was in this journey (and finished it) for an earlier silence
    again = lead("been-before", "6281100001006")
    earlier = deps.contacts.contact(again)
    assert earlier is not None
    assert nudge.idle is not None
    ten_days_ago = wrote - 10 * DAY
    moments = ("created_at", "stage_changed_at", "last_activity_at")
    before = earlier.item.model_copy(update=dict.fromkeys(moments, ten_days_ago))
    jakarta = ZoneInfo("Asia/Jakarta")
    past = enroll(nudge, nudge.idle, before, jakarta, ten_days_ago + DAY)
    done = past.model_copy(update={"state": EnrollmentState.COMPLETED, "next_due_at": None})
    deps.commit([NewEnrollment(done)], ten_days_ago + DAY)
    # Holds a follow-up of another rule, due in five hours
    busy = lead("busy", "6281100001007")
    due = wrote + 5 * HOUR
    pending = FollowUp.planned(
        followup_id="fu_other_rule",
        contact_id=busy,
        rule_id="another-rule",
        rule_version=1,
        silence_key=wrote.isoformat(),
        at=wrote,
        scheduled_at=due,
    )
    deps.commit([NewFollowUp(pending), SlotChange(Slot(busy, pending.id, due), 0)], wrote)
    # Writes to the number WhatsApp paused
    lead("paused-number", "6281100001008", SECOND_NUMBER)
    pause_number(deps, OTHER, "quality rated low", wrote)
    engine.clock.advance(2 * HOUR)
    return ids


def warming_number_audience(engine: MemoryEngine) -> Rule:
    """A reminder sent from the new number, whose warm-up allows three business-initiated
    sends today (five tomorrow): one went by hand this morning. Four leads quiet for 30 h
    (their window closed) wait for it: two in Jakarta, due now, and two in Lisbon, where
    the send window opens at 15:00 Jakarta time, still today in the workspace's day."""
    deps, now = engine.deps, engine.clock.now()
    settings = deps.rules.settings()
    limit = settings.messaging_limit.model_copy(update={"warm_up": WarmUp(schedule=[3, 5])})
    deps.rules.save_settings(settings.model_copy(update={"messaging_limit": limit}))
    deps.catalog.invalidate()
    reminder = rule(
        "warm-reminder",
        trigger={"stages": ["qualified"], "idle": {"amount": 24, "unit": "hours"}},
        numbers=[NEW],
    )
    deps.rules.save_rule(reminder)
    # the one by hand from another rule on the number, sent only so
    hand = rule("hand", trigger={"kind": "event", "name": "asked_by_hand"}, numbers=[NEW])
    deps.rules.save_rule(hand)
    by_hand = quiet_contact(deps, "6281100001010", now - 30 * HOUR, stage="lost")
    send_now(deps, by_hand.id, hand.id)
    engine.drain()
    assert len(engine.sandbox.sent()) == 1
    for n, zone in enumerate(["Asia/Jakarta", "Asia/Jakarta", "Europe/Lisbon", "Europe/Lisbon"]):
        wa_id, name = f"628110000102{n}", f"{zone}-{n}"
        quiet_contact(deps, wa_id, now - 30 * HOUR, name=name, timezone=zone, stage="qualified")
    return reminder


def stored(engine: MemoryEngine) -> dict[str, object]:
    """Everything the engine keeps (tables, counters and markers), copied."""
    kept: dict[str, object] = {}
    for name, part in (("store", engine.deps.followups), ("reach", engine.deps.reach)):
        for key, value in vars(part).items():
            if "lock" not in key:
                kept[f"{name}.{key}"] = copy.deepcopy(value)
    return kept


def sent_to(engine: MemoryEngine) -> set[str]:
    return {str((request.body or {}).get("to")) for request in engine.sandbox.sent()}


def wa_ids(engine: MemoryEngine, contact_ids: set[str]) -> set[str]:
    found = [engine.deps.contacts.contact(contact_id) for contact_id in contact_ids]
    return {str(c.item.wa_id) for c in found if c is not None}


def test_the_preview_promises_exactly_whom_the_tick_sends_to(three_numbers: MemoryEngine) -> None:
    engine = three_numbers
    nudge = free_text_once()
    ids = seed_every_kind(engine, nudge)
    reminder = warming_number_audience(engine)
    engine.deps.rules.save_rule(nudge)
    now = engine.clock.now()
    before = stored(engine)
    by_hand = sent_to(engine)
    # When the rules are previewed
    seen = preview(engine.deps, nudge)
    warm = preview(engine.deps, reminder)
    # Then the previews wrote nothing
    assert stored(engine) == before
    # And each contact left alone is counted and listed with why
    assert seen.skipped == {
        "cold_cap": 1,
        "hot_contact": 1,
        "window_closed": 1,
        "reentry_never": 1,
        "number_paused": 1,
    }
    assert {(e.name, e.reason) for e in seen.excluded} == {
        ("cold", "cold_cap"),
        ("hot", "hot_contact"),
        ("window-closed", "window_closed"),
        ("been-before", "reentry_never"),
        ("paused-number", "number_paused"),
    }
    # And the contact holding another rule's follow-up waits for it to go first
    when = {p.name: p.send_at for p in seen.planned}
    assert when["busy"] > now + 3 * HOUR  # after the other rule's, due in 3 h
    promised_now = {p.contact_id for p in seen.planned if p.send_at <= now}
    assert promised_now == {ids["ready-1"], ids["ready-2"]}
    assert (seen.now_count, seen.due_now) == (3, 2)
    # And past what is left of the new number's cap today, the reminder waits for the
    # number's next day: the Lisbon leads, at its first opening in their time
    lisbon_tomorrow = datetime(2026, 11, 25, 8, 0, tzinfo=LISBON)
    assert sorted((p.name, p.send_at, p.waits_for) for p in warm.planned) == [
        ("Asia/Jakarta-0", now, None),
        ("Asia/Jakarta-1", now, None),
        ("Europe/Lisbon-2", lisbon_tomorrow, "warm_up"),
        ("Europe/Lisbon-3", lisbon_tomorrow, "warm_up"),
    ]
    assert (warm.now_count, warm.due_now) == (4, 2)
    promised_now |= {p.contact_id for p in warm.planned if p.send_at <= now}
    # When the (active) rules' tick runs
    engine.tick()
    # Then exactly the contacts they promised now were sent to
    assert sent_to(engine) - by_hand == wa_ids(engine, promised_now)
    # And the new number's reminders go when promised: none when Lisbon's window opens
    # today, the rest at its first opening tomorrow
    audience = wa_ids(engine, {p.contact_id for p in warm.planned})
    for moment in (datetime(2026, 11, 24, 8, 0, tzinfo=LISBON), lisbon_tomorrow):
        engine.clock.advance(moment - engine.clock.now())
        engine.tick()
        promised = {p.contact_id for p in warm.planned if p.send_at <= moment}
        assert sent_to(engine) & audience == wa_ids(engine, promised), moment


def test_a_journey_that_would_end_at_once_is_named_with_why(engine: MemoryEngine) -> None:
    # Given a journey that first waits for a renewal date, and a lead without one
    quiet_contact(engine.deps, "6281100001101", engine.clock.now() - 30 * HOUR, name="Dewi")
    renewal = journey(
        {"kind": "wait", "until_attribute": "renewal_at"},
        {"wait": {"amount": 0, "unit": "minutes"}, "text": "Time to renew?"},
    )
    # When it is previewed
    seen = preview(engine.deps, renewal)
    # Then nobody is promised, and the lead is left out because the date is missing
    assert seen.now_count == 0
    assert seen.skipped == {"attribute_missing": 1}
    assert [(e.name, e.reason) for e in seen.excluded] == [("Dewi", "attribute_missing")]


def leave_room_for_one(engine: MemoryEngine) -> None:
    """Users reached outside their window until the portfolio has room for one more."""
    deps, now = engine.deps, engine.clock.now()
    assert deps.reach is not None
    limit = deps.catalog.settings().messaging_limit
    allowance = limit.allowance()
    assert allowance is not None
    for _ in range(allowance - 1):
        assert admit(deps.reach, limit, now) is None


def test_past_the_messaging_limit_the_preview_puts_off_what_the_sender_defers(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio with room for one more user reached outside their window
    deps, now = engine.deps, engine.clock.now()
    leave_room_for_one(engine)
    # And three leads quiet for 30 h (their window closed: a template each)
    for n in range(3):
        quiet_contact(deps, f"628110000120{n}", now - 30 * HOUR, name=f"lead-{n}")
    reminder = rule()
    deps.rules.save_rule(reminder)
    # When the rule is previewed
    seen = preview(deps, reminder)
    # Then one goes now and two wait for the limit to free up
    going = [p for p in seen.planned if p.send_at <= now]
    waiting = [p for p in seen.planned if p.waits_for == "messaging_limit"]
    assert (len(going), len(waiting)) == (1, 2)
    assert all(p.send_at > now for p in waiting)
    # When the tick runs, exactly as many were sent as it promised now
    engine.tick()
    assert len(engine.sandbox.sent()) == len(going) == seen.due_now


def test_past_a_warming_numbers_cap_the_preview_spreads_the_sends_over_its_days(
    engine: MemoryEngine,
) -> None:
    # Given a number in its first day of warm-up, allowed one business-initiated send a day
    deps, now = engine.deps, engine.clock.now()
    settings = deps.rules.settings()
    warm_up = WarmUp(started_on=now.astimezone(JAKARTA).date(), schedule=[1, 1, 1])
    limit = settings.messaging_limit.model_copy(update={"warm_up": warm_up})
    deps.rules.save_settings(settings.model_copy(update={"messaging_limit": limit}))
    deps.catalog.invalidate()
    # And three leads quiet for 30 h (their window closed: a template each)
    for n in range(3):
        quiet_contact(deps, f"628110000130{n}", now - 30 * HOUR, name=f"lead-{n}")
    reminder = rule()
    deps.rules.save_rule(reminder)
    # When the rule is previewed
    seen = preview(deps, reminder)
    # Then one goes now and the others at the send window's opening on the next two days
    wednesday, thursday = (datetime(2026, 11, day, 8, 0, tzinfo=JAKARTA) for day in (25, 26))
    assert [(p.send_at, p.waits_for) for p in seen.planned] == [
        (now, None),
        (wednesday, "warm_up"),
        (thursday, "warm_up"),
    ]
    # When the tick runs then, and at each of those openings, one more is sent each time
    for moment, count in ((now, 1), (wednesday, 2), (thursday, 3)):
        engine.clock.advance(moment - engine.clock.now())
        engine.tick()
        assert len(engine.sandbox.sent()) == count, moment


def test_the_preview_sends_a_lead_reached_today_past_a_full_messaging_limit(
    engine: MemoryEngine,
) -> None:
    # Given a portfolio one user short of its allowance, and two leads quiet for 30 h
    deps, now = engine.deps, engine.clock.now()
    leave_room_for_one(engine)
    settings = deps.rules.settings()  # with no least gap between two messages to a lead
    gating = settings.gating.model_copy(update={"min_gap": Duration.of(0, "minutes")})
    deps.rules.save_settings(settings.model_copy(update={"gating": gating}))
    deps.catalog.invalidate()
    reached = quiet_contact(deps, "6281100001210", now - 30 * HOUR, name="reached")
    quiet_contact(deps, "6281100001211", now - 30 * HOUR, name="new")
    # And the first reached by another rule: the allowance is full
    by_hand = {"kind": "event", "name": "payment_due"}
    deps.rules.save_rule(rule("pay-remind", trigger=by_hand))
    send_now(deps, reached.id, "pay-remind")
    engine.drain()
    reminder = rule()
    deps.rules.save_rule(reminder)
    # When the rule is previewed
    seen = preview(deps, reminder)
    # Then the lead reached today goes now (it costs nothing), the new one waits
    assert [(p.name, p.waits_for) for p in seen.planned if p.send_at <= now] == [("reached", None)]
    assert [p.name for p in seen.planned if p.waits_for == "messaging_limit"] == ["new"]
    # And the tick sends to exactly those it promised now
    engine.tick()
    assert [r.body["to"] for r in engine.sandbox.sent() if r.body] == ["6281100001210"] * 2


def test_a_lead_sent_by_hand_or_waiting_on_another_rule_is_promised_as_the_ticks_send(
    engine: MemoryEngine,
) -> None:
    # Given a rule nudging leads quiet for an hour, and another rule of the workspace
    deps, now = engine.deps, engine.clock.now()
    nudge = rule(
        "nudge",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[{"wait": {"amount": 0, "unit": "minutes"}, "text": "Still there?"}],
    )
    other = rule(
        "other",
        trigger={"stages": ["lost"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[{"wait": {"amount": 0, "unit": "minutes"}, "text": "Other news"}],
    )
    deps.rules.save_rule(nudge)
    deps.rules.save_rule(other)
    # And four leads quiet for 8 h (inside their window: free text)
    wa_id = {
        name: f"628110000140{n}"
        for n, name in enumerate(("ready", "by-hand", "busy-14:00", "busy-14:30"))
    }
    leads = {}
    for name, number in wa_id.items():
        leads[name] = quiet_contact(deps, number, now - 8 * HOUR, name=name)
        engine.sandbox.record_inbound(number, now - 8 * HOUR)
    # And a counsellor sent one of them the nudge by hand, in this silence
    send_now(deps, leads["by-hand"].id, nudge.id)
    engine.drain()
    # And two hold the other rule's follow-up, due at 14:00 and 14:30 in Jakarta
    for name, due in (("busy-14:00", now + 5 * HOUR), ("busy-14:30", now + 5.5 * HOUR)):
        held = leads[name]
        pending = FollowUp.planned(
            followup_id=f"fu_other_{name}",
            contact_id=held.id,
            rule_id=other.id,
            rule_version=other.version,
            silence_key=held.silence_key,
            at=now,
            scheduled_at=due,
        )
        deps.commit([NewFollowUp(pending), SlotChange(Slot(held.id, pending.id, due), 0)], now)
    before = stored(engine)
    # When the rule is previewed
    seen = preview(deps, nudge)
    # Then it wrote nothing
    assert stored(engine) == before
    # And the lead sent the nudge by hand is left out, with why
    assert seen.skipped == {"sent_by_hand": 1}
    assert [(e.name, e.reason) for e in seen.excluded] == [("by-hand", "sent_by_hand")]
    # And the busy leads go at the first tick after the other rule's follow-up (the slot
    # frees once that one is sent, and only a tick plans the next send), an hour after it
    # at the soonest (the workspace's least gap between two messages)
    at_15 = datetime(2026, 11, 24, 15, 0, tzinfo=JAKARTA)
    assert sorted((p.name, p.send_at, p.waits_for) for p in seen.planned) == [
        ("busy-14:00", at_15, "pending_followup"),
        ("busy-14:30", at_15 + timedelta(minutes=30), "pending_followup"),
        ("ready", now, None),
    ]
    # When the ticks run every hour, the sender taking each message when its delay ends
    for hours in range(8):
        moment = now + hours * HOUR
        engine.run_until(moment)
        engine.tick()
        # Then by each tick, exactly those promised by then got the nudge, each once
        sent = [
            str((r.body or {}).get("to"))
            for r in engine.sandbox.sent()
            if (r.body or {}).get("text", {}).get("body") == "Still there?"
        ]
        promised = [wa_id[p.name] for p in seen.planned if p.send_at <= moment]
        assert sorted(sent) == sorted([wa_id["by-hand"], *promised]), moment
    # And the other rule's follow-ups went first, each when due
    others = [
        r
        for r in engine.sandbox.sent()
        if (r.body or {}).get("text", {}).get("body") != "Still there?"
    ]
    assert sorted(str((r.body or {}).get("to")) for r in others) == [
        wa_id["busy-14:00"],
        wa_id["busy-14:30"],
    ]
