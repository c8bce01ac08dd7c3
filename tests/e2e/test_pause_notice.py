"""The notice of pauses atop every page: while sending is paused for the workspace, or
email since SES refused the account, a marketer on the queue reads why follow-ups do not
go and since when, line by line, and that an admin resumes them; the admin follows its
link to Settings, resumes both, and the notice goes from both their pages without a
reload. A WhatsApp number WhatsApp flagged has its own line, why in the reader's language
and since when it was flagged, however often WhatsApp reports on it since."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from followup_local.outbox import EMAIL_FROM
from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.e2e.test_email_pause import REFUSAL, email_refused, ses
from tests.support.browser import Watched, sign_in
from tests.support.devstack import FRIDAY, SAFETY_NET, Running, free_port

JAKARTA = ZoneInfo("Asia/Jakarta")
FLAGGED = Path(__file__).resolve().parents[2] / "events" / "whatsapp" / "quality-flagged.json"
FIVE_MINUTES_ON = FRIDAY.replace("14:00:00", "14:05:00")
"""The demo clock the stack starts again at: a quality report carries no time of its own,
so WhatsApp's later report is made later on the stack's clock, not by waiting."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("pause-notice") / "state", free_port(), contacts=2)
    yield running
    running.stop()


def flagged(stack: Running) -> dict[str, Any]:
    """WhatsApp reports the number's quality FLAGGED; the number as the API lists it then."""
    secret = (stack.state / "webhook-secret").read_text().strip()
    httpx.post(
        f"{stack.url}/webhooks/whatsapp/{secret}",
        content=FLAGGED.read_bytes(),
        headers={"Content-Type": "application/json"},
        timeout=SAFETY_NET,
    ).raise_for_status()
    [number] = stack.call("GET", "/api/numbers").json()["numbers"]
    return dict(number)


def to_the_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def open_queue(page: Page) -> None:
    page.get_by_role("link", name="Queue").click()
    expect(page.get_by_role("heading", name="Queue", exact=True)).to_be_visible()


