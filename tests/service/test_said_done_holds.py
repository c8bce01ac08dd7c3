"""A lead who says they already paid is not reminded to pay again while staff have not
confirmed it: the reply ends the reminder's journey, and the next silence it starts does
not bring the reminder back. Rules the suggested stage does not end still run; once staff
move the lead, the stage decides; after two weeks unconfirmed, the rule may ask again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from followup.domain.followup import Reason
from followup.services.contacts import change_stage
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

JAKARTA = ZoneInfo("Asia/Jakarta")
LEAD = "6281100000961"
TEMPLATE = {"name": "apply_reminder", "language": "en"}
NOW: dict[str, Any] = {"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}


def unpaid_reminder(engine: MemoryEngine, *others: str) -> str:
    """A reminder for leads in `applied` quiet a day, ending once they reach `paid`; and
    `others`, rules for the same leads that `paid` does not end. A lead quiet for a day."""
    trigger = {"stages": ["applied"], "idle": {"amount": 1, "unit": "days"}}
    engine.deps.rules.save_rule(
        rule("unpaid", trigger=trigger, steps=[NOW], exit={"stages": ["paid", "enrolled"]})
    )
    for other in others:
        engine.deps.rules.save_rule(rule(other, trigger=trigger, steps=[NOW], exit={"stages": []}))
    wrote = engine.clock.now() - timedelta(days=1)
    return quiet_contact(engine.deps, LEAD, wrote, stage="applied").id


def days(engine: MemoryEngine, count: int) -> None:
    for _ in range(count * 24):
        engine.tick()
        engine.run_until(engine.clock.now() + timedelta(hours=1))


def says(engine: MemoryEngine, text: str) -> datetime:
    at = engine.clock.now()
    engine.sandbox.record_inbound(LEAD, at)
    assert engine.deliver(envelopes.text_message(LEAD, text, at, f"wamid.{at.timestamp()}")) == 200
    return at


def reminded(engine: MemoryEngine, rule_id: str, after: datetime) -> int:
    """How many of `rule_id`'s messages the lead was sent from `after` on."""
    lead = engine.deps.contacts.contact_by_wa_id(LEAD)
    assert lead is not None
    sent = engine.deps.followups.followups_of(lead.item.id)
    return sum(1 for f in sent if f.rule_id == rule_id and f.sent_at and f.sent_at >= after)


def test_a_lead_who_says_they_paid_is_not_reminded_to_pay_again(engine: MemoryEngine) -> None:
    # Given the reminder sent to a lead in `applied`
    lead = unpaid_reminder(engine)
    start = engine.clock.now()
    days(engine, 1)
    assert reminded(engine, "unpaid", start) == 1
    # When the lead answers "sudah bayar kak", and a week goes by with no staff action
    said = says(engine, "sudah bayar kak")
    days(engine, 7)
    # Then the reminder is not sent again: the silence the reply began ends its journey
    assert reminded(engine, "unpaid", said) == 0
    journeys = engine.deps.followups.enrollments_of(lead)
    reasons = [j.item.exit_reason for j in journeys if j.item.enrolled_at > said]
    assert reasons == [Reason.SAID_DONE]


def test_rules_the_stage_said_does_not_end_still_run(engine: MemoryEngine) -> None:
    # Given the reminder and a survey for the same leads, which `paid` does not end
    unpaid_reminder(engine, "survey")
    days(engine, 1)
    # When the lead says they paid, and two days go by
    said = says(engine, "I already paid")
    days(engine, 2)
    # Then the survey still goes, the reminder does not
    assert (reminded(engine, "survey", said), reminded(engine, "unpaid", said)) == (1, 0)


def test_once_staff_move_the_lead_their_stage_decides(engine: MemoryEngine) -> None:
    # Given a lead who said they paid
    lead = unpaid_reminder(engine)
    days(engine, 1)
    said = says(engine, "sudah transfer ya")
    days(engine, 1)
    # When staff find no payment and set the lead back to `applied` by hand
    change_stage(engine.deps, lead, "qualified", engine.clock.now())
    change_stage(engine.deps, lead, "applied", engine.clock.now() + timedelta(seconds=1))
    days(engine, 2)
    # Then the reminder goes again, on the silence the stage change began
    assert reminded(engine, "unpaid", said) == 1


def test_a_claim_nobody_confirms_lapses_after_two_weeks(engine: MemoryEngine) -> None:
    # Given a lead who said they paid, and nobody confirming it
    unpaid_reminder(engine)
    days(engine, 1)
    said = says(engine, "already paid")
    # When two weeks and more go by, the lead writing again on the fifteenth day
    days(engine, 15)
    assert reminded(engine, "unpaid", said) == 0
    again = says(engine, "hello?")
    days(engine, 2)
    # Then the reminder may ask again
    assert reminded(engine, "unpaid", again) == 1
