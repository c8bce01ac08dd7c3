"""Fixtures of the browser tests: Debian's headless Chromium (one per module), the pages a test
opened (saved as screenshots under test-artifacts/ when it fails, then closed with their
contexts) and what those pages logged."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.browser import Watched
from tests.support.devstack import SAFETY_NET

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium-headless-shell")
    assert chromium, "make test installs Debian's chromium-headless-shell package"
    # Expectations wait for the page; a busy machine must not make a wait a failure.
    expect.set_options(timeout=SAFETY_NET * 1000)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def pages(browser: Browser, request: pytest.FixtureRequest) -> Iterator[list[Page]]:
    opened: list[Page] = []
    yield opened
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        for index, page in enumerate(opened):
            page.screenshot(
                path=str(ARTIFACTS / f"{request.node.name}-{index}.png"), full_page=True
            )
    for context in dict.fromkeys(page.context for page in opened):
        context.close()


@pytest.fixture
def watched() -> Watched:
    return Watched()
