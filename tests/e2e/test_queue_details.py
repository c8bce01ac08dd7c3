"""The queue beyond its list: a follow-up's details, bulk cancel, a send-time range with
sorting, and the audit log, each read in Bahasa Indonesia or Português (Brasil), passing axe
and fitting a 390 px phone."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import APIResponse, Browser, Page, Request, Route, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in, type_day, until
from tests.support.devstack import SAFETY_NET, AdminApi, Running, eventually, queued_on_friday

FAILED = Path(__file__).resolve().parents[2] / "events" / "whatsapp" / "status-failed-131050.json"
LEADS = [
    # name, zone: each waits for its own next opening, all on Saturday 5 Dec in Jakarta
    ("Dewi Antre", "Asia/Jakarta"),  # 03:00 UTC, 10:00 in Jakarta
    ("Lucas Fila", "America/Los_Angeles"),  # 18:00 UTC on Friday, 01:00 in Jakarta
    ("Aroha Kiwi", "Pacific/Auckland"),  # 21:00 UTC on Friday, 04:00 in Jakarta
    ("Kenji Tokyo", "Asia/Tokyo"),  # 01:00 UTC, 08:00 in Jakarta
]
EARLIEST_FIRST = ["Lucas Fila", "Aroha Kiwi", "Kenji Tokyo", "Dewi Antre"]
SATURDAY = ("2026-12-04T17:00:00Z", "2026-12-05T17:00:00Z")
"""Saturday 5 December in Jakarta, in UTC."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    """The demo after one tick on a Friday evening, and four leads in four zones sent the
    open-day invitation by hand: each waits for its own next opening."""
    state = tmp_path_factory.mktemp("queue") / "state"
    # the send window is closed in most zones on Friday evening in Jakarta
    leads = [(f"6281177700{n:02d}", name, zone) for n, (name, zone) in enumerate(LEADS)]
    with queued_on_friday(state, 8, leads) as started:
        yield started


def fits_a_phone(page: Page) -> bool:
    """At 390 px, once the page has laid itself out again, nothing scrolls sideways."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function("() => document.documentElement.scrollWidth <= innerWidth")
    fits: bool = page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    return fits


def delivered(api: AdminApi) -> dict[str, Any]:
    """A delivered follow-up that the sandbox priced."""

    def found() -> dict[str, Any] | None:
        rows = api("GET", "/api/queue?status=delivered&limit=50")["followups"]
        return next((f for f in rows if f.get("pricing")), None)

    return eventually(found)


def fail(stack: Running, followup: dict[str, Any]) -> None:
    """WhatsApp reports that the lead stopped marketing messages (131050)."""
    event = json.loads(FAILED.read_text())
    status = event["entry"][0]["changes"][0]["value"]["statuses"][0]
    sent = datetime.fromisoformat(followup["sent_at"])
    status.update(
        id=followup["provider_message_id"],
        timestamp=str(int(sent.timestamp()) + 60),
        recipient_id=followup["contact_number"],
        biz_opaque_callback_data=followup["id"],
    )
    secret = (stack.state / "webhook-secret").read_text().strip()
    httpx.post(
        f"{stack.url}/webhooks/whatsapp/{secret}", json=event, timeout=SAFETY_NET
    ).raise_for_status()