@pytest.mark.slow
def test_a_marketer_on_the_queue_reads_each_pause_and_it_goes_once_an_admin_resumes(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given email paused by SES, then all sending paused by an admin
    lead = {"wa_id": "6281199997601", "name": "Sari Jeda", "stage": "new"}
    email_refused(stack, lead, "sari@example.com")
    settings = stack.call("GET", "/api/settings").json()
    paused = stack.call("PUT", "/api/settings", json={**settings, "paused": True})
    assert paused.is_success
    since = datetime.fromisoformat(paused.json()["paused_at"]).astimezone(JAKARTA)
    since_words = f"{since:%H:%M} (Asia/Jakarta): by an admin"
    # When a marketer opens the queue
    marketing = sign_in(browser, pages, stack.url, "marketing", watched)
    open_queue(marketing)
    # Then a notice says each pause on its own line, since when in the workspace's zone,
    # email's with SES's reason, and that an admin resumes them
    notice = marketing.get_by_role("note").filter(has_text="Sending is paused")
    expect(notice).to_be_visible()
    lines = notice.get_by_test_id("pause-line")
    expect(lines).to_have_count(2)
    workspace = lines.and_(marketing.locator('[data-pause="workspace"]'))
    expect(workspace).to_contain_text("Everything is paused since")
    expect(workspace).to_contain_text(since_words)
    email = lines.and_(marketing.locator('[data-pause="email"]'))
    expect(email).to_contain_text("Email is paused since")
    expect(email).to_contain_text(REFUSAL)
    expect(email).to_contain_text("(Asia/Jakarta)")
    expect(notice).to_contain_text("once an admin resumes it")
    expect(notice.get_by_role("link")).to_have_count(0)
    assert serious_problems(marketing) == []
    # When an admin follows the notice's link to Settings and resumes sending
    admin = sign_in(browser, pages, stack.url, "admin", watched)
    open_queue(admin)
    admin_notice = admin.get_by_test_id("pause-notice")
    admin_notice.get_by_role("link", name="Resume it on the Settings page").click()
    expect(admin.get_by_role("heading", name="Settings and health")).to_be_visible()
    assert serious_problems(admin) == []
    # And Settings says since when sending is paused, as the notice does
    state = admin.get_by_test_id("sending-state")
    expect(state).to_contain_text("Everything is paused since")
    expect(state).to_contain_text(since_words)
    admin.get_by_role("button", name="Resume sending").click()
    # Then only email's pause is left in the notice
    expect(admin_notice.get_by_test_id("pause-line")).to_have_count(1)
    expect(admin_notice.get_by_test_id("pause-line")).to_contain_text(REFUSAL)
    # When SES takes the address again and the admin resumes email
    ses(stack).create_email_identity(EmailIdentity=EMAIL_FROM)
    admin.get_by_role("button", name="Resume email").click()
    # Then the notice is gone from the admin's pages, and, read again, from the marketer's
    expect(admin_notice).to_have_count(0)
    open_queue(admin)
    expect(admin.get_by_test_id("pause-notice")).to_have_count(0)
    expect(marketing.get_by_test_id("pause-notice")).to_have_count(0)
    assert watched.errors == []


@pytest.mark.slow
def test_a_flagged_numbers_line_says_why_in_portuguese_since_it_was_flagged(
    tmp_path: Path, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    state = tmp_path / "state"
    # Given WhatsApp flagged the number on the stack's Friday afternoon
    first = Running(state, free_port(), contacts=2, clock=FRIDAY)
    try:
        began = datetime.fromisoformat(flagged(first)["paused_at"])
    finally:
        assert first.stop() == 0
    # And, the stack started again with its data five minutes on, reported it flagged
    # again while it is still paused
    stack = Running(state, free_port(), contacts=2, clock=FIVE_MINUTES_ON)
    try:
        again = flagged(stack)
        reported = datetime.fromisoformat(again["updated_at"])
        assert again["paused"] is True
        assert to_the_minute(reported) > to_the_minute(began)
        # When the admin reads the app in Português (Brasil) on the queue
        admin = sign_in(browser, pages, stack.url, "admin", watched)
        choose_language(admin, "pt-BR")
        admin.reload()
        # Then the number's line says why in Portuguese, since it was flagged in the
        # workspace's zone, not since WhatsApp's later report
        since = f"{began.astimezone(JAKARTA):%H:%M} (Asia/Jakarta)"
        later = f"{reported.astimezone(JAKARTA):%H:%M}"
        notice = admin.get_by_test_id("pause-notice")
        line = notice.locator(f'[data-pause="number:{again["phone_number_id"]}"]')
        expect(line).to_contain_text("está pausado desde")
        expect(line).to_contain_text("o WhatsApp classificou a qualidade dele como “Sinalizado”")
        expect(line).to_contain_text(since)
        expect(line).not_to_contain_text(later)
        expect(line).not_to_contain_text("rated the number's quality")
        # And Settings words the number's pause alike, since when it began beside why,
        # while its last report is WhatsApp's later one
        notice.get_by_role("link", name="Retome na página Configurações").click()
        row = admin.get_by_test_id("number-row")
        expect(row).to_contain_text("o WhatsApp classificou a qualidade dele como “Sinalizado”")
        expect(row.get_by_test_id("number-paused-since")).to_contain_text("Desde")
        expect(row.get_by_test_id("number-paused-since")).to_contain_text(since)
        expect(row.get_by_test_id("number-paused-since")).not_to_contain_text(later)
        expect(row).to_contain_text(f"{reported.astimezone(UTC):%H:%M} (UTC)")
        assert serious_problems(admin) == []
        # When the admin resumes the number, its line goes, and so does its since
        row.get_by_role("button", name="Retomar número").click()
        expect(row).to_have_attribute("data-paused", "false")
        expect(row.get_by_test_id("number-paused-since")).to_have_count(0)
        expect(admin.get_by_test_id("pause-notice")).to_have_count(0)
        assert watched.errors == []
    finally:
        stack.stop()
