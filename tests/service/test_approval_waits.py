"""A text the AI wrote that waits for a person's approval: not ended by a second copy of
the message that brought it to the sender (a dispatch run again, an SQS duplicate), and
ended when its wait is over, whatever the send window."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from followup.adapters.whatsapp_webhook import parse
from followup.domain.errors import Conflict
from followup.domain.followup import Status
from followup.services import templates, webhook
from followup.services.approval import approve
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, writing_in_english
from tests.support.builders import approval_step, quiet_contact, rule
from tests.support.dispatching import DiesBeforeTheMark

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)


def test_a_dispatch_tick_run_again_does_not_end_a_text_awaiting_approval(
    engine: MemoryEngine,
) -> None:
    # Given a rule whose step's AI text waits for a person's approval, and a lead the
    # enqueue tick plans it for (due in the tick's look-ahead)
    deps = engine.deps
    deps.rules.save_rule(rule(steps=[approval_step(wait_minutes=45)]))
    lead = quiet_contact(deps, "6281100000300", engine.clock.now() - 24 * HOUR - 47 * SECOND)
    engine.scheduled("enqueue")
    [planned] = deps.followups.followups_of(lead.id)
    # And a dispatch tick that dies after SQS took its message, before recording its mark
    # (README: "A dispatch that dies before recording its mark hands the same ones over
    # again at the next tick; the sender's claim sends each once")
    real = deps.followups
    deps.followups = DiesBeforeTheMark(real)
    with pytest.raises(RuntimeError):
        engine.scheduled("dispatch")
    deps.followups = real
    # When the next tick hands it over again, and both copies reach the sender at its due
    # second
    engine.clock.advance(MINUTE)
    assert engine.scheduled("dispatch")["dispatched"] == 1
    engine.run_until(planned.scheduled_at + MINUTE)
    engine.drain()
    # Then the text waits for a person's approval (72 h), as it would with one copy; a copy
    # of the message must not end it `approval_expired` a second after it was written
    [found] = deps.followups.followups_of(lead.id)
    assert engine.sandbox.requests == []
    assert (found.status, found.reason) == (Status.QUEUED, "awaiting_approval"), (
        f"{found.status.value} ({found.reason})"
    )


def test_an_unapproved_text_ends_when_its_wait_is_over_even_outside_business_hours(
    engine: MemoryEngine,
) -> None:
    with FakeAnthropic(KEY) as fake:
        # Given an AI text written on Thursday at 10:00 in Jakarta, waiting for approval
        deps = engine.deps
        writing_in_english(engine, fake)
        deps.rules.save_rule(rule(steps=[approval_step()]))
        engine.clock.advance(timedelta(days=2, hours=1))
        lead = quiet_contact(deps, "6281100000301", engine.clock.now() - 25 * HOUR)
        engine.tick()
        [written] = deps.followups.followups_of(lead.id)
        assert (written.status, written.reason) == (Status.QUEUED, "awaiting_approval")
        # When nobody approves it for 72 hours, which end on a Sunday, outside the window
        engine.ticks(74, every=HOUR)
    # Then it ended when its wait was over, and a late approval is refused
    ended = deps.followups.followup(written.id)
    assert ended is not None
    assert (ended.status, ended.reason) == (Status.SKIPPED, "approval_expired")
    with pytest.raises(Conflict):
        approve(deps, written.id)


def test_an_approval_after_the_wait_ended_is_refused_and_nothing_goes(
    engine: MemoryEngine,
) -> None:
    # Given an AI text awaiting approval, whose wait for a person is over (no tick yet)
    with FakeAnthropic(KEY) as fake:
        deps = engine.deps
        writing_in_english(engine, fake)
        deps.rules.save_rule(rule(steps=[approval_step()]))
        lead = quiet_contact(deps, "6281100000302", engine.clock.now() - 25 * HOUR)
        engine.tick()
        [written] = deps.followups.followups_of(lead.id)
        assert written.wake_at is not None
        engine.clock.advance(written.wake_at + 30 * SECOND - engine.clock.now())
        # When a person approves it
        with pytest.raises(Conflict, match="approval_expired"):
            approve(deps, written.id)
        # Then it ended as the wait said, and nothing is sent
        engine.drain()
        ended = deps.followups.followup(written.id)
        assert ended is not None
        assert (ended.status, ended.reason) == (Status.SKIPPED, "approval_expired")
        assert engine.sandbox.sent() == []


def test_an_approved_template_text_goes_with_the_sibling_when_its_template_was_paused(
    engine: MemoryEngine,
) -> None:
    body = "Hi {{1}}, {{2}}"
    step = {
        "wait": {"amount": 0, "unit": "minutes"},
        "text": "Hi, still applying?",
        "template": {
            "name": "apply_reminder",
            "language": "en",
            "sibling": "apply_reminder_v2",
            "params": [
                {"field": "first_name", "default": "there"},
                {"text": "Seats are limited this intake.", "ai": True},
            ],
        },
        "ai": {"instructions": "Ask whether they still apply.", "approval": True},
    }
    with FakeAnthropic(KEY) as fake:
        # Given an approval step whose template, with a sibling, carries the AI's parameter
        deps = engine.deps
        writing_in_english(engine, fake)
        engine.sandbox.templates.add("apply_reminder", "en", body)
        engine.sandbox.templates.add("apply_reminder_v2", "en", body)
        templates.sync(deps, engine.clock.now())
        deps.rules.save_rule(rule(steps=[step]))
        lead = quiet_contact(deps, "6281100000303", engine.clock.now() - 25 * HOUR)
        engine.tick()
        [written] = deps.followups.followups_of(lead.id)
        assert written.proposed is not None
        assert written.proposed.kind == "template"
        # When Meta pauses the step's template while the text waits, then a person approves
        change = {"name": "apply_reminder", "language": "en", "status": "PAUSED"}
        document = engine.sandbox.templates.change(change)
        now = engine.clock.now()
        webhook.apply(deps, parse(json.dumps(document).encode(), now), now)
        engine.clock.advance(MINUTE)
        approve(deps, written.id)
        engine.tick()
    # Then the approved text goes with the approved sibling, never the paused template
    sent = [(r.body or {}).get("template", {}) for r in engine.sandbox.requests]
    assert [t.get("name") for t in sent] == ["apply_reminder_v2"]
    assert written.proposed.params[1] in json.dumps(sent[0])
