from __future__ import annotations

from collections.abc import Generator, Iterator
from typing import Any

import pytest

from followup.services import date_triggers
from followup_local.fake_anthropic import FakeAnthropic
from tests.support.ai import KEY


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any, Any]:
    """Keep each phase's report on the test item, so fixtures can act on a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def small_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Date rules indexed in pages of two contacts, with no time to spare: a save, and each
    tick, index one page."""
    monkeypatch.setattr(date_triggers, "BACKFILL_PAGE", 2)
    monkeypatch.setattr(date_triggers, "SAVE_TIME", 0.0)
    monkeypatch.setattr(date_triggers, "TICK_TIME", 0.0)


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    """Anthropic's Messages API faked on 127.0.0.1, taking the tests' key."""
    with FakeAnthropic(KEY) as server:
        yield server
