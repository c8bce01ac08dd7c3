"""Two people deciding the same AI text: the one whose decision lands second is told, in
the language they read the app in, that someone else decided first, and the row shows what
became of the follow-up, even when the live feed has not brought the change."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from followup_local.demo import AI_RULE
from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import FRIDAY, SAFETY_NET, AdminApi, Running, eventually, free_port

RULE = "approve-first"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    """The demo on a set clock, with a copy of its AI rule whose texts wait for approval."""
    running = Running(
        tmp_path_factory.mktemp("approval") / "state", free_port(), contacts=1, clock=FRIDAY
    )
    api = AdminApi(running)
    body = api("GET", f"/api/rules/{AI_RULE}")
    [step] = body["steps"]
    held = step | {"ai": step["ai"] | {"approval": True}}
    api("POST", "/api/rules", json={**body, "id": RULE, "name": "Approve first", "steps": [held]})
    yield running, api
    running.stop()


def awaiting_approval(running: Running, api: AdminApi, wa_id: str, name: str) -> str:
    """A new lead sent the rule by hand: the AI writes the text, which waits for a person."""
    lead = {"wa_id": wa_id, "name": name, "stage": "new", "timezone": "Asia/Jakarta"}
    created = api("POST", "/api/contacts", json=lead)
    sent = api("POST", f"/api/contacts/{created['id']}/followups", json={"rule_id": RULE})
    httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    path = f"/api/followups/{sent['id']}"
    eventually(lambda: api("GET", path)["reason"] == "awaiting_approval")
    followup_id: str = sent["id"]
    return followup_id


def queue_with_a_quiet_feed(
    running: Running, browser: Browser, pages: list[Page], watched: Watched, locale: str
) -> Page:
    """The queue, read by marketing in `locale`, live on a feed that brings nothing: what
    someone else decides reaches the page only if the page asks the API for it."""
    page = sign_in(browser, pages, running.url, "marketing", watched)
    page.route_web_socket(re.compile(r"/ws"), lambda socket: None)
    choose_language(page, locale)
    page.goto(f"{running.url}/#/queue")
    page.reload()  # the feed opens again, through the route
    expect(page.locator('[role="status"][data-state]')).to_have_attribute("data-state", "live")
    return page


def row_of(page: Page, followup_id: str) -> Locator:
    return page.locator(f'[data-testid="followup-row"][data-id="{followup_id}"]')


def test_an_approval_after_someone_elses_rejection_is_told_and_shows_the_rejection(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    followup_id = awaiting_approval(running, api, "6281177740901", "Sari Tolak")
    # Given a person reading the proposed text in Portuguese
    page = queue_with_a_quiet_feed(running, browser, pages, watched, "pt-BR")
    row = row_of(page, followup_id)
    expect(row.get_by_test_id("proposed")).to_contain_text("[local model] Halo Sari")
    # When someone else rejects it, then this person approves it
    api("POST", f"/api/followups/{followup_id}/reject")
    row.get_by_role("button", name="Aprovar").click()
    # Then they are told in Portuguese that the other decision stands
    expect(row.get_by_role("alert")).to_have_text(
        "Outra pessoa rejeitou esta mensagem antes, então sua decisão não foi aplicada: "
        "ela não será enviada."
    )
    # and the row shows the follow-up as it is now: cancelled, the text rejected
    expect(row).to_have_attribute("data-status", "canceled")
    expect(row).to_contain_text("Cancelado")
    expect(row).to_contain_text("O texto da IA foi rejeitado")
    expect(row.get_by_role("button", name="Aprovar")).to_have_count(0)
    assert api("GET", f"/api/followups/{followup_id}")["status"] == "canceled"
    assert serious_problems(page) == []
    # The browser logs the refused request; nothing else went wrong
    assert [e for e in watched.errors if "status of 409" not in e] == []


def test_an_approval_after_someone_elses_edited_approval_shows_the_text_that_goes(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    followup_id = awaiting_approval(running, api, "6281177740902", "Budi Setuju")
    # Given a person reading the proposed text in Bahasa Indonesia
    page = queue_with_a_quiet_feed(running, browser, pages, watched, "id")
    row = row_of(page, followup_id)
    expect(row.get_by_test_id("proposed")).to_contain_text("[local model] Halo Budi")
    # When someone else approves it with their own words, then this person approves it
    edited = "Masih ingin mendaftar, Kak Budi? Kami siap membantu."
    api("POST", f"/api/followups/{followup_id}/approve", json={"text": edited})
    row.get_by_role("button", name="Setujui").click()
    # Then they are told in Bahasa Indonesia that the other approval stands, and what goes
    expect(row.get_by_role("alert")).to_have_text(
        "Orang lain sudah menyetujui pesan ini lebih dulu, jadi keputusan Anda tidak "
        "diterapkan. Pesan dikirim seperti yang mereka setujui:"
    )
    expect(row.get_by_test_id("proposed")).to_contain_text(edited)
    expect(row.get_by_role("button", name="Setujui")).to_have_count(0)
    assert serious_problems(page) == []
    assert [e for e in watched.errors if "status of 409" not in e] == []


def test_an_ai_texts_details_name_the_model_that_wrote_it(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given an AI text waiting for approval, written by the model the API names
    running, api = stack
    followup_id = awaiting_approval(running, api, "6281177740903", "Wati Model")
    model = api("GET", f"/api/followups/{followup_id}")["ai"]["model"]
    assert model
    # When a person reading Portuguese opens its details
    page = sign_in(browser, pages, running.url, "marketing", watched)
    choose_language(page, "pt-BR")
    page.goto(f"{running.url}/#/queue?open={followup_id}")
    # Then they read which model wrote it
    expect(page.get_by_test_id("details-ai-model")).to_have_text(f"Modelo: {model}")
    assert serious_problems(page) == []
    assert watched.errors == []
