from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from followup_local.engine import LocalEngine, local_engine
from tests.support.cognito import user_pool

# Tuesday 24 Nov 2026, 09:00 in Jakarta (UTC+7): inside default business hours.
TUESDAY_9AM_JAKARTA = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    with local_engine(TUESDAY_9AM_JAKARTA) as running:
        yield running


@pytest.fixture
def issuer(engine: LocalEngine) -> Iterator[str]:
    """A user pool publishing the key the staff's tokens are signed with."""
    yield from user_pool(engine)
