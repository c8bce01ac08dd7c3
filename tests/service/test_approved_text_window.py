"""An AI text approved by a person goes as approved, unless WhatsApp's 24-hour window
closed while it waited: free text cannot go then, and the step's template goes instead,
without first trying the text WhatsApp would refuse. Either way a text that did not go is
recorded as not used, with why."""

from __future__ import annotations

from datetime import timedelta

from followup.domain.followup import FollowUp, Status
from followup.services.approval import approve
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.ai import KEY, writing_in_english
from tests.support.builders import approval_step, quiet_contact, rule

HOUR = timedelta(hours=1)
WA_ID = "6281100000780"
STEP = approval_step()


def sent_after_approval(
    engine: MemoryEngine, approved_after: timedelta
) -> tuple[list[str | None], FollowUp]:
    """A lead who wrote an hour ago, an AI text written for them at once and approved
    `approved_after` later: the kind of each message WhatsApp was asked to send."""
    with FakeAnthropic(KEY) as fake:
        deps = engine.deps
        writing_in_english(engine, fake)
        trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
        deps.rules.save_rule(rule(trigger=trigger, steps=[STEP]))
        lead = quiet_contact(deps, WA_ID, engine.clock.now() - HOUR)
        engine.sandbox.record_inbound(WA_ID, engine.clock.now() - HOUR)
        engine.tick()
        [written] = deps.followups.followups_of(lead.id)
        assert written.proposed is not None
        assert written.proposed.kind == "text"
        engine.clock.advance(approved_after)
        approve(deps, written.id)
        engine.tick()
        [followup] = deps.followups.followups_of(lead.id)
        assert followup.status is Status.SENT
    return [(r.body or {}).get("type") for r in engine.sandbox.requests], followup


def test_an_approved_text_goes_as_written_inside_the_window(engine: MemoryEngine) -> None:
    sent, followup = sent_after_approval(engine, 2 * HOUR)
    assert sent == ["text"]
    assert followup.ai is not None
    assert followup.ai.used


def test_a_text_approved_after_the_window_closed_goes_as_the_steps_template(
    engine: MemoryEngine,
) -> None:
    # Approved on Wednesday 10:00, two hours after the lead's 24-hour window closed
    sent, followup = sent_after_approval(engine, 25 * HOUR)
    assert sent == ["template"]
    # And its AI record says the text did not go, and why, keeping what writing it cost
    assert followup.ai is not None
    assert (followup.ai.used, followup.ai.fallback_reason, followup.ai.text) == (
        False,
        "window_closed",
        None,
    )
    assert followup.ai.cost_usd > 0


def test_an_ai_text_whatsapp_refuses_for_a_closed_window_is_recorded_as_not_sent(
    engine: MemoryEngine,
) -> None:
    with FakeAnthropic(KEY) as fake:
        # Given an AI-written step, and a lead we think wrote an hour ago whose window
        # WhatsApp says is closed
        deps = engine.deps
        writing_in_english(engine, fake)
        written = {key: value for key, value in STEP.items() if key != "ai"}
        written["ai"] = {"instructions": "Ask whether they still apply."}
        trigger = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
        deps.rules.save_rule(rule(trigger=trigger, steps=[written]))
        lead = quiet_contact(deps, WA_ID, engine.clock.now() - HOUR)
        # When the AI's text is refused (131047) and the step's template goes instead
        engine.tick()
    assert [(r.body or {}).get("type") for r in engine.sandbox.requests] == ["text", "template"]
    # Then the follow-up's AI record says its text did not go, and why
    [followup] = deps.followups.followups_of(lead.id)
    assert followup.ai is not None
    assert (followup.ai.used, followup.ai.fallback_reason) == (False, "window_closed")
