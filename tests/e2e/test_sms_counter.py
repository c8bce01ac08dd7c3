"""The journey builder counts an SMS step's text as it is typed: characters, SMS parts and,
when a character outside GSM-7 makes it go as Unicode (70 characters to an SMS instead of
160), says so, in each language; saving such a text warns beside its step."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import choose_language
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

PLAIN = "Your place in the March intake is still open and the early fee ends on Friday. " * 2
"""158 GSM-7 characters: one SMS."""
CURLY = PLAIN.replace("Your place", "It’s João’s place", 1)[:158]
"""The same length with a curly apostrophe and an ã: three Unicode SMS."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("sms") / "state", free_port(), contacts=2)
    yield running
    running.stop()


def new_sms_journey(page: Page, url: str) -> None:
    page.goto(f"{url}/#/rules/new")
    expect(page.locator(".editor")).to_be_visible()
    page.get_by_label("Step 1 channel").select_option("sms")


def test_typing_an_sms_counts_its_characters_and_parts_and_says_when_it_goes_as_unicode(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing writing the text of an SMS step
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url)
    text = page.get_by_label("Step 1 free text")
    counter = page.get_by_test_id("sms-count-0")
    # When they type 158 plain characters
    text.fill(PLAIN)
    # Then the counter says one SMS, and nothing about Unicode
    expect(counter).to_have_text("158 characters · 1 SMS")
    # When a curly apostrophe and an ã come in, the length unchanged
    text.fill(CURLY)
    # Then the same length takes three SMS, as Unicode, naming the characters to blame
    expect(counter).to_contain_text("158 characters · 3 SMS")
    expect(counter).to_contain_text("Unicode (because of ’ ã)")
    # When it is cut to 35 emoji (two places each of the 70)
    text.fill("🙂" * 35)
    expect(counter).to_contain_text("35 characters · 1 SMS")
    text.fill("🙂" * 36)
    expect(counter).to_contain_text("36 characters · 2 SMS")
    # And in Bahasa Indonesia and Portuguese the counter speaks their words
    text.fill(CURLY)
    choose_language(page, "id")
    expect(counter).to_contain_text("158 karakter · 3 SMS")
    expect(counter).to_contain_text("Unicode (karena ’ ã)")
    choose_language(page, "pt-BR")
    expect(counter).to_contain_text("158 caracteres · 3 SMS")
    expect(counter).to_contain_text("Unicode (por causa de ’ ã)")
    assert watched.errors == []


def test_a_whatsapp_step_counts_sms_only_when_it_falls_back_to_sms(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a WhatsApp step with a free text
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/new")
    expect(page.locator(".editor")).to_be_visible()
    page.get_by_label("Step 1 free text").fill("Hi, it’s still open")
    # Then no SMS is counted
    expect(page.get_by_test_id("sms-count-0")).to_have_count(0)
    # When SMS is ticked as its fallback
    page.get_by_label("Step 1: then try SMS").check()
    # Then the text is counted as the SMS it may become
    expect(page.get_by_test_id("sms-count-0")).to_contain_text("19 characters · 1 SMS")
    assert watched.errors == []


def test_saving_a_unicode_sms_that_costs_more_warns_beside_its_step(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a new journey whose SMS text goes as three Unicode SMS instead of one
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url)
    page.get_by_label("Id", exact=True).fill("sms-unicode")
    page.get_by_label("Name", exact=True).fill("Unicode SMS")
    page.get_by_label("Step 1 free text").fill(CURLY)
    # When marketing saves it
    page.get_by_role("button", name="Save", exact=True).click()
    # Then it is saved, and the step says what the Unicode costs and which characters do it
    expect(page.get_by_text("Saved, with warnings: see the steps.")).to_be_visible()
    expect(page.get_by_test_id("step-0")).to_contain_text(
        "This SMS goes as Unicode (’ ã): 3 SMS per message instead of 1."
    )
    assert stack.call("GET", "/api/rules/sms-unicode").json()["name"] == "Unicode SMS"
    assert watched.errors == []
