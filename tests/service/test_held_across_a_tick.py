"""A follow-up the sender holds because WhatsApp refused the API key (the workspace is
paused) goes once an admin resumes sending: the save that resumes runs dispatch's
hand-over "at once: what a sender held". Here the send that met the refusal was in flight
across a dispatch tick (360dialog slow to answer), and the hold is stamped with the time
the send began, before that tick: resuming hands it over no sooner than the redrive time
(`FOLLOWUP_REDRIVE_AFTER_MINUTES`) after it was due, i.e. the next hourly tick."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.domain.followup import Status
from followup.services.resume import save_settings
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

HOUR, MINUTE, SECOND = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)


def _sending(engine: MemoryEngine, paused: bool) -> None:
    read = engine.deps.rules.versioned_settings()
    save_settings(engine.deps, read.item.model_copy(update={"paused": paused}), read.revision)


def test_a_send_held_by_a_refused_key_across_a_tick_goes_when_sending_resumes(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given hourly ticks (09:00, 10:00) and a follow-up due at 09:59:45, handed to the queue
    # by the 09:00 tick
    start = engine.clock.now()
    engine.deps.rules.save_rule(rule())
    lead = quiet_contact(engine.deps, "6281100000961", start + HOUR - 15 * SECOND - 24 * HOUR)
    engine.scheduled("enqueue")
    engine.scheduled("dispatch")
    # And 360dialog slow to answer its send, during which the 10:00 dispatch tick runs,
    # then refusing the API key (401): sending is paused, the follow-up held
    provider = engine.deps.whatsapp.send

    def slow_then_refused(outbound: Any) -> str:
        engine.clock.advance(15 * SECOND)  # 10:00:00
        engine.scheduled("dispatch")
        engine.clock.advance(5 * SECOND)
        engine.sandbox.fail_next(status=401)
        return provider(outbound)

    monkeypatch.setattr(engine.deps.whatsapp, "send", slow_then_refused)
    engine.run_until(start + HOUR - 15 * SECOND)
    monkeypatch.undo()
    held = engine.deps.followups.followups_of(lead.id)[0]
    assert held.status is Status.QUEUED
    assert (held.reason or "").startswith("held: ")
    assert engine.deps.catalog.workspace_paused()
    assert engine.sandbox.sent() == []
    # When the admin fixes the key and resumes sending at 10:05, and the queue runs
    engine.run_until(start + HOUR + 5 * MINUTE)
    _sending(engine, paused=False)
    engine.run_until(start + HOUR + 6 * MINUTE)
    # Then it went at once, not at the 11:00 tick
    followup = engine.deps.followups.followups_of(lead.id)[0]
    assert followup.status is Status.SENT, f"still {followup.status} ({followup.reason})"
