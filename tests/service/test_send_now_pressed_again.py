"""Send now pressed again after the first press erred between its writes (the store
throttled the second write, or SQS refused the message, and the API answered 5xx): the
second press, told "handed to the sender now", hands it over, without waiting for a
dispatch tick or the redrive."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from followup.services.manual import send_now, when
from followup_local.memory_engine import MemoryEngine
from tests.support.builders import quiet_contact, rule

RULE = "apply-remind-24h"


class Throttled(Exception):
    """DynamoDB (or SQS) refused the call past the SDK's retries."""


def _fails_call(monkeypatch: pytest.MonkeyPatch, target: Any, name: str, number: int) -> None:
    """`target.name` raises on its `number`-th call (1-based), then works again."""
    real = getattr(target, name)
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == number:
            raise Throttled(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)


def _lead(engine: MemoryEngine) -> str:
    engine.deps.rules.save_rule(rule())
    engine.scheduled("dispatch")  # the hourly tick ran a moment ago
    engine.clock.advance(timedelta(minutes=1))
    lead = quiet_contact(engine.deps, "6281100000611", engine.clock.now() - timedelta(hours=1))
    engine.sandbox.record_inbound(lead.wa_id or "", engine.clock.now() - timedelta(hours=1))
    return lead.id


def test_pressed_again_after_the_second_write_failed_it_goes_at_once(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a first press whose second write (marking it handed over) was throttled: 5xx
    contact_id = _lead(engine)
    _fails_call(monkeypatch, engine.deps.transactions, "commit", 2)
    with pytest.raises(Throttled):
        send_now(engine.deps, contact_id, RULE)
    # When the counsellor presses send now again and is told it is handed over now
    again = send_now(engine.deps, contact_id, RULE)
    assert when(engine.deps, again).now
    # Then the sender gets it now, not at the next dispatch tick
    engine.drain()
    assert [r.followup_id for r in engine.sandbox.sent()] == [again.id]


def test_pressed_again_after_sqs_refused_the_message_it_goes_at_once(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a first press whose message SQS refused after both writes: 5xx
    contact_id = _lead(engine)
    _fails_call(monkeypatch, engine.deps.queue, "enqueue", 1)
    with pytest.raises(Throttled):
        send_now(engine.deps, contact_id, RULE)
    # When the counsellor presses send now again and is told it is handed over now
    again = send_now(engine.deps, contact_id, RULE)
    assert when(engine.deps, again).now
    # Then the sender gets it now, not half an hour later when its redrive comes
    engine.drain()
    assert [r.followup_id for r in engine.sandbox.sent()] == [again.id]
