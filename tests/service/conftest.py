"""Service tests: the engine's use cases on the in-memory store, driven by a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA
from tests.support.outbox import Outbox


@pytest.fixture
def engine() -> Iterator[MemoryEngine]:
    with memory_engine(TUESDAY_9AM_JAKARTA) as running:
        yield running


@pytest.fixture
def outbox(engine: MemoryEngine) -> Outbox:
    """SMS and email set up, both landing in one outbox."""
    box = Outbox()
    engine.deps.sms = box
    engine.deps.email = box
    return box
