"""A send stopped by a failure before anything reached a provider (the store or the
network failing right after the claim) has sent nothing: it is queued again and goes
once, rather than left claimed until its deadline gives it up as unknown. One stopped
after the hand-over is never sent again (tests/service/test_sent_after_all.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import Reason, Status
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR = timedelta(hours=1)


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
