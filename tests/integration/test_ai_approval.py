"""A person approves AI texts before they go: the sender holds the written text, and the
approved (or edited) text is sent once, without asking the AI again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from followup.adapters.claude import ClaudeWriter
from followup.domain.ai import DEFAULT_MODEL
from followup.domain.enrollment import EnrollmentState
from followup.domain.followup import FollowUp, Status
from followup.domain.settings import AiSettings
from followup_local.engine import LocalEngine
from followup_local.fake_anthropic import DEFAULT_TEXT, LABEL, FakeAnthropic
from tests.integration.test_ai_send import BUDGET, KEY, STATIC_HIGHLIGHT, ai_step
from tests.support.api import call
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)
AI_TEXT = LABEL + DEFAULT_TEXT


@pytest.fixture
def ai(engine: LocalEngine) -> Iterator[tuple[LocalEngine, FakeAnthropic]]:
    """An engine whose rule's AI step waits for approval, writing with the fake Claude."""
    with FakeAnthropic(KEY) as fake:
        engine.deps.writer = ClaudeWriter(
            KEY, DEFAULT_MODEL, base_url=fake.base_url, budget_seconds=BUDGET
        )
        settings = engine.deps.rules.settings()
        engine.deps.rules.save_settings(
            settings.model_copy(update={"ai": AiSettings(language="en")})
        )
        engine.deps.catalog.invalidate()
        step = ai_step(ai={"instructions": "Ask whether they still apply.", "approval": True})
        engine.deps.rules.save_rule(rule(steps=[step]))
        yield engine, fake


def waiting(engine: LocalEngine, wa_id: str) -> FollowUp:
    lead = quiet_contact(engine.deps, wa_id, engine.clock.now() - 25 * HOUR)
    engine.tick()
    [followup] = engine.deps.followups.followups_of(lead.id)
    return followup


def highlights(engine: LocalEngine) -> list[Any]:
    return [
        request.body["template"]["components"][0]["parameters"][1]["text"]
        for request in engine.sandbox.sent()
        if request.body is not None
    ]


def test_the_written_text_waits_for_approval_then_goes_once(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, fake = ai
    followup = waiting(engine, "6281100000401")
    # The text is written and held, not sent
    assert (followup.status, followup.reason) == (Status.QUEUED, "awaiting_approval")
    assert followup.proposed is not None
    assert followup.proposed.params[1] == AI_TEXT
    assert highlights(engine) == []
    status, shown = call(engine, "GET", "/api/queue?status=queued")
    assert status == 200
    assert [f["reason"] for f in shown["followups"]] == ["awaiting_approval"]
    engine.clock.advance(HOUR)
    engine.tick()
    assert highlights(engine) == []
    # Approved: sent once with exactly that text, and the AI is not asked again
    assert call(engine, "POST", f"/api/followups/{followup.id}/approve", {})[0] == 200
    engine.tick()
    assert highlights(engine) == [AI_TEXT]
    assert len(fake.requests) == 1
    sent = engine.deps.followups.followup(followup.id)
    assert sent is not None
    assert sent.status is Status.SENT
    assert sent.rendered is not None
    assert sent.rendered.params[1] == AI_TEXT
    # A second approval is a conflict, and nothing more is sent
    status, answer = call(engine, "POST", f"/api/followups/{followup.id}/approve", {})
    assert status == 409
    assert "not awaiting approval" in answer["error"]["message"]
    engine.tick()
    assert highlights(engine) == [AI_TEXT]


def test_an_edited_text_is_sent_in_place_of_the_written_one(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000402")
    path = f"/api/followups/{followup.id}/approve"
    status, answer = call(engine, "POST", path, {"text": "Two\nlines"})
    assert status == 422
    assert answer["error"]["details"][0]["field"] == "text"
    status, _ = call(engine, "POST", path, {"text": "Still applying this intake, Rudi?"})
    assert status == 200
    engine.tick()
    assert highlights(engine) == ["Still applying this intake, Rudi?"]


def test_a_rejected_text_is_never_sent(ai: tuple[LocalEngine, FakeAnthropic]) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000403")
    assert call(engine, "POST", f"/api/followups/{followup.id}/reject", role="counselor")[0] == 403
    status, rejected = call(
        engine, "POST", f"/api/followups/{followup.id}/reject", role="marketing"
    )
    assert status == 200
    assert (rejected["status"], rejected["reason"]) == ("canceled", "rejected")
    assert call(engine, "POST", f"/api/followups/{followup.id}/approve", {})[0] == 409
    engine.clock.advance(HOUR)
    engine.tick()
    assert highlights(engine) == []
    # And its journey ended with it, as a cancel from the queue ends it: the lead's next
    # silence enrolls afresh, and the rule counts no journey running
    assert followup.enrollment_id is not None
    journey = engine.deps.followups.enrollment(followup.enrollment_id)
    assert journey is not None
    assert (journey.item.state, journey.item.exit_reason) == (EnrollmentState.EXITED, "rejected")
    assert call(engine, "GET", "/api/rules/apply-remind-24h/stats")[1]["active"] == 0


def test_an_unapproved_text_is_skipped_after_the_expiry(
    ai: tuple[LocalEngine, FakeAnthropic],
) -> None:
    engine, fake = ai
    followup = waiting(engine, "6281100000404")
    engine.ticks(73, every=HOUR)  # expire_after defaults to 72 hours
    ended = engine.deps.followups.followup(followup.id)
    assert ended is not None
    assert (ended.status, ended.reason) == (Status.SKIPPED, "approval_expired")
    assert highlights(engine) == []
    assert len(fake.requests) == 1
    assert STATIC_HIGHLIGHT not in highlights(engine)
