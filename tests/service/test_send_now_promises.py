"""Send now says what really happens: a step the rule already sent in this silence is not
sent again, and free text the lead's closed window would refuse is refused before anything
is queued."""

from __future__ import annotations

from datetime import timedelta

import pytest

from followup.services.manual import WindowClosed, send_now, when
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
TEXT_ONLY = [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Hi, still applying?"}]


def test_a_step_the_rule_sent_in_this_silence_is_not_sent_again_by_hand(
    engine: MemoryEngine,
) -> None:
    # Given a lead quiet for a day, to whom the rule's tick sent its step
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000953", engine.clock.now() - 25 * HOUR)
    engine.tick()
    assert len(engine.sandbox.sent()) == 1
    # When a counsellor sends the same rule now, two hours later in the same silence
    engine.clock.advance(2 * HOUR)
    answered = send_now(engine.deps, lead.id, "apply-remind-24h")
    engine.tick()
    # Then they are told it already went, and the lead gets it once
    assert when(engine.deps, answered).why_code == "already_sent"
    assert len(engine.sandbox.sent()) == 1


def test_free_text_a_closed_window_would_refuse_is_refused_before_anything_is_queued(
    engine: MemoryEngine,
) -> None:
    # Given a rule whose first step is free text alone, and a lead who wrote 30 hours ago
    engine.deps.rules.save_rule(rule(steps=TEXT_ONLY))
    lead = quiet_contact(engine.deps, "6281100000952", engine.clock.now() - 30 * HOUR)
    # When a counsellor sends it now / Then it is refused, saying why, and nothing waits
    with pytest.raises(WindowClosed, match="24-hour window"):
        send_now(engine.deps, lead.id, "apply-remind-24h")
    assert engine.deps.followups.followups_of(lead.id) == []
    # while inside the window it goes
    inside = quiet_contact(engine.deps, "6281100000954", engine.clock.now() - 2 * HOUR)
    answered = send_now(engine.deps, inside.id, "apply-remind-24h")
    assert when(engine.deps, answered).why_code == "window_open"
