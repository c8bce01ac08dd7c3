"""A newcomer's first minute with `followup dev`, on a Sunday night, in a real Chromium.

The stack starts as `make dev` starts it (ticks on their loop, the demo it seeds), its
demo clock set to Sunday 21:00 in Jakarta, where most demo leads live. Nobody edits a
rule or asks for a tick. On the way it saves the screenshots the README shows, under
docs/screenshots/, so they stay current.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, Running, free_port

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SUNDAY_9PM_JAKARTA = "2026-11-29T21:00:00+07:00"


@pytest.fixture
def stack(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Running]:
    running = Running(
        tmp_path / "state", free_port(), contacts=40, tick=60, clock=SUNDAY_9PM_JAKARTA
    )
    yield running
    if running.process.poll() is None:
        running.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print("".join(running.output)[-8000:])


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.mark.slow
def test_on_a_sunday_night_the_demo_sends_at_once_and_a_reply_lands(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    printed = "".join(stack.output)
    assert "demo clock" in printed
    assert "sign in as marketing" in printed
    # The first tick, which the stack runs by itself, sends demo follow-ups: delivered
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("status")).to_have_attribute("data-state", "live")
    delivered = page.locator('[data-testid="followup-row"][data-status="delivered"]').first
    expect(delivered).to_be_visible()
    followup_id = delivered.get_attribute("data-id")
    messages = httpx.get(f"{stack.url}/sandbox/messages").json()
    sent = next(m for m in messages if m["followup_id"] == followup_id)
    # The queue shows the hot lead left to the counsellor beside the sends
    expect(page.locator('[data-testid="followup-row"][data-status="skipped"]')).to_have_count(1)
    # (the screenshot waits for the rows' names: until they come a row shows the contact's id)
    expect(page.get_by_role("link", name=re.compile(r"^ct_"))).to_have_count(0)
    shoot(page, "queue.png")
    # The lead answers on the sandbox page; the queue row becomes `responded`, live
    sandbox = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    pages.append(sandbox)
    sandbox.goto(f"{stack.url}/sandbox")
    sandbox.locator(f'button[data-wa-id="{sent["to"]}"]').click()
    sandbox.get_by_label("Reply as the lead").fill("Sim, ainda tenho interesse")
    sandbox.get_by_role("button", name="Send", exact=True).click()
    expect(sandbox.locator("#conversation .lead").last).to_contain_text("ainda tenho interesse")
    shoot(sandbox, "sandbox.png")
    row = page.locator(f'[data-testid="followup-row"][data-id="{followup_id}"]')
    expect(row).to_have_attribute("data-status", "responded")
    # Another lead sends STOP: opted out at once
    other = next(m for m in messages if m["to"] != sent["to"])
    stop = {"wa_id": other["to"], "text": "STOP"}
    assert (
        httpx.post(f"{stack.url}/sandbox/reply", json=stop, timeout=SAFETY_NET).status_code == 200
    )
    stopped = stack.call("GET", f"/api/followups/{other['followup_id']}", "marketing").json()
    lead = stack.call("GET", f"/api/contacts/{stopped['contact_id']}", "marketing").json()
    assert lead["opted_out"] is True
    # The stats count what went out and the reply, per rule
    page.get_by_role("link", name="Stats").click()
    expect(page.get_by_test_id("stats-total")).to_be_visible()
    total = stack.call("GET", "/api/stats", "marketing").json()["total"]
    assert total["sent"] >= 10
    assert total["responded"] >= 1
    shoot(page, "stats.png")
