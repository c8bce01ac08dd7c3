"""Service tests: the engine's use cases on the in-memory store, driven by a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from followup_local.engine import LocalEngine, local_engine
from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.builders import rule
from tests.support.friday import FRIDAY_4PM, TEMPLATE
from tests.support.outbox import Outbox


@pytest.fixture
def engine() -> Iterator[MemoryEngine]:
    with memory_engine(TUESDAY_9AM_JAKARTA) as running:
        yield running


@pytest.fixture(params=["memory", "moto"])
def either(request: pytest.FixtureRequest) -> Iterator[MemoryEngine | LocalEngine]:
    """The engine on the in-memory twin, and on moto with the stats counted from the
    follow-up table's stream: both must show the same numbers."""
    if request.param == "memory":
        with memory_engine(TUESDAY_9AM_JAKARTA) as running:
            yield running
    else:
        with local_engine(TUESDAY_9AM_JAKARTA) as running:
            yield running


@pytest.fixture
def outbox(engine: MemoryEngine) -> Outbox:
    """SMS and email set up, both landing in one outbox."""
    box = Outbox()
    engine.deps.sms = box
    engine.deps.email = box
    return box


@pytest.fixture
def friday() -> Iterator[MemoryEngine]:
    """Friday 16:00 in Jakarta, hourly ticks, the default window closing at 17:00, and a
    rule whose one step goes as soon as the lead has been quiet for 24 h."""
    with memory_engine(FRIDAY_4PM) as running:
        running.deps.timings = replace(running.deps.timings, tick=timedelta(hours=1))
        running.deps.rules.save_rule(
            rule(steps=[{"wait": {"amount": 0, "unit": "minutes"}, "template": TEMPLATE}])
        )
        yield running
