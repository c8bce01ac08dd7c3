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


@pytest.mark.parametrize(
    ("failing", "method", "nth"),
    [("transactions", "commit", 2), ("queue", "enqueue", 1)],
    ids=["its second write throttled", "its message refused by SQS"],
)
def test_pressed_again_after_the_first_press_erred_it_goes_at_once(
    engine: MemoryEngine, monkeypatch: pytest.MonkeyPatch, failing: str, method: str, nth: int
) -> None:
    # Given a first press that erred (a 5xx) before the sender had it: its second write
    # (marking it handed over) throttled, or its message refused by SQS after both writes
    contact_id = _lead(engine)
    _fails_call(monkeypatch, getattr(engine.deps, failing), method, nth)
    with pytest.raises(Throttled):
        send_now(engine.deps, contact_id, RULE)
    # When the counsellor presses send now again and is told it is handed over now
    again = send_now(engine.deps, contact_id, RULE)
    assert when(engine.deps, again).now
    # Then the sender gets it now, not at the next dispatch tick or its redrive
    engine.drain()
    assert [r.followup_id for r in engine.sandbox.sent()] == [again.id]
