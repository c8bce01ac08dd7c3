"""A rule for conversations one side spoke last in (`last_speaker`) stops once the other
side speaks: a lead left unanswered whom a counsellor then answers is not told "sorry
nobody answered you yet", neither by the follow-up already queued nor by the journey's
next step. The engine's own follow-ups change nobody's turn, and with no speaker named
a counsellor's message only spaces the next send."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from followup.domain.contact import Speaker
from followup.domain.followup import Reason, Status
from followup.services.inbound import record_outbound
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.support.builders import quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
LEAD = "6281100000931"
MONDAY_10PM = datetime(2026, 11, 23, 22, 0, tzinfo=JAKARTA).astimezone(UTC)
SORRY: dict[str, Any] = {
    "wait": {"amount": 0, "unit": "minutes"},
    "text": "Sorry nobody has answered you yet!",
}
AGAIN: dict[str, Any] = {
    "wait": {"amount": 3, "unit": "hours"},
    "text": "Still waiting for an answer?",
}


@pytest.fixture
def night() -> Iterator[MemoryEngine]:
    """Monday 22:00 in Jakarta, the default window (weekdays 08:00–17:00) closed."""
    with memory_engine(MONDAY_10PM) as running:
        yield running


def unanswered_lead(engine: MemoryEngine, steps: list[dict[str, Any]], speaker: str) -> str:
    """A lead who wrote at 19:00 and a rule for leads quiet two hours since `speaker` last
    spoke; its silence crossed at 21:00, outside the window: queued for Tuesday 08:00."""
    trigger = {"stages": ["new"], "idle": {"amount": 2, "unit": "hours"}, "last_speaker": speaker}
    engine.deps.rules.save_rule(rule("unanswered", trigger=trigger, steps=steps))
    wrote = engine.clock.now() - timedelta(hours=3)
    lead = quiet_contact(engine.deps, LEAD, wrote)
    engine.sandbox.record_inbound(LEAD, wrote)
    engine.tick()
    [queued] = engine.deps.followups.followups_of(lead.id)
    assert queued.status is Status.QUEUED
    return lead.id


def counsellor_answers(engine: MemoryEngine, lead: str) -> None:
    record_outbound(
        engine.deps, lead, Speaker.AGENT, "Hi, counsellor here: yes, January intake.",
        engine.clock.now(),
    )  # fmt: skip


def ticks(engine: MemoryEngine, hours: int) -> None:
    for _ in range(hours * 4):
        engine.tick()
        engine.run_until(engine.clock.now() + timedelta(minutes=15))


def sent_texts(engine: MemoryEngine) -> list[str]:
    return [m.body["text"]["body"] for m in engine.sandbox.sent() if m.body is not None]


def test_a_lead_answered_before_the_queued_follow_up_goes_is_not_told_nobody_answered(
    night: MemoryEngine,
) -> None:
    # Given "sorry nobody answered" queued for Tuesday 08:00
    lead = unanswered_lead(night, [SORRY], "contact")
    # When a counsellor answers the lead at 07:30, and the morning goes by
    night.clock.advance(timedelta(hours=9, minutes=30))
    counsellor_answers(night, lead)
    ticks(night, 4)
    # Then the lead is sent nothing, and the queue says why
    assert sent_texts(night) == []
    [followup] = night.deps.followups.followups_of(lead)
    assert (followup.status, followup.reason) == (Status.CANCELED, Reason.SPEAKER_CHANGED)


def test_a_lead_answered_between_two_steps_gets_no_second_step(night: MemoryEngine) -> None:
    # Given a two-step journey whose first step went at 08:00
    lead = unanswered_lead(night, [SORRY, AGAIN], "contact")
    night.clock.advance(timedelta(hours=10))
    ticks(night, 1)
    assert sent_texts(night) == ["Sorry nobody has answered you yet!"]
    # When a counsellor answers at 09:00 and the day goes by
    ticks(night, 1)
    counsellor_answers(night, lead)
    ticks(night, 6)
    # Then the journey's second step never goes: the engine's first step did not count as
    # an answer, the counsellor's did
    assert sent_texts(night) == ["Sorry nobody has answered you yet!"]
    [enrollment] = night.deps.followups.enrollments_of(lead)
    assert enrollment.item.exit_reason == Reason.SPEAKER_CHANGED


def test_a_lead_nobody_answers_gets_both_steps(night: MemoryEngine) -> None:
    # Given the same journey, and no counsellor
    unanswered_lead(night, [SORRY, AGAIN], "contact")
    # When Tuesday goes by
    night.clock.advance(timedelta(hours=10))
    ticks(night, 6)
    # Then both steps went: the first step's own message did not end the rule
    assert sent_texts(night) == [
        "Sorry nobody has answered you yet!",
        "Still waiting for an answer?",
    ]


def test_with_no_speaker_named_a_counsellors_message_only_spaces_the_send(
    night: MemoryEngine,
) -> None:
    # Given a rule for leads quiet two hours, whoever spoke last
    lead = unanswered_lead(night, [SORRY], "any")
    # When a counsellor writes at 07:30
    night.clock.advance(timedelta(hours=9, minutes=30))
    counsellor_answers(night, lead)
    ticks(night, 1)
    # Then the follow-up still goes, the workspace's least gap after the counsellor
    assert sent_texts(night) == ["Sorry nobody has answered you yet!"]
    [went] = night.sandbox.sent()
    assert went.received_at.astimezone(JAKARTA).strftime("%H:%M") == "08:30"
