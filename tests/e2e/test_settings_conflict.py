"""The settings page sends back the revision it read: when someone else saved the
settings meanwhile, the admin's save is refused, the page says so in words, and loading
the latest settings lets the admin make the change again without undoing the other's."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("conflict") / "state", free_port(), contacts=1)
    yield running
    running.stop()


@pytest.mark.slow
def test_a_save_over_someone_elses_is_refused_in_words_and_redone_on_the_latest(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given an admin with the settings page open
    page = sign_in(browser, pages, stack.url, "admin", watched)
    page.goto(f"{stack.url}/#/settings")
    tries = page.get_by_label("Tries of a failed send")
    expect(tries).to_have_value("10")

    # When another admin saves a new time zone, then this admin saves new tries
    other = stack.call("GET", "/api/settings").json()
    changed = {**other, "timezone": "Asia/Makassar"}
    assert stack.call("PUT", "/api/settings", json=changed).status_code == 200
    tries.fill("7")
    page.get_by_role("button", name="Save settings").click()

    # Then the page says the save was refused and why; the other admin's save stands
    stale = page.get_by_test_id("settings-stale")
    expect(stale).to_contain_text("Someone else saved the settings after you opened this page")
    saved = stack.call("GET", "/api/settings").json()
    assert (saved["timezone"], saved["max_attempts"]) == ("Asia/Makassar", 10)
    assert serious_problems(page) == []

    # When the admin loads the latest settings and makes the change again
    page.get_by_role("button", name="Load the latest settings").click()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Makassar")
    expect(stale).to_have_count(0)
    tries.fill("7")
    page.get_by_role("button", name="Save settings").click()

    # Then both changes are kept
    expect(page.get_by_test_id("settings-saved")).to_be_visible()
    saved = stack.call("GET", "/api/settings").json()
    assert (saved["timezone"], saved["max_attempts"]) == ("Asia/Makassar", 7)
    # The browser logs the refused request; nothing else went wrong
    assert [e for e in watched.errors if "status of 409" not in e] == []
