"""A step that repeats (`repeat`: sent again every `every`, at most `times` more) repeats
until the lead replies, in a rule whose journey a reply does not end: the lead who
answers is not sent the same message again, the one already queued included, and the
journey goes on to its next step, timed from the step's last send."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup.domain.followup import Reason, Status
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
LEAD = "6281100000941"
TEMPLATE = {"name": "apply_reminder", "language": "en"}
PAY: dict[str, Any] = {
    "wait": {"amount": 0, "unit": "minutes"},
    "text": "Your seat is waiting: pay here",
    "template": TEMPLATE,
    "repeat": {"every": {"amount": 1, "unit": "days"}, "times": 3},
}
LAST: dict[str, Any] = {
    "wait": {"amount": 2, "unit": "days"},
    "text": "Last call",
    "template": TEMPLATE,
}


def repeating_reminder(engine: MemoryEngine) -> str:
    """A lead quiet for a day, due at once for a reminder sent again daily up to three
    more times, then a last call two days on; a reply does not end the journey."""
    engine.deps.rules.save_rule(
        rule("pay", steps=[PAY, LAST], exit={"on_reply": False, "stages": []})
    )
    return quiet_contact(engine.deps, LEAD, engine.clock.now() - timedelta(hours=25)).id


def quarters(engine: MemoryEngine, count: int) -> None:
    for _ in range(count):
        engine.tick()
        engine.run_until(engine.clock.now() + timedelta(minutes=15))


def hours(engine: MemoryEngine, count: int) -> None:
    quarters(engine, count * 4)


def reply(engine: MemoryEngine, at: datetime) -> None:
    engine.sandbox.record_inbound(LEAD, at)
    assert engine.deliver(envelopes.text_message(LEAD, "ok, noted", at, "wamid.NOTED")) == 200


def sends(engine: MemoryEngine) -> list[str]:
    return [m.received_at.astimezone(JAKARTA).strftime("%a %H:%M") for m in engine.sandbox.sent()]


def test_no_reply_gets_every_repeat_then_the_next_step(engine: MemoryEngine) -> None:
    # Given the reminder due Tuesday 09:00, and a lead who never answers
    repeating_reminder(engine)
    # When the week goes by
    hours(engine, 24 * 6)
    # Then the reminder went four times, a day apart, and the last call two days later, at
    # the window's first opening after the weekend
    assert sends(engine) == ["Tue 09:00", "Wed 09:00", "Thu 09:00", "Fri 09:00", "Mon 08:00"]


def test_a_lead_who_replies_is_not_sent_the_reminder_again(engine: MemoryEngine) -> None:
    # Given the reminder sent Tuesday and again Wednesday at 09:00
    repeating_reminder(engine)
    hours(engine, 30)
    assert sends(engine) == ["Tue 09:00", "Wed 09:00"]
    # When the lead answers Wednesday 15:00, and the week goes by
    reply(engine, engine.clock.now())
    hours(engine, 24 * 5)
    # Then no repeat follows: the last call goes two days after the last reminder
    assert sends(engine) == ["Tue 09:00", "Wed 09:00", "Fri 09:00"]


def test_a_repeat_already_queued_when_the_lead_replies_does_not_go(
    engine: MemoryEngine,
) -> None:
    # Given the reminder sent Tuesday 09:00 and its repeat queued for Wednesday 09:00
    lead = repeating_reminder(engine)
    hours(engine, 23)
    quarters(engine, 3)
    [repeat] = [f for f in engine.deps.followups.followups_of(lead) if f.repeat_index == 1]
    assert repeat.status is Status.QUEUED
    # When the lead answers at 08:45, before it goes, and the week goes by
    reply(engine, engine.clock.now())
    hours(engine, 24 * 5)
    # Then the repeat ended unsent, and the last call went two days after Tuesday's send
    assert sends(engine) == ["Tue 09:00", "Thu 09:00"]
    ended = engine.deps.followups.followup(repeat.id)
    assert ended is not None
    assert (ended.status, ended.reason) == (Status.CANCELED, Reason.REPLIED)
