"""The journey builder counts an SMS step's text as it is typed: characters, SMS parts and,
when a character outside GSM-7 makes it go as Unicode (70 characters to an SMS instead of
160), says so, in each language; saving such a text warns beside its step. It counts a text
as a lead gets it (a placeholder filled by its default or a typical value, a flag split by
no part, an extension character two of 160 places), and measures it against the 1,600
characters an SMS takes as the save does: as written, a family emoji five code points."""

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
FLAG = "🇧🇷"
FAMILY = "👨\u200d👩\u200d👧"
"""One family emoji on the phone; five code points written."""
OVER = "Hi {first_name}, " + "a" * 1560 + " " + FAMILY * 5
"""1,603 characters as written (17 + 1,560 + 1 + 25); 1,576 as a lead reads it."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("sms") / "state", free_port(), contacts=2)
    yield running
    running.stop()


def new_sms_journey(page: Page, url: str, rule_id: str = "", name: str = "") -> None:
    """A new journey in the builder whose first step goes by SMS, with its id and name
    filled when given (for one that is saved)."""
    page.goto(f"{url}/#/rules/new")
    expect(page.locator(".editor")).to_be_visible()
    page.get_by_label("Step 1 channel").select_option("sms")
    if rule_id:
        page.get_by_label("Id", exact=True).fill(rule_id)
        page.get_by_label("Name", exact=True).fill(name)


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
    new_sms_journey(page, stack.url, "sms-unicode", "Unicode SMS")
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
    new_sms_journey(page, stack.url, "sms-filled", "Filled SMS")
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


def test_the_counter_shows_the_length_the_save_refuses_and_one_that_fits_saves(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing writing a long SMS step with a name and five family emoji
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_sms_journey(page, stack.url, "long-sms", "Long SMS")
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
