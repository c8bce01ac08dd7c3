"""Service tests: the engine's use cases on the in-memory store, driven by a virtual clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from followup_local.memory_engine import MemoryEngine, memory_engine
from tests.integration.conftest import TUESDAY_9AM_JAKARTA


@pytest.fixture
def engine() -> Iterator[MemoryEngine]:
    with memory_engine(TUESDAY_9AM_JAKARTA) as running:
        yield running
