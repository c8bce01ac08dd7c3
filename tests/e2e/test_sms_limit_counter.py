"""The journey builder measures an SMS step's text against the 1,600 characters an SMS takes
as the save does: the text as written, a placeholder with its braces, an emoji by its code
points (a family emoji is five). Near the limit the counter says how many of the 1,600 the
text uses, over it in red, with the number the save refuses it for."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_sms_counter import new_sms_journey
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

FAMILY = "👨\u200d👩\u200d👧"
"""One family emoji on the phone; five code points written."""
OVER = "Hi {first_name}, " + "a" * 1560 + " " + FAMILY * 5
"""1,603 characters as written (17 + 1,560 + 1 + 25); 1,576 as a lead reads it."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("sms-limit") / "state", free_port(), contacts=2)
    yield running
    running.stop()


def test_the_counter_shows_the_length_the_save_refuses_and_one_that_fits_saves(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing writing a long SMS step with a name and five family emoji
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url)
    page.get_by_label("Id", exact=True).fill("long-sms")
    page.get_by_label("Name", exact=True).fill("Long SMS")
    text = page.get_by_label("Step 1 free text")
    counter = page.get_by_test_id("sms-count-0")
    # When the text is 1,603 characters as written
    text.fill(OVER)
    # Then the counter says so against the limit, as the save will
    expect(counter).to_contain_text("1,603 characters as written: an SMS takes at most 1,600")
    # And saving refuses it beside the text
    page.get_by_role("button", name="Save", exact=True).click()
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Too long: at most 1,600 characters.")).to_be_visible()
    assert stack.call("GET", "/api/rules/long-sms").status_code == 404
    # When three letters go, leaving exactly 1,600 as written
    text.fill(OVER.replace("a" * 1560, "a" * 1557))
    # Then the counter shows it at the limit, and the rule saves (warned only of its Unicode)
    expect(counter).to_contain_text("1,600 of at most 1,600 characters, as written")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved, with warnings: see the steps.")).to_be_visible()
    expect(text).to_have_attribute("aria-invalid", "false")
    assert stack.call("GET", "/api/rules/long-sms").json()["name"] == "Long SMS"
    # And the browser logged nothing but the refused save's answer
    assert [error for error in watched.errors if "422" not in error] == []


def test_a_short_text_shows_no_limit(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing writing an SMS step
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url)
    text = page.get_by_label("Step 1 free text")
    counter = page.get_by_test_id("sms-count-0")
    # When the text is well under 1,600 characters as written (1,439 with its family emoji)
    text.fill("a" * 1434 + FAMILY)
    # Then the counter counts characters and SMS, and says nothing of the limit
    expect(counter).to_contain_text("1,435 characters · 22 SMS")
    expect(counter).not_to_contain_text("as written")
    # When one more letter brings it to 90% of the limit (1,440)
    text.fill("a" * 1435 + FAMILY)
    # Then it says how many of the 1,600 it uses
    expect(counter).to_contain_text("1,440 of at most 1,600 characters, as written")
    assert watched.errors == []
