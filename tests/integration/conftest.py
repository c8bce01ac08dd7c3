from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from followup_local.engine import LocalEngine, local_engine

# Tuesday 24 Nov 2026, 09:00 in Jakarta (UTC+7): inside default business hours.
TUESDAY_9AM_JAKARTA = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    with local_engine(TUESDAY_9AM_JAKARTA) as running:
        yield running
