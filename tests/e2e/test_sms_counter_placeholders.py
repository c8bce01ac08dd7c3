"""The journey builder's SMS counter counts a text as a lead gets it: a placeholder filled by
its default (`{first_name|there}`: there) or by a typical value, never its braces, and says
so; a flag split by no part, an extension character two of 160 places, as the server counts
them; the warning on saving judges the same filled text."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_sms_counter import new_sms_journey
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

FLAG = "🇧🇷"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("sms-fill") / "state", free_port(), contacts=2)
    yield running
    running.stop()


def test_the_counter_fills_placeholders_with_their_default_or_a_typical_value(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing writing an SMS step
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url)
    text = page.get_by_label("Step 1 free text")
    counter = page.get_by_test_id("sms-count-0")
    # When the text has a placeholder with a default: 165 characters written, 152 received
    text.fill("Hi {first_name|there}, " + "a" * 142)
    # Then it is counted as "Hi there, …": one SMS, and the counter says how it counted
    expect(counter).to_contain_text("152 characters · 1 SMS")
    expect(counter).to_contain_text("counting placeholders as their default or a typical value")
    # When the placeholder has no default, it counts a typical first name (Maria)
    text.fill("Hi {first_name}")
    expect(counter).to_contain_text("8 characters · 1 SMS")
    # When there is no placeholder, nothing is said about them
    text.fill("Hi there")
    expect(counter).to_have_text("8 characters · 1 SMS")
    assert watched.errors == []


def test_the_counter_counts_flags_and_extension_characters_as_the_server_does(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing writing an SMS step
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url)
    text = page.get_by_label("Step 1 free text")
    counter = page.get_by_test_id("sms-count-0")
    # When a flag falls where the first part's 67 places end: it goes whole to the second
    text.fill("ã" * 65 + FLAG + "ã" * 64)
    # Then the flag is one character and the text three SMS, as the server splits it
    expect(counter).to_contain_text("130 characters · 3 SMS")
    # When the text is 80 euro signs or 80 tildes, then 81 (two of GSM-7's 160 places each)
    for char in "€~":
        text.fill(char * 80)
        expect(counter).to_have_text("80 characters · 1 SMS")
        text.fill(char * 81)
        expect(counter).to_have_text("81 characters · 2 SMS")
    assert watched.errors == []


def test_saving_judges_the_text_with_its_placeholders_filled_as_the_counter_does(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a Unicode SMS whose placeholder written out makes two SMS, filled one
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url)
    page.get_by_label("Id", exact=True).fill("sms-filled")
    page.get_by_label("Name", exact=True).fill("Filled SMS")
    page.get_by_label("Step 1 free text").fill("Olá {first_name|Ana}, " + "a" * 53)
    expect(page.get_by_test_id("sms-count-0")).to_contain_text("62 characters · 1 SMS")
    # When marketing saves it
    page.get_by_role("button", name="Save", exact=True).click()
    # Then it saves without a warning (one SMS either way, as the counter said), so the
    # editor closes on the list of rules
    expect(page.locator('[data-testid="rule-row"][data-id="sms-filled"]')).to_be_visible()
    expect(page.get_by_text("Saved, with warnings: see the steps.")).to_have_count(0)
    assert stack.call("GET", "/api/rules/sms-filled").json()["name"] == "Filled SMS"
    assert watched.errors == []
