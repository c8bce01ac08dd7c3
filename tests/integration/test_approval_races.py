"""Two people deciding the same AI text at once, or a person deciding while the sender
ends its wait: exactly one decision wins, the others get 409 naming what is stored now,
and what the lead receives is what the winner was told."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from followup.domain.followup import FollowUp, Status
from followup.services import approval
from followup.services.ports import FollowUpRepository
from followup_local.engine import LocalEngine
from tests.integration.test_ai_approval import ai as ai  # the fixture
from tests.integration.test_ai_approval import highlights, waiting
from tests.integration.test_webhook import current
from tests.support.api import call

EXPIRE_AFTER = timedelta(hours=72)


class LandsFirst:
    """The real follow-ups repository, except that `other` runs (once) just after the
    first read of `followup_id`: whoever made that read decides on what it read, while
    `other` has already written."""

    def __init__(self, real: FollowUpRepository, followup_id: str, other: Callable[[], Any]):
        self._real, self._id, self._other = real, followup_id, other
        self.answer: Any = None
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def followup(self, followup_id: str) -> FollowUp | None:
        found = self._real.followup(followup_id)
        if followup_id == self._id and not self.raced:
            self.raced = True
            self.answer = self._other()
        return found


def raced(engine: LocalEngine, followup: FollowUp, first: Callable[[], Any]) -> LandsFirst:
    race = LandsFirst(engine.deps.followups, followup.id, first)
    engine.deps.followups = race
    return race


def decide(engine: LocalEngine, followup: FollowUp, action: str, text: str | None = None) -> Any:
    body = None if action == "reject" else {} if text is None else {"text": text}
    return call(engine, "POST", f"/api/followups/{followup.id}/{action}", body)


def lands(engine: LocalEngine, followup: FollowUp, action: str, text: str | None = None) -> Any:
    """A decision made by another instance of the API function: the one the local engine
    runs handles one request at a time, as Lambda does, so this one calls the service."""
    if action == "reject":
        return lambda: approval.reject(engine.deps, followup.id)
    return lambda: approval.approve(engine.deps, followup.id, text)


def drained(engine: LocalEngine, race: LandsFirst) -> None:
    engine.deps.followups = race._real
    engine.tick()


def test_two_identical_approvals_at_once_send_once_and_the_later_is_told(
    ai: tuple[LocalEngine, Any],
) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000801")
    race = raced(engine, followup, lands(engine, followup, "approve"))
    status, answer = decide(engine, followup, "approve")
    assert race.answer.approved_at is not None
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "already approved by someone else" in answer["error"]["message"]
    drained(engine, race)
    assert len(highlights(engine)) == 1
    assert current(engine, followup).status is Status.SENT


def test_two_approvals_with_different_texts_at_once_send_the_winner_s_text(
    ai: tuple[LocalEngine, Any],
) -> None:
    # Given A reads the waiting text, then B approves it edited before A writes
    engine, _ = ai
    followup = waiting(engine, "6281100000802")
    race = raced(engine, followup, lands(engine, followup, "approve", "Text from B"))
    status, answer = decide(engine, followup, "approve", "Text from A")
    # Then B is told approved, and A is told B's text was approved instead
    assert race.answer.proposed.params[1] == "Text from B"
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "already approved by someone else" in answer["error"]["message"]
    assert "Text from B" in answer["error"]["message"]
    # And B's text is what is stored and what the lead receives, once
    drained(engine, race)
    assert highlights(engine) == ["Text from B"]
    stored = current(engine, followup)
    assert stored.status is Status.SENT
    assert stored.proposed is not None
    assert stored.proposed.params[1] == "Text from B"


def test_a_rejection_landing_before_an_approval_keeps_it_rejected(
    ai: tuple[LocalEngine, Any],
) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000803")
    race = raced(engine, followup, lands(engine, followup, "reject"))
    status, answer = decide(engine, followup, "approve", "Text from A")
    assert race.answer.status is Status.CANCELED
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "already rejected by someone else" in answer["error"]["message"]
    drained(engine, race)
    assert highlights(engine) == []
    stored = current(engine, followup)
    assert (stored.status, stored.reason) == (Status.CANCELED, "rejected")


def test_an_approval_landing_before_a_rejection_sends_the_approved_text(
    ai: tuple[LocalEngine, Any],
) -> None:
    engine, _ = ai
    followup = waiting(engine, "6281100000804")
    race = raced(engine, followup, lands(engine, followup, "approve", "Text from A"))
    status, answer = decide(engine, followup, "reject")
    assert race.answer.approved_at is not None
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "already approved by someone else" in answer["error"]["message"]
    assert "Text from A" in answer["error"]["message"]
    drained(engine, race)
    assert highlights(engine) == ["Text from A"]
    assert current(engine, followup).status is Status.SENT


def test_an_approval_landing_while_the_sender_ends_the_wait_is_refused_as_expired(
    ai: tuple[LocalEngine, Any],
) -> None:
    # Given the wait is over and the sender has read the unapproved text, when a person
    # approves it before the sender writes
    engine, _ = ai
    followup = waiting(engine, "6281100000805")
    engine.clock.advance(EXPIRE_AFTER)
    race = raced(engine, followup, lambda: decide(engine, followup, "approve", "Text from A"))
    engine.tick()
    # Then the person is told the wait had ended; the text ended with it, and nothing goes
    assert race.raced
    status, answer = race.answer
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "approval_expired" in answer["error"]["message"]
    drained(engine, race)
    assert highlights(engine) == []
    stored = current(engine, followup)
    assert (stored.status, stored.reason) == (Status.SKIPPED, "approval_expired")


def test_an_approval_reading_before_the_sender_ends_the_wait_is_told_it_expired(
    ai: tuple[LocalEngine, Any],
) -> None:
    # Given the wait is over and a person's approval has read the text, when the sender
    # ends it before the approval writes
    engine, _ = ai
    followup = waiting(engine, "6281100000806")
    engine.clock.advance(EXPIRE_AFTER)
    race = raced(engine, followup, engine.tick)
    status, answer = decide(engine, followup, "approve")
    # Then the person is told it is no longer awaiting approval, and why; nothing is sent
    assert race.answer["sender"]
    assert (status, answer["error"]["code"]) == (409, "already_decided")
    assert "not awaiting approval" in answer["error"]["message"]
    assert "approval_expired" in answer["error"]["message"]
    drained(engine, race)
    assert highlights(engine) == []
    stored = current(engine, followup)
    assert (stored.status, stored.reason) == (Status.SKIPPED, "approval_expired")
