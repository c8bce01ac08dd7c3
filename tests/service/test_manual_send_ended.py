"""A rule's first step sent by hand ("send now") is not sent again by the rule in the same
silence; but a manual send that ended without reaching the lead does not count as sent:
the rule sends its step, unless what ended the manual send stops the rule too. The
journey preview says the same as the tick then does."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.contact import Contact
from followup.domain.durations import Duration
from followup.domain.followup import Status
from followup.domain.rule import Rule
from followup.domain.settings import AiSettings
from followup.services.approval import approve
from followup.services.bulk_cancel import cancel_queued
from followup.services.contacts import update_contact
from followup.services.manual import send_now
from followup.services.preview import preview
from followup_local.envelopes import text_message
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.by_hand import held_by_hand, resume

HOUR, MINUTE = timedelta(hours=1), timedelta(minutes=1)
KEY = "sk-ant-local-test"
WA_ID = "6281100002001"
NUDGE = "Still there?"


def nudge_rule() -> Rule:
    return rule(
        "nudge",
        trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
        steps=[{"wait": {"amount": 0, "unit": "minutes"}, "text": NUDGE}],
    )


def nudges(engine: MemoryEngine) -> list[str]:
    """The sends of the rule's step WhatsApp accepted (a dropped answer included), in order:
    each one the lead got, or may have got."""
    return [
        str((r.body or {}).get("to"))
        for r in engine.sandbox.sent()
        if (r.body or {}).get("text", {}).get("body") == NUDGE
    ]


def canceled_by_staff(engine: MemoryEngine, lead: Contact) -> str:
    manual = held_by_hand(engine, lead)
    engine.clock.advance(5 * MINUTE)
    cancel_queued(engine.deps, [manual])
    resume(engine, lead)
    return manual


def canceled_by_a_reply(engine: MemoryEngine, lead: Contact) -> str:
    manual = held_by_hand(engine, lead)
    engine.clock.advance(5 * MINUTE)
    engine.deliver(text_message(WA_ID, "later", engine.clock.now(), "wamid.reply"))
    engine.sandbox.record_inbound(WA_ID, engine.clock.now())
    resume(engine, lead)
    return manual


def opted_out(engine: MemoryEngine, lead: Contact) -> str:
    manual = held_by_hand(engine, lead)
    engine.clock.advance(5 * MINUTE)
    engine.deliver(text_message(WA_ID, "STOP", engine.clock.now(), "wamid.stop"))
    resume(engine, lead)
    return manual


def failed(engine: MemoryEngine, lead: Contact) -> str:
    engine.sandbox.fail_next(status=400, code=131026)
    manual = send_now(engine.deps, lead.id, "nudge")
    engine.drain()
    return manual.id


def outcome_unknown(engine: MemoryEngine, lead: Contact) -> str:
    engine.sandbox.drop_connection_next()
    manual = send_now(engine.deps, lead.id, "nudge")
    engine.drain()
    # WhatsApp never says what came of it: given up at its sending deadline
    engine.run_until(engine.clock.now() + engine.deps.timings.sending_deadline + MINUTE)
    engine.scheduled("expire")
    return manual.id


def skipped_by_the_frequency_cap(engine: MemoryEngine, lead: Contact) -> str:
    # Two sends 23 h 40 m and 23 h 35 m ago: the cap (2 a day) frees at 9:20 and 9:25
    now = engine.clock.now()
    sends = [now - 23 * HOUR - 40 * MINUTE, now - 23 * HOUR - 35 * MINUTE]
    update_contact(
        engine.deps,
        lead.id,
        lambda c: c.model_copy(
            update={"recent_sends": sends, "followups_sent": 2, "last_outbound_at": sends[-1]}
        ),
        now,
    )
    manual = send_now(engine.deps, lead.id, "nudge")
    engine.drain()
    return manual.id


@dataclass(frozen=True)
class Way:
    """One way a manual send ends: how, the status it ends in, what the preview then says
    of the lead (None: messaged now; `later`: in a new silence, within the day; `gone`: not
    listed, as an opted-out lead is not; else the code it is left out with), and how many
    nudges the lead ends up with (the rule's and any the provider took by hand)."""

    end: Callable[[MemoryEngine, Contact], str]
    status: Status
    preview: str | None
    nudges: int


WAYS = {
    "held, then canceled by staff": Way(canceled_by_staff, Status.CANCELED, None, 1),
    "held, then canceled by a reply": Way(canceled_by_a_reply, Status.CANCELED, "later", 1),
    "held, then opted out": Way(opted_out, Status.OPTED_OUT, "gone", 0),
    "failed: the number is not on WhatsApp": Way(failed, Status.FAILED, None, 1),
    "failed: outcome unknown": Way(outcome_unknown, Status.FAILED, "sent_by_hand", 1),
    "skipped by the frequency cap": Way(skipped_by_the_frequency_cap, Status.SKIPPED, None, 1),
}


@pytest.mark.parametrize("way", WAYS.values(), ids=WAYS.keys())
def test_a_manual_send_that_ended_unsent_leaves_the_rule_its_step_unless_it_stops_it(
    engine: MemoryEngine, way: Way
) -> None:
    # Given a rule nudging leads quiet for an hour, and a lead quiet for half an hour
    deps, start = engine.deps, engine.clock.now()
    nudge = nudge_rule()
    deps.rules.save_rule(nudge)
    lead = quiet_contact(deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    # When a counsellor sends the rule's step by hand, and that send ends this way
    manual_id = way.end(engine, lead)
    manual = deps.followups.followup(manual_id)
    assert manual is not None
    assert manual.status is way.status, manual.reason
    # And the preview is asked once the rule's trigger came true (at 10:00)
    engine.run_until(start + HOUR)
    seen = preview(deps, nudge)
    # Then it says what the ticks then do
    if way.preview is None:
        assert [p.name for p in seen.planned if p.send_at <= engine.clock.now()] == ["lead"]
        assert seen.excluded == []
    elif way.preview in ("later", "gone"):
        assert (seen.planned, seen.excluded, seen.next_day) == ([], [], way.preview == "later")
    else:
        assert seen.planned == []
        assert [(e.name, e.reason) for e in seen.excluded] == [("lead", way.preview)]
    # And the ticks, every hour until 14:00, nudge the lead that many times in all
    for hours in range(1, 6):
        engine.run_until(start + hours * HOUR)
        engine.tick()
    assert nudges(engine) == [WA_ID] * way.nudges


def test_a_manual_send_still_held_keeps_the_rule_from_sending_a_copy(
    engine: MemoryEngine,
) -> None:
    # Given a rule nudging leads quiet for an hour, and a lead quiet for half an hour
    deps, start = engine.deps, engine.clock.now()
    nudge = nudge_rule()
    deps.rules.save_rule(nudge)
    lead = quiet_contact(deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    # And a counsellor's send of the rule's step held by a paused number
    manual_id = held_by_hand(engine, lead)
    # When the preview is asked after the rule's trigger came true, the send still held
    engine.run_until(start + HOUR)
    seen = preview(deps, nudge)
    # Then the lead is left out: the send by hand goes instead
    assert seen.planned == []
    assert [(e.name, e.reason) for e in seen.excluded] == [("lead", "sent_by_hand")]
    # And however many ticks run while it is held, the rule queues no copy
    for hours in range(1, 4):
        engine.run_until(start + hours * HOUR)
        engine.tick()
    assert [f.id for f in deps.followups.followups_of(lead.id)] == [manual_id]
    # And once the number resumes, the lead gets the step once, the rule moving on from it
    resume(engine, lead)
    for hours in range(4, 8):
        engine.run_until(start + hours * HOUR)
        engine.tick()
    assert nudges(engine) == [WA_ID]
    manual = deps.followups.followup(manual_id)
    assert manual is not None
    assert manual.status is Status.SENT


def test_after_a_manual_send_of_unknown_outcome_the_journey_goes_on_from_it(
    engine: MemoryEngine,
) -> None:
    # Given a journey: a nudge once the lead is quiet for an hour, a last call 2 h later;
    # and another rule, sent only by hand (on an event that never comes)
    deps, start = engine.deps, engine.clock.now()
    steps = [
        {"wait": {"amount": 0, "unit": "minutes"}, "text": NUDGE},
        {"wait": {"amount": 2, "unit": "hours"}, "text": "Last call"},
    ]
    trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
    deps.rules.save_rule(rule("nudge", trigger=trigger, steps=steps))
    by_hand = {"kind": "event", "name": "offer_asked"}
    deps.rules.save_rule(rule("offer", trigger=by_hand, steps=[{**steps[0], "text": "Offer"}]))
    lead = quiet_contact(deps, WA_ID, start - 30 * MINUTE, name="lead")
    engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
    # And a counsellor's nudge by hand at 9:00, whose answer from WhatsApp was lost
    manual_id = outcome_unknown(engine, lead)
    # And then their offer by hand, held by a paused number and canceled: the lead's
    # latest follow-up is that one, and nothing was counted as sent to them
    engine.clock.advance(10 * MINUTE)
    offer = held_by_hand(engine, lead, "offer")
    cancel_queued(deps, [offer])
    resume(engine, lead)
    # When the ticks run every hour until 14:00
    for hours in range(1, 6):
        engine.run_until(start + hours * HOUR)
        engine.tick()
    # Then the lead is not nudged again, and gets the last call 2 h after the nudge
    manual = deps.followups.followup(manual_id)
    assert manual is not None
    assert (manual.status, manual.reason) == (Status.FAILED, "outcome_unknown")
    sent = [
        ((r.body or {}).get("text", {}).get("body"), r.received_at) for r in engine.sandbox.sent()
    ]
    assert sent == [(NUDGE, start), ("Last call", start + 2 * HOUR)]


def test_a_manual_send_whose_approval_expired_leaves_the_rule_its_step(
    engine: MemoryEngine,
) -> None:
    # Given AI texts a person approves, unapproved ones ending after 2 h; and a rule nudging
    # leads quiet for an hour with such a text
    deps, start = engine.deps, engine.clock.now()
    with FakeAnthropic(KEY) as fake:
        deps.writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60)
        settings = deps.rules.settings().model_copy(
            update={
                "ai": AiSettings(language="en"),
                "expire_after": Duration(amount=2, unit="hours"),
            }
        )
        deps.rules.save_settings(settings)
        deps.catalog.invalidate()
        step = {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": NUDGE,
            "ai": {"instructions": "Ask whether they still apply.", "approval": True},
        }
        nudge = rule(
            "nudge",
            trigger={"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
            steps=[step],
        )
        deps.rules.save_rule(nudge)
        lead = quiet_contact(deps, WA_ID, start - 30 * MINUTE, name="lead")
        engine.sandbox.record_inbound(WA_ID, start - 30 * MINUTE)
        # And a counsellor's send of it by hand at 9:00, its text never approved
        manual_id = send_now(deps, lead.id, "nudge").id
        engine.drain()
        # When the ticks run at 10:00 and 11:00
        for hours in (1, 2):
            engine.run_until(start + hours * HOUR)
            engine.tick()
        # Then the send by hand ended unsent, its approval expired
        manual = deps.followups.followup(manual_id)
        assert manual is not None
        assert (manual.status, manual.reason) == (Status.SKIPPED, "approval_expired")
        # And the preview now says the rule messages the lead
        seen = preview(deps, nudge)
        assert [p.name for p in seen.planned if p.send_at <= engine.clock.now()] == ["lead"]
        # And the next tick queues the rule's own step, for a person to approve
        engine.run_until(start + 3 * HOUR)
        engine.tick()
        [own] = [f for f in deps.followups.followups_of(lead.id) if f.id != manual_id]
        assert (own.status, own.reason, own.manual) == (Status.QUEUED, "awaiting_approval", False)
        # And approved, it is the one message the lead gets
        approve(deps, own.id)
        engine.drain()
        assert [str((r.body or {}).get("to")) for r in engine.sandbox.sent()] == [WA_ID]
