"""Signing in to the admin web app in a browser, watching what its pages log, and answering
its reads as the API does on AWS."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Response, Route, expect

from tests.support.devstack import SAFETY_NET


class Watched:
    """What the browser logged and which requests it could not find, on every page."""

    def __init__(self) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        self.missing: list[str] = []

    def watch(self, page: Page) -> Page:
        page.on("console", lambda message: self._logged(message))
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("response", lambda response: self._answered(response))
        return page

    def _logged(self, message: ConsoleMessage) -> None:
        self.console.append(message.text)
        if message.type == "error":
            self.errors.append(message.text)

    def _answered(self, response: Response) -> None:
        if response.status == 404:
            self.missing.append(response.url)


def sign_in(browser: Browser, pages: list[Page], url: str, role: str, watched: Watched) -> Page:
    page = watched.watch(browser.new_context().new_page())
    pages.append(page)
    page.goto(url)
    page.get_by_role("button", name=f"Sign in as {role}").click()
    expect(page.get_by_role("link", name="Queue")).to_be_visible()
    return page


def type_day(field: Locator, typed: str) -> None:
    """Type a day into a date field as a keyboard user does, over what it held, then close
    its calendar."""
    field.focus()
    field.press("ControlOrMeta+a")
    field.press_sequentially(typed)
    field.press("Escape")


def until(page: Page, check: Callable[[], bool]) -> None:
    """Wait for `check` while the page goes on receiving its events."""
    deadline = time.monotonic() + SAFETY_NET
    while not check():
        assert time.monotonic() < deadline, "waited too long"
        page.wait_for_timeout(50)


def counted_late(page: Page) -> dict[str, Any]:
    """The queue API as it answers on AWS while the stats function has not yet counted the
    last changes: while `lagging` holds counts, every answer carries those instead."""
    stats: dict[str, Any] = {"lagging": None}

    def answer(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        if stats["lagging"] is not None:
            body["counts"] = stats["lagging"]
        route.fulfill(response=response, json=body)

    page.route(re.compile(r"/api/queue\?"), answer)
    return stats