@pytest.mark.slow
def test_a_row_opens_its_details_with_history_message_cost_and_the_error_explained(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    priced = delivered(api)
    page = sign_in(browser, pages, running.url, "admin", watched)
    choose_language(page, "id")
    expect(page.get_by_test_id("followup-row").first).to_be_visible()
    # The queue's rows name their leads: no request per contact (a status change the feed
    # brings may ask for the queue's counts again)
    asked: list[str] = []

    def note(request: Request) -> None:
        if "/api/" in request.url:
            asked.append(request.url.split("/api/")[1])

    page.on("request", note)
    page.reload()
    rows = page.get_by_test_id("followup-row")
    expect(rows.filter(has_text="Dewi Antre")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    rows_asked = [p for p in asked if p.startswith("queue?") and "limit=1" not in p[6:].split("&")]
    assert len(rows_asked) == 1
    assert [p for p in asked if p.startswith("contacts/")] == []
    # The row of a delivered follow-up opens its details, in its own URL
    row = page.locator(f'[data-testid="followup-row"][data-id="{priced["id"]}"]')
    row.get_by_role("button", name=re.compile("^Detail tindak lanjut untuk")).click()
    details = page.get_by_test_id("followup-details")
    expect(details).to_be_visible()
    assert f"open={priced['id']}" in page.url
    page.reload()
    expect(details).to_have_attribute("data-status", "delivered")
    expect(page.get_by_role("dialog")).to_contain_text("Riwayat status")
    history = page.get_by_test_id("details-history").get_by_role("listitem")
    expect(history.first).to_contain_text("Dalam antrean")
    expect(history.last).to_contain_text("Sampai")
    body = priced["rendered"]["body"]
    expect(page.get_by_test_id("details-message")).to_contain_text(body)
    cost = f"{priced['pricing']['cost_usd']:.2f}".replace(".", ",")  # as Indonesian writes it
    expect(page.get_by_test_id("details-cost")).to_contain_text(f"pesan US${cost}")
    assert serious_problems(page) == []
    assert fits_a_phone(page)
    # WhatsApp reports it failed: its details say why in plain words
    fail(running, priced)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.reload()
    expect(details).to_have_attribute("data-status", "failed")
    expect(page.get_by_test_id("details-error")).to_contain_text(
        "Prospek telah mematikan pesan pemasaran dari kita."
    )
    # Closing the details takes the reader back to the queue
    page.get_by_role("button", name="Tutup detail").click()
    expect(details).to_have_count(0)
    assert "open=" not in page.url
    assert watched.errors == []


@pytest.mark.slow
def test_a_change_the_feed_brings_before_the_rows_shows_in_its_row_without_asking_again(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    queued = api("GET", "/api/queue?status=queued&limit=50")["followups"]
    ours = {name for name, _ in LEADS}
    demo = next(f for f in queued if f["contact_name"] not in ours)
    page = sign_in(browser, pages, running.url, "marketing", watched)
    row = page.locator(f'[data-testid="followup-row"][data-id="{demo["id"]}"]')
    expect(row).to_have_attribute("data-status", "queued")
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: frames.append(str(f))))
    # The rows are read before the follow-up is cancelled, and come after the feed said so
    held: list[tuple[Route, APIResponse]] = []
    asked: list[str] = []

    def hold(route: Route) -> None:
        asked.append(route.request.url)
        held.append((route, route.fetch()))

    page.route(lambda url: url.endswith("/api/queue?limit=50"), hold)
    page.reload()
    until(page, lambda: bool(held))
    api("POST", "/api/queue/cancel", json={"ids": [demo["id"]]})
    until(page, lambda: any(demo["id"] in f and "canceled" in f for f in frames))
    route, older = held.pop()
    assert {f["id"]: f["status"] for f in older.json()["followups"]}[demo["id"]] == "queued"
    route.fulfill(response=older)
    expect(row).to_have_attribute("data-status", "canceled")
    # Nothing left to ask: the rows are not read again (a reload waits a second)
    page.wait_for_timeout(2_000)
    assert len(asked) == 1
    assert watched.errors == []


@pytest.mark.slow
def test_a_send_time_range_keeps_its_days_and_sorts_by_send_time(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    everything = api("GET", "/api/queue?limit=200")["followups"]
    saturday = [f for f in everything if SATURDAY[0] <= f["scheduled_at"] < SATURDAY[1]]
    assert len(saturday) < len(everything)
    page = sign_in(browser, pages, running.url, "marketing", watched)
    choose_language(page, "id")
    rows = page.get_by_test_id("followup-row")
    expect(rows).to_have_count(len(everything))
    # Saturday 5 December in Jakarta holds the four invitations, not the demo's Friday sends
    type_day(page.get_by_label("Waktu kirim dari (hari)", exact=True), "05/12/2026")
    type_day(page.get_by_label("Waktu kirim sampai (hari)", exact=True), "05/12/2026")
    expect(rows).to_have_count(len(saturday))
    assert "sendFrom=2026-12-05" in page.url
    # Sorted by send time, earliest first, then latest first
    ours = rows.filter(has_text=re.compile("|".join(EARLIEST_FIRST))).get_by_role("link")
    page.get_by_label("Waktu kirim", exact=True).select_option("oldest")
    expect(ours).to_have_text(EARLIEST_FIRST)
    page.get_by_label("Waktu kirim", exact=True).select_option("newest")
    expect(ours).to_have_text(EARLIEST_FIRST[::-1])
    expect(page.get_by_role("main")).to_contain_text("zona waktu workspace (Asia/Jakarta)")
    assert serious_problems(page) == []
    assert fits_a_phone(page)
    # A range that ends before it starts is said beside its fields, without asking the API
    refused: list[str] = []
    page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    type_day(page.get_by_label("Waktu kirim dari (hari)", exact=True), "06/12/2026")
    problem = page.get_by_test_id("range-problem")
    expect(problem).to_contain_text("Hari pertama setelah hari terakhir")
    expect(page.get_by_label("Waktu kirim dari (hari)", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(rows).to_have_count(0)
    assert serious_problems(page) == []
    assert refused == []
    assert watched.errors == []


@pytest.mark.slow
def test_bulk_cancel_asks_first_then_says_what_was_cancelled_and_what_was_not(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    page = sign_in(browser, pages, running.url, "admin", watched)
    choose_language(page, "pt-BR")
    page.goto(f"{running.url}/#/queue?status=queued")
    rows = page.get_by_test_id("followup-row")
    expect(rows.filter(has_text="Kenji Tokyo")).to_have_count(1)
    page.get_by_label("Selecionar o follow-up para Lucas Fila").check()
    page.get_by_label("Selecionar o follow-up para Kenji Tokyo").check()
    expect(page.get_by_test_id("bulk-bar")).to_contain_text("2 follow-ups selecionados")
    # Meanwhile someone else cancels Kenji's
    kenji = rows.filter(has_text="Kenji Tokyo").get_attribute("data-id")
    api("POST", "/api/queue/cancel", json={"ids": [kenji]})
    page.get_by_role("button", name="Cancelar selecionados").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Eles não serão enviados")
    assert serious_problems(page) == []
    dialog.get_by_role("button", name="Cancelar 2 follow-ups").click()
    outcome = page.get_by_test_id("cancel-outcome")
    expect(outcome).to_contain_text("1 follow-up cancelado.")
    expect(outcome).to_contain_text("1 não pôde ser cancelado:")
    expect(page.get_by_test_id("cancel-refused")).to_have_text(
        ["Kenji Tokyo: já tinha terminado (cancelado, com falha ou ignorado)"]
    )
    expect(rows.filter(has_text="Lucas Fila")).to_have_count(0)
    lucas = api("GET", "/api/queue?status=canceled&limit=50")["followups"]
    assert {f["contact_name"] for f in lucas} >= {"Lucas Fila", "Kenji Tokyo"}
    assert serious_problems(page) == []
    assert fits_a_phone(page)
    assert watched.errors == []


@pytest.mark.slow
def test_a_selection_is_let_go_when_the_filters_change(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given an admin who selected a queued follow-up
    running, _ = stack
    page = sign_in(browser, pages, running.url, "admin", watched)
    page.goto(f"{running.url}/#/queue?status=queued")
    expect(page.get_by_test_id("followup-row").first).to_be_visible()
    page.get_by_test_id("followup-row").first.get_by_role("checkbox").check()
    expect(page.get_by_test_id("bulk-bar")).to_contain_text("1 follow-up selected")
    # When the list is filtered to something else
    page.get_by_label("Search by name or number", exact=True).fill("nobody by this name")
    # Then nothing the admin can no longer see stays selected for a cancel
    expect(page.get_by_test_id("bulk-bar")).to_have_count(0)
    assert watched.errors == []


@pytest.mark.slow
def test_an_admin_reads_who_changed_what_and_when_a_page_at_a_time(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    # A lead's score and programme edited, then 52 changes: more than one page of the log
    lead = api("POST", "/api/contacts", json={"wa_id": "6281199990991", "attributes": {}})
    edit = {"score": "hot", "attributes": {"program": "Law"}}
    api("PATCH", f"/api/contacts/{lead['id']}", json=edit)
    for _ in range(26):
        api("POST", "/api/rules/busy-nudge/deactivate")
        api("POST", "/api/rules/busy-nudge/activate")
    settings = api("GET", "/api/settings")
    gating = settings["gating"] | {"min_gap": {"amount": 30, "unit": "minutes"}}
    api("PUT", "/api/settings", json={**settings, "opt_out_keywords": ["chega"], "gating": gating})
    page = sign_in(browser, pages, running.url, "admin", watched)
    choose_language(page, "pt-BR")
    page.get_by_role("link", name="Registro de auditoria").click()
    rows = page.get_by_test_id("audit-row")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text("Configurações alteradas")
    # each setting changed by the settings page's label, its value in words
    before = "Antes: Intervalo mínimo entre duas mensagens a um lead: 1 hora; "
    expect(rows.first.get_by_text(before + "Palavras de descadastro: nenhum")).to_be_visible()
    after = "Depois: Intervalo mínimo entre duas mensagens a um lead: 30 minutos; "
    expect(rows.first.get_by_text(after + "Palavras de descadastro: chega")).to_be_visible()
    expect(rows.nth(1)).to_contain_text("Regra ativada")
    expect(rows.nth(1).get_by_text("Depois: ativa", exact=True)).to_be_visible()
    expect(rows.nth(2)).to_contain_text("Regra desativada")
    expect(rows.nth(2).get_by_text("Depois: desativada", exact=True)).to_be_visible()
    expect(rows.first).to_contain_text(re.compile(r"\d{1,2} de \w+\.? de 2026"))
    page.get_by_role("button", name="Mostrar alterações mais antigas").click()
    expect(rows).to_have_count(54)
    edited = rows.last
    expect(edited).to_contain_text("Contato editado")
    expect(edited.get_by_text("Antes: Pontuação: morno; program: nenhum")).to_be_visible()
    expect(edited.get_by_text("Depois: Pontuação: quente; program: Law")).to_be_visible()
    assert serious_problems(page) == []
    assert fits_a_phone(page)
    # Only admins are shown the way to it
    reader = sign_in(browser, pages, running.url, "marketing", Watched())
    expect(reader.get_by_role("link", name="Rules")).to_be_visible()
    expect(reader.get_by_role("link", name="Audit log")).to_have_count(0)
    assert watched.errors == []
