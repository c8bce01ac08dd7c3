"""The settings page: an admin changes business hours and sees the next openings move,
adds an opt-out keyword, pauses and resumes all sending, resumes a number Meta Business
Agent took over, and reads the API's objection beside the field it concerns, in the
language the admin reads the app in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import (
    SETTLED,
    WORDS_SHOWN,
    EnglishLeft,
    choose_language,
    serious_problems,
)
from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, Running, free_port

STANDBY = Path(__file__).resolve().parents[2] / "events" / "whatsapp" / "standby.json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("settings") / "state", free_port(), contacts=2)
    yield running
    running.stop()


def open_settings(page: Page, stack: Running) -> None:
    page.goto(f"{stack.url}/#/settings")
    page.reload()  # fresh from the API, not the page's cache
    expect(page.get_by_test_id("opening").first).to_be_visible()


@pytest.mark.slow
def test_an_admin_changes_hours_adds_a_keyword_and_sees_them_kept(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "admin", watched)
    open_settings(page, stack)
    openings = page.get_by_test_id("opening")
    expect(openings).to_have_count(5)
    expect(openings.last).not_to_contain_text("06:30–17:00")
    # Only Monday stays open, 06:30 to 17:00: the preview shows it before anything is saved
    for day in ("Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(f"Open on {day}").uncheck()
    page.get_by_label("Monday opens at").fill("06:30")
    page.get_by_label("Monday closes at").fill("17:00")
    expect(openings.filter(has_text="Mon")).to_have_count(5)
    expect(openings.last).to_contain_text("06:30–17:00")
    # A keyword joins the list, and both are saved
    page.get_by_label("New keyword").fill("jangan kirim lagi")
    page.get_by_role("button", name="Add keyword").click()
    # Two messages to a lead at least 90 minutes apart, not the hour it starts at
    gap = page.get_by_label("Least time between two messages to a lead")
    expect(gap).to_have_value("1")
    expect(page.get_by_label("Unit of that time")).to_have_value("hours")
    gap.fill("90")
    page.get_by_label("Unit of that time").select_option("minutes")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_test_id("settings-saved")).to_be_visible()
    saved = stack.call("GET", "/api/settings").json()
    assert saved["send_window"]["hours"] == {"mon": [{"start": "06:30", "end": "17:00"}]}
    assert "jangan kirim lagi" in saved["opt_out_keywords"]
    assert saved["gating"]["min_gap"] == {"amount": 90, "unit": "minutes"}
    # After a reload the page shows what was saved; a keyword cannot be removed
    open_settings(page, stack)
    expect(page.get_by_test_id("keywords")).to_contain_text("jangan kirim lagi")
    expect(page.get_by_test_id("keywords").get_by_role("button")).to_have_count(0)
    expect(page.get_by_label("Least time between two messages to a lead")).to_have_value("90")
    expect(openings.filter(has_text="Mon")).to_have_count(5)
    expect(openings.last).to_contain_text("06:30–17:00")
    # The admin's form passes axe and fits a 390 px phone too
    assert serious_problems(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert watched.errors == []


@pytest.mark.slow
def test_an_admin_pauses_and_resumes_sending_and_resumes_a_number(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "admin", watched)
    open_settings(page, stack)
    state = page.get_by_test_id("sending-state")
    expect(state).to_contain_text("Sending is on")
    page.get_by_role("button", name="Pause everything").click()
    expect(state).to_contain_text("Everything is paused")
    assert stack.call("GET", "/api/settings").json()["paused"] is True
    page.get_by_role("button", name="Resume sending").click()
    expect(state).to_contain_text("Sending is on")
    assert stack.call("GET", "/api/settings").json()["paused"] is False
    # Meta Business Agent takes over the number: it shows paused, and why
    secret = (stack.state / "webhook-secret").read_text().strip()
    httpx.post(
        f"{stack.url}/webhooks/whatsapp/{secret}",
        content=STANDBY.read_bytes(),
        headers={"Content-Type": "application/json"},
        timeout=SAFETY_NET,
    ).raise_for_status()
    open_settings(page, stack)
    row = page.get_by_test_id("number-row")
    expect(row).to_have_attribute("data-paused", "true")
    expect(row).to_contain_text("Meta Business Agent")
    expect(page.get_by_test_id("numbers-paused")).to_be_visible()
    row.get_by_role("button", name="Resume number").click()
    expect(row).to_have_attribute("data-paused", "false")
    expect(row.get_by_role("button")).to_have_count(0)
    expect(page.get_by_test_id("numbers-paused")).to_have_count(0)
    [number] = stack.call("GET", "/api/numbers").json()["numbers"]
    assert number["paused"] is False
    # The templates come from WhatsApp on "Sync now", each with its status and quality in
    # words, not Meta's codes
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_test_id("settings-templates")).to_contain_text("Last synced")
    template = page.get_by_test_id("template-row").first
    expect(template).to_contain_text("marketing")
    expect(template).to_contain_text("Approved")
    expect(template).to_contain_text("Not rated yet")
    expect(template).not_to_contain_text("APPROVED")
    expect(row).to_contain_text("Not rated yet")
    assert watched.errors == []


@pytest.mark.slow
def test_the_apis_objection_shows_beside_its_field_and_others_only_read(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "admin", watched)
    open_settings(page, stack)
    zone = page.get_by_label("Time zone")
    zone.fill("Mars/Olympus")
    expect(page.get_by_test_id("openings")).to_contain_text("Type a known time zone")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text("see the marked fields")
    expect(zone).to_have_attribute("aria-invalid", "true")
    described = zone.get_attribute("aria-describedby") or ""
    problem = page.locator(f"#{described.split()[0]}")
    expect(problem).to_contain_text("The server says:")
    expect(problem).to_contain_text("Mars/Olympus")
    assert stack.call("GET", "/api/settings").json()["timezone"] != "Mars/Olympus"
    # A week with no open day: the preview and then the API say the window never opens
    zone.fill("Asia/Jakarta")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"):
        page.get_by_label(f"Open on {day}").uncheck()
    expect(page.get_by_test_id("openings")).to_contain_text("the window never opens")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_test_id("settings-hours").locator(".problem")).to_contain_text(
        "The server says: the send window never opens"
    )
    expect(zone).not_to_have_attribute("aria-invalid", "true")
    # The API's objections came in answers to checks, not refused saves: nothing logged
    assert watched.errors == []
    # A counsellor reads the same page but cannot change it
    reader = sign_in(browser, pages, stack.url, "counselor", Watched())
    open_settings(reader, stack)
    expect(reader.get_by_text("Only an admin can change these settings")).to_be_visible()
    expect(reader.get_by_label("Time zone")).to_be_disabled()
    expect(reader.get_by_role("button", name="Save settings")).to_have_count(0)
    expect(reader.get_by_role("button", name="Pause everything")).to_have_count(0)


REFUSED_TRIES = [
    (
        "id",
        "Percobaan kirim yang gagal",
        "Simpan pengaturan",
        "Server mengatakan: paling banyak 20.",
    ),
    (
        "pt-BR",
        "Tentativas de um envio falho",
        "Salvar configurações",
        "O servidor diz: no máximo 20.",
    ),
]


@pytest.mark.slow
def test_a_setting_out_of_range_is_refused_in_the_admins_language_with_its_bound(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "admin", watched)
    saved = stack.call("GET", "/api/settings").json()
    for locale, label, save, said in REFUSED_TRIES:
        # Given an admin reading the settings in Bahasa Indonesia, then in Portuguese
        choose_language(page, locale)
        open_settings(page, stack)
        # When they ask for 30 tries of a failed send, past the 20 the API keeps, and save
        tries = page.get_by_label(label)
        tries.fill("30")
        page.get_by_role("button", name=save).click()
        # Then that field is marked, and its problem says the bound in their language
        expect(tries).to_have_attribute("aria-invalid", "true")
        described = tries.get_attribute("aria-describedby") or ""
        expect(page.locator(f"#{described.split()[0]}")).to_have_text(said)
        # And no English is left on the page: neither the API's words nor the app's
        expect(page.get_by_role("main")).not_to_contain_text("Input should be")
        page.evaluate(SETTLED)
        english = EnglishLeft(locale)
        shown = page.evaluate(WORDS_SHOWN)
        assert [hit for words in shown for hit in english.found_in(words)] == [], locale
    # And nothing was saved
    assert stack.call("GET", "/api/settings").json()["max_attempts"] == saved["max_attempts"]
    assert watched.errors == []
