"""A text the AI wrote that waits for a person's approval is not ended by a second copy
of the message that brought it to the sender (a dispatch run again, an SQS duplicate)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.dispatching import DiesBeforeTheMark

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
SECOND = timedelta(seconds=1)

APPROVAL_STEP = {
    "wait": {"amount": 45, "unit": "minutes"},
    "text": "Hi, still applying?",
    "template": {
        "name": "apply_reminder",
        "language": "en",
        "params": [{"field": "first_name", "default": "there"}],
    },
    "ai": {"instructions": "Ask whether they still apply.", "approval": True},
}


def test_a_dispatch_tick_run_again_does_not_end_a_text_awaiting_approval(
    engine: MemoryEngine,
) -> None:
    # Given a rule whose step's AI text waits for a person's approval, and a lead the
    # enqueue tick plans it for (due in the tick's look-ahead)
    deps = engine.deps
    deps.rules.save_rule(rule(steps=[APPROVAL_STEP]))
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
