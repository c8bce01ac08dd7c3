"""A lead who writes around an enqueue tick (in its minute, in its second, while it runs, or
in a message WhatsApp stamped just before it) is still followed up once for that silence."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from followup.domain.contact import Contact
from followup.domain.followup import Status
from followup.domain.ids import contact_id
from followup.services.ports import Versioned
from followup_local import envelopes
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import rule

WA_ID = "6281100000931"
RULE_ID = "quiet-an-hour"


def _quiet_rule(amount: int, unit: str) -> Any:
    return rule(RULE_ID, trigger={"stages": ["new"], "idle": {"amount": amount, "unit": unit}})


class WritesDuringTheRead:
    """The store, except that the first read of the quiet index by a tick lets `write` land
    right after the index answered and before the tick moves on (another Lambda's webhook
    running beside the tick): a race made deterministic."""

    def __init__(self, store: Any, write: Callable[[], None]) -> None:
        self._store, self._write = store, write
        self.raced = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    def quiet_contacts(
        self, stage: str, after: datetime, until: datetime
    ) -> Iterator[Versioned[Contact]]:
        found = list(self._store.quiet_contacts(stage, after, until))
        if not self.raced:
            self.raced = True
            self._write()
        return iter(found)


def _tick_until(engine: MemoryEngine, end: datetime, every: timedelta) -> None:
    while engine.clock.now() + every <= end:
        engine.run_until(engine.clock.now() + every)
        engine.tick()


def _followed_up(engine: MemoryEngine) -> list[tuple[str, Status]]:
    followups = engine.deps.followups.followups_of(contact_id(f"wa:{WA_ID}"))
    return [(f.rule_id, f.status) for f in followups]


@pytest.mark.parametrize("tick_minutes", [60, 1])
@pytest.mark.parametrize(
    ("stamped_after_tick", "heard_after_tick"),
    [
        (timedelta(seconds=20), timedelta(seconds=20)),  # same minute, just after the tick
        (timedelta(0), timedelta(0)),  # the tick's own second
        (timedelta(seconds=-5), timedelta(seconds=10)),  # stamped before, heard after it
    ],
    ids=["same-minute", "same-second", "stamped-before-heard-after"],
)
def test_a_lead_who_writes_in_the_minute_of_a_tick_is_followed_up_once_after_an_hour(
    tick_minutes: int, stamped_after_tick: timedelta, heard_after_tick: timedelta
) -> None:
    every = timedelta(minutes=tick_minutes)
    with memory_engine(TUESDAY_9AM_JAKARTA, {"FOLLOWUP_TICK_MINUTES": tick_minutes}) as engine:
        # Given a rule for leads quiet an hour, and the scheduler ticking at T
        engine.deps.rules.save_rule(_quiet_rule(1, "hours"))
        engine.tick()
        ticked = engine.clock.now()
        # When a lead's message stamped around T reaches the webhook just after that tick
        written = ticked + stamped_after_tick
        engine.sandbox.record_inbound(WA_ID, written)
        engine.clock.advance(heard_after_tick)
        message = envelopes.text_message(WA_ID, "is the course still open?", written, "wamid.m1")
        assert engine.deliver(message) == 200
        # And the scheduler keeps ticking past the hour of silence
        engine.clock.advance(every - heard_after_tick)
        engine.tick()
        _tick_until(engine, ticked + timedelta(hours=1, minutes=5) + 2 * every, every)
        # Then the lead was followed up once for that silence
        assert _followed_up(engine) == [(RULE_ID, Status.SENT)]
        assert len(engine.sandbox.sent()) == 1


@pytest.mark.parametrize(
    ("amount", "unit"), [(1, "hours"), (5, "minutes")], ids=["an-hour", "five-minutes"]
)
def test_a_lead_who_writes_while_a_tick_reads_its_window_is_followed_up_once(
    engine: MemoryEngine, amount: int, unit: str
) -> None:
    # Given a rule for leads quiet a while, on the hourly scheduler
    every = timedelta(hours=1)
    engine.deps.rules.save_rule(_quiet_rule(amount, unit))
    engine.tick()
    engine.clock.advance(every)
    # When a lead writes while the next tick runs, just after it read who went quiet
    written: list[datetime] = []

    def lead_writes() -> None:
        engine.clock.advance(timedelta(seconds=20))
        written.append(engine.clock.now())
        engine.sandbox.record_inbound(WA_ID, written[0])
        message = envelopes.text_message(WA_ID, "still open?", written[0], "wamid.m2")
        assert engine.deliver(message) == 200

    racing = WritesDuringTheRead(engine.deps.contacts, lead_writes)
    engine.deps.contacts = racing
    engine.tick()
    engine.deps.contacts = racing._store
    assert racing.raced
    # And the scheduler keeps ticking past the silence
    _tick_until(engine, written[0] + timedelta(hours=3), every)
    # Then the lead was followed up once for that silence
    assert _followed_up(engine) == [(RULE_ID, Status.SENT)]
    assert len(engine.sandbox.sent()) == 1
