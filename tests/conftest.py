from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any, Any]:
    """Keep each phase's report on the test item, so fixtures can act on a failure."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
