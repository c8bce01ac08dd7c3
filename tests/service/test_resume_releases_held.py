"""Resuming sending hands what the workspace's pause held to the sender at once, as
resuming a number does, rather than leaving it to the next tick (after the window closed,
the next working day)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from followup.domain.followup import Status
from followup.services import dispatch, enqueue
from followup.services.ports import Delayed
from followup.services.resume import save_settings
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule
from tests.support.friday import FRIDAY_4PM, JAKARTA, TEMPLATE, only

HOUR, MINUTE, SECOND = timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)


def sending(engine: MemoryEngine, paused: bool) -> None:
    """The admin's "Pause everything" or "Resume sending": the settings saved with `paused`."""
    read = engine.deps.rules.versioned_settings()
    save_settings(engine.deps, read.item.model_copy(update={"paused": paused}), read.revision)


class _QueueDown:
    """The send queue refusing every call (an SQS outage) until `up` is set."""

    def __init__(self, inner: object) -> None:
        self._inner, self.up = inner, False

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def enqueue_each(self, messages: list[Delayed]) -> None:
        if not self.up:
            raise RuntimeError("SQS: ServiceUnavailable")
        self._inner.enqueue_each(messages)  # type: ignore[attr-defined]


def test_resume_sending_sends_what_a_short_pause_held_not_the_next_working_day(
    friday: MemoryEngine,
) -> None:
    # Given a follow-up due at 16:20, handed to the queue by the 16:00 tick
    lead = quiet_contact(friday.deps, "6281100000303", FRIDAY_4PM + 20 * MINUTE - 24 * HOUR)
    friday.tick()
    # And an admin who paused everything at 16:10, so that it was held when it came
    friday.run_until(FRIDAY_4PM + 10 * MINUTE)
    sending(friday, paused=True)
    friday.run_until(FRIDAY_4PM + 30 * MINUTE)
    held = only(friday, lead.id)
    assert held.status is Status.QUEUED
    assert held.reason is not None
    assert held.reason.startswith("held: ")
    # When the admin resumes sending at 16:30, and the queue runs
    sending(friday, paused=False)
    friday.run_until(FRIDAY_4PM + 31 * MINUTE)
    # Then it went at once, on Friday, not at the 17:00 tick (window closed: Monday 08:00)
    followup = only(friday, lead.id)
    assert followup.status is Status.SENT, (
        f"resumed Fri 16:30 WIB; now {followup.status} for "
        f"{followup.scheduled_at.astimezone(JAKARTA):%a %H:%M} ({followup.reason})"
    )
    assert followup.sent_at is not None
    assert FRIDAY_4PM + 30 * MINUTE <= followup.sent_at <= FRIDAY_4PM + 31 * MINUTE
    # And the 17:00 tick sends it no second time
    friday.run_until(FRIDAY_4PM + HOUR)
    friday.tick()
    assert only(friday, lead.id).status is Status.SENT
    assert len(friday.sandbox.sent()) == 1


def test_resume_sending_stands_when_the_queue_refuses_and_the_next_tick_sends_what_was_held(
    engine: MemoryEngine, caplog: pytest.LogCaptureFixture
) -> None:
    # Given Tuesday 09:00, hourly ticks, and a follow-up due at 09:20 that a pause made at
    # 09:10 held when it came
    engine.deps.timings = replace(engine.deps.timings, tick=HOUR)
    engine.deps.rules.save_rule(
        rule(steps=[{"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}])
    )
    start = engine.clock.now()
    lead = quiet_contact(engine.deps, "6281100000304", start + 20 * MINUTE - 24 * HOUR)
    engine.tick()
    engine.run_until(start + 10 * MINUTE)
    sending(engine, paused=True)
    engine.run_until(start + 30 * MINUTE)
    # When the admin resumes sending at 09:30 while the send queue refuses every call
    down = _QueueDown(engine.deps.queue)
    engine.deps.queue = down  # type: ignore[assignment]
    sending(engine, paused=False)
    down.up = True
    # Then the save stands: sending is resumed, and the log says what was left for the tick
    assert engine.deps.rules.settings().paused is False
    assert engine.deps.catalog.sending_paused() is None
    assert "left to the next dispatch tick" in caplog.text
    # And the 10:00 tick sends what the pause held
    engine.run_until(start + HOUR)
    engine.tick()
    followup = only(engine, lead.id)
    assert followup.status is Status.SENT
    assert followup.sent_at is not None
    assert followup.sent_at <= start + HOUR + MINUTE


def test_a_pause_over_the_hourly_tick_keeps_nothing_due_after_the_resume_for_monday(
    friday: MemoryEngine,
) -> None:
    # Given a lead whose follow-up falls due Friday 16:40, and an admin who pauses
    # everything from 16:05 to 16:15, over the tick of 16:10
    engine = friday
    lead = quiet_contact(engine.deps, "6281100009001", FRIDAY_4PM + 40 * MINUTE - 24 * HOUR)
    engine.run_until(FRIDAY_4PM + 5 * MINUTE)
    sending(engine, paused=True)
    engine.run_until(FRIDAY_4PM + 10 * MINUTE)
    engine.tick()
    engine.run_until(FRIDAY_4PM + 15 * MINUTE)
    # When sending resumes at 16:15, and the afternoon goes on up to the 17:10 tick
    sending(engine, paused=False)
    engine.run_until(FRIDAY_4PM + 70 * MINUTE)
    engine.tick()
    # Then it went at 16:40, its due time, as it would have without the pause, not on
    # Monday: the 16:10 dispatch handed nothing over, and the resume did
    followup = only(engine, lead.id)
    assert followup.status is Status.SENT
    assert followup.sent_at == FRIDAY_4PM + 40 * MINUTE


def test_a_resume_while_a_ticks_enqueue_still_runs_keeps_nothing_it_plans_from_the_tick(
    friday: MemoryEngine,
) -> None:
    # Given a lead whose follow-up falls due Friday 16:30, and an admin who paused
    # everything a few minutes before the 16:00 tick
    engine = friday
    tick = engine.clock.now()
    lead = quiet_contact(engine.deps, "6281100007701", tick + 30 * MINUTE - 24 * HOUR)
    sending(engine, paused=True)
    # When the 16:00 tick's enqueue (a large contact base: it runs a while) is still
    # writing its plans as the admin resumes sending at 16:00:20, and the tick's dispatch
    # then runs at its own time
    engine.clock.advance(20 * SECOND)
    sending(engine, paused=False)
    engine.clock.advance(10 * SECOND)
    enqueue.run_tick(engine.deps, tick)
    dispatch.run_tick(engine.deps, tick)
    engine.run_until(tick + 31 * MINUTE)
    # Then the follow-up went at 16:30, when it was due, not on Monday
    followup = only(engine, lead.id)
    assert followup.status is Status.SENT
    assert followup.sent_at == tick + 30 * MINUTE
