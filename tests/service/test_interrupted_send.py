"""A send stopped by a failure before anything reached a provider (the store or the
network failing right after the claim) has sent nothing: it is queued again and goes
once, rather than left claimed until its deadline gives it up as unknown. One stopped
after the hand-over is never sent again (tests/service/test_sent_after_all.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.followup import Reason, Status
from followup.domain.settings import AiSettings
from followup.services import send
from followup_local.fake_anthropic import FakeAnthropic
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
KEY = "sk-ant-local-test"
SOON = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}


class StoreDown(Exception):
    """DynamoDB throttled the read past its retries."""


def fails_once(monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> None:
    """`target.name` raises the first time it is called, then works."""
    real = getattr(target, name)
    calls = []

    def once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise StoreDown(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, once)


def test_a_send_stopped_before_the_provider_is_queued_again_and_goes_once(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a follow-up handed to the send queue, and the store failing the sender's
    # re-read of the contact once
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000601", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    fails_once(monkeypatch, engine.deps.contacts, "contact")
    # When the sender takes it, and the send queue brings the failed record back
    engine.drain()
    # Then it went once, the interruption kept in its history
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert Reason.INTERRUPTED in [change.reason for change in followup.history]
    assert len(engine.sandbox.sent()) == 1


def test_a_send_stopped_every_time_ends_failed_after_the_workspace_s_tries(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a workspace trying a send 3 times, and the sender failing on the follow-up's
    # rule every time (a fault in its own data)
    settings = engine.deps.rules.settings().model_copy(update={"max_attempts": 3})
    engine.deps.rules.save_settings(settings)
    engine.deps.catalog.invalidate()
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000603", engine.clock.now() - 25 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ValueError("unreadable rule")

    monkeypatch.setattr(engine.deps.catalog, "rule", broken)
    # When the send queue brings it back each time
    engine.drain()
    # Then it ends failed after its third try, nothing sent, and is not brought back again
    [followup] = engine.deps.followups.followups_of(lead.id)
    assert (followup.status, followup.reason) == (Status.FAILED, "retries_exhausted: interrupted")
    assert followup.attempt == 3
    assert engine.sandbox.requests == []


def test_a_send_stopped_after_the_ai_wrote_goes_with_that_text_and_keeps_its_cost(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeAnthropic(KEY) as fake:
        # Given a step the AI writes, for a lead inside the 24-hour window, and Anthropic
        # calls counted as they are billed
        deps = engine.deps
        writer = ClaudeWriter(KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=60)
        billed: list[float] = []

        class Counted:
            def write(self, request: Any) -> Any:
                result = writer.write(request)
                billed.append(result.usage.cost_usd if result.usage else 0.0)
                return result

        deps.writer = Counted()
        deps.rules.save_settings(
            deps.rules.settings().model_copy(update={"ai": AiSettings(language="en")})
        )
        deps.catalog.invalidate()
        step = {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": "Hi, still applying?",
            "ai": {"instructions": "Ask kindly whether they still want to apply."},
        }
        deps.rules.save_rule(rule(trigger=SOON, steps=[step]))
        lead = quiet_contact(deps, "6281100000604", engine.clock.now() - 2 * HOUR)
        engine.sandbox.record_inbound(lead.wa_id or "", engine.clock.now() - 2 * HOUR)
        # When the store fails after the AI wrote and before the hand-over, once
        fails_once(monkeypatch, send, "cleared")
        for _ in range(3):
            engine.tick()
            engine.clock.advance(timedelta(minutes=1))
    # Then the text written goes, the AI asked once, and its cost is what was billed
    [followup] = deps.followups.followups_of(lead.id)
    assert followup.status is Status.SENT
    assert followup.ai is not None
    assert len(billed) == 1
    assert followup.ai.cost_usd == pytest.approx(billed[0])
    [request] = engine.sandbox.sent()
    assert request.body is not None
    assert request.body["text"]["body"] == followup.ai.text
