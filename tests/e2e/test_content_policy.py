"""The admin web app under the Content-Security-Policy it is served with (the same text as
behind CloudFront, naming the local gateway's origins): every page loads, the live feed
opens, and the browser reports no violation of the policy."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from infra.content_policy import content_security_policy
from tests.e2e.test_app_pages import pages_of, ready
from tests.support.browser import Watched
from tests.support.devstack import SAFETY_NET, Running, free_port

REPORTED = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) =>
    window.violations.push(`${event.effectiveDirective} blocked ${event.blockedURI}`));
"""
"""Gathers, from the document's start, what the browser reports the policy blocked."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, str]]:
    """The demo after one tick, and a lead whose conversation the contact page shows."""
    running = Running(tmp_path_factory.mktemp("policy") / "state", free_port(), contacts=8)
    lead = {"wa_id": "6281199990088", "name": "Rina Kebijakan", "stage": "new"}
    created = running.call("POST", "/api/contacts", json=lead)
    httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    yield running, created.json()["id"]
    running.stop()


def test_the_app_is_served_with_its_policy_naming_the_local_origins(
    site: tuple[Running, str],
) -> None:
    running, _ = site
    host = running.url.removeprefix("http://")
    for path in ("/", "/index.html"):
        policy = httpx.get(f"{running.url}{path}", timeout=SAFETY_NET).headers.get(
            "content-security-policy"
        )
        assert policy == content_security_policy([f"ws://{host}"])
        assert "script-src 'self';" in policy
        assert "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy


def test_every_page_loads_and_the_feed_opens_with_no_policy_violation(
    site: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given the app as a browser opens it, the policy's violations gathered from the start
    running, contact_id = site
    context = browser.new_context()
    context.add_init_script(REPORTED)
    page = watched.watch(context.new_page())
    pages.append(page)
    page.goto(running.url)
    # When the user signs in and opens every page
    page.get_by_role("button", name="Sign in as marketing").click()
    expect(page.get_by_role("link", name="Queue")).to_be_visible()
    violations: list[str] = []
    for name, path, says in pages_of(contact_id):
        page.goto(f"{running.url}/#/{path}")
        expect(ready(page, name)).to_be_visible()
        expect(page.get_by_role("main")).to_contain_text(says["en"])
        violations += page.evaluate("window.violations.splice(0)")
    # Then the live feed is open, and nothing was blocked nor logged as an error
    page.goto(f"{running.url}/#/queue")
    expect(page.get_by_role("status").and_(page.locator(".feed"))).to_have_attribute(
        "data-state", "live"
    )
    violations += page.evaluate("window.violations.splice(0)")
    assert violations == []
    assert watched.errors == []
