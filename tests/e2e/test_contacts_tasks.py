"""Contacts and tasks in the admin app: a search with filters, editing a lead's tags and
attributes, do-not-contact and lifting it, a counsellor completing a task from a
journey, and what each reply was read as, in words. Each page has no serious or critical
axe-core finding and, on a 390 px phone, never scrolls sideways.

Screenshots go to test-artifacts/contacts/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, Running, call_task_journey, free_port

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "contacts"
COUNSELLOR = "counselor@followup.local"
TASK = "Call about the application"


def lead(stack: Running, wa_id: str, name: str, **fields: object) -> str:
    body = {"wa_id": wa_id, "name": name, "timezone": "Asia/Jakarta", **fields}
    created = stack.call("POST", "/api/contacts", json=body)
    assert created.status_code in (200, 201), created.text
    contact_id: str = created.json()["id"]
    return contact_id


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, dict[str, str]]]:
    """The demo, three leads of our own, and a journey that gives the counsellor a call task
    when a lead reaches `applied`; one lead has."""
    running = Running(tmp_path_factory.mktemp("contacts") / "state", free_port(), contacts=6)
    journey = call_task_journey(TASK, COUNSELLOR)
    created = running.call("POST", "/api/rules", json=journey, role="marketing")
    assert created.status_code == 201, created.text
    leads = {
        "sari": lead(running, "6281199990101", "Sari Pencarian", tags=["webinar"]),
        "budi": lead(running, "6281199990102", "Budi Label", attributes={"program": "Nursing"}),
        "tono": lead(running, "6281199990103", "Tono Tugas"),
    }
    lead(running, "6281199990103", "Tono Tugas", stage="applied")
    httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    yield running, leads
    running.stop()


def checked(page: Page, shot: str) -> list[str]:
    """axe-core's serious and critical findings, with a screenshot of the page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    return [f"{shot}: {problem}" for problem in serious_problems(page)]


def on_a_phone(browser: Browser, pages: list[Page], url: str, role: str, watched: Watched) -> Page:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = watched.watch(phone.new_page())
    pages.append(page)
    page.goto(url)
    page.get_by_role("button", name=f"Sign in as {role}").click()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    return page


def sideways(page: Page) -> int:
    """How many pixels the page is wider than the window (0: no sideways scroll)."""
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    return max(0, int(scroll) - int(width))


@pytest.mark.slow
def test_a_contact_search_finds_a_lead_and_the_filters_narrow_the_list(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, leads = site
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/contacts")
    rows = page.get_by_test_id("contact-row")
    expect(rows.first).to_be_visible()
    everyone = rows.count()
    assert everyone > 3
    problems = checked(page, "contacts-en.png")
    # A search by part of a name finds that lead alone, and the URL keeps it
    page.get_by_label("Search", exact=True).fill("pencarian")
    page.get_by_role("button", name="Find").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-id", leads["sari"])
    assert "q=pencarian" in page.url
    # By the digits of a number too
    page.get_by_label("Search", exact=True).fill("99990102")
    page.get_by_role("button", name="Find").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-id", leads["budi"])
    # A tag and a stage narrow the whole list
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_label("Tag", exact=True).fill("webinar")
    page.get_by_role("button", name="Find").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sari Pencarian")
    page.get_by_label("Tag", exact=True).fill("")
    page.get_by_role("button", name="Find").click()
    page.get_by_label("Stage", exact=True).select_option("applied")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Tono Tugas")
    # Within a stage the API sorts by date added, oldest first on request
    page.get_by_label("Stage", exact=True).select_option("new")
    page.get_by_label("Sort by").select_option("oldest")
    expect(page.get_by_role("columnheader", name=re.compile("^Added"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    expect(rows.filter(has_text="Budi Label")).to_have_count(1)
    ids = [row.get_attribute("data-id") for row in rows.all()]
    assert ids.index(leads["sari"]) < ids.index(leads["budi"])
    assert "sort=oldest" in page.url
    # Sorted by name, the whole list is in order
    page.get_by_label("Stage", exact=True).select_option("")
    expect(rows).to_have_count(everyone)
    names = [n.strip() for n in rows.locator("a").all_inner_texts()]
    in_order: list[str] = sorted(names, key=str.casefold)
    page.get_by_label("Sort by").select_option("name")
    # (the list is as long before the sort as after it: wait for its order, not its length)
    expect(rows.locator("a")).to_have_text(in_order)
    expect(page.get_by_role("columnheader", name=re.compile("^Name"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_tags_and_attributes_are_edited_in_portuguese(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, leads = site
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    choose_language(page, "pt-BR")
    page.goto(f"{stack.url}/#/contacts/{leads['budi']}")
    edit = page.get_by_test_id("contact-edit")
    expect(edit).to_contain_text("Detalhes")
    problems = checked(page, "contact-pt-BR.png")
    # A tag added, an attribute changed and a new one added, saved together
    tags = edit.get_by_label("Etiquetas")
    tags.fill("bolsa")
    tags.press("Enter")
    # The same tag in another case is the same tag: no second chip
    tags.fill("Bolsa")
    tags.press("Enter")
    expect(edit.get_by_text("bolsa", exact=True)).to_have_count(1)
    expect(edit.get_by_text("Bolsa", exact=True)).to_have_count(0)
    edit.get_by_label("program", exact=True).fill("Law")
    edit.get_by_label("Nome do novo atributo").fill("intake")
    edit.get_by_label("Seu valor").fill("2027")
    edit.get_by_role("button", name="Salvar detalhes").click()
    expect(edit.get_by_role("status")).to_have_text("Detalhes salvos.")
    # A value too long is refused beside its field, before it is sent
    edit.get_by_label("intake", exact=True).evaluate(
        "(input) => input.removeAttribute('maxlength')"
    )
    edit.get_by_label("intake", exact=True).fill("x" * 1001)
    edit.get_by_role("button", name="Salvar detalhes").click()
    expect(edit.get_by_label("intake", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(edit).to_contain_text("No máximo 1.000 caracteres.")
    # What was saved is what the API keeps
    stored = stack.call("GET", f"/api/contacts/{leads['budi']}").json()
    assert stored["attributes"] == {"program": "Law", "intake": "2027"}
    assert stored["tags"] == ["bolsa"]
    page.reload()
    expect(page.get_by_test_id("contact-edit").get_by_label("program", exact=True)).to_have_value(
        "Law"
    )
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_do_not_contact_is_set_by_a_counsellor_and_lifted_by_an_admin_in_indonesian(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, leads = site
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    choose_language(page, "id")
    page.goto(f"{stack.url}/#/contacts/{leads['sari']}")
    control = page.get_by_test_id("do-not-contact")
    control.get_by_role("button", name="Jangan hubungi").click()
    expect(page.get_by_role("status")).to_have_text(
        "Jangan-hubungi aktif: tidak ada lagi pesan ke kontak ini."
    )
    expect(control).to_contain_text("Hanya admin yang dapat mencabutnya.")
    expect(control.get_by_role("button")).to_have_count(0)
    problems = checked(page, "contact-dnc-id.png")
    assert stack.call("GET", f"/api/contacts/{leads['sari']}").json()["opted_out"] is True
    # An admin lifts it
    admin = sign_in(browser, pages, stack.url, "admin", watched)
    admin.goto(f"{stack.url}/#/contacts/{leads['sari']}")
    admin.get_by_role("button", name="Allow contact again").click()
    expect(admin.get_by_role("status")).to_have_text(re.compile("Contact allowed again"))
    expect(admin.get_by_test_id("do-not-contact").get_by_role("button")).to_have_text(
        "Do not contact"
    )
    assert stack.call("GET", f"/api/contacts/{leads['sari']}").json()["opted_out"] is False
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_an_admin_lifting_a_stop_the_lead_made_their_own_meanwhile_reads_why_in_indonesian(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, _ = site
    # Given a lead a counsellor marked do-not-contact, open on an admin's page in Indonesian
    wa_id = "6281199990104"
    contact_id = lead(stack, wa_id, "Dewi Berhenti")
    marked = stack.call("POST", f"/api/contacts/{contact_id}/do-not-contact", role="counselor")
    assert marked.status_code == 200, marked.text
    admin = sign_in(browser, pages, stack.url, "admin", watched)
    choose_language(admin, "id")
    admin.goto(f"{stack.url}/#/contacts/{contact_id}")
    lift = admin.get_by_test_id("do-not-contact").get_by_role("button")
    expect(lift).to_have_text("Izinkan dihubungi lagi")
    # And the lead writes STOP themselves meanwhile
    stop = {"wa_id": wa_id, "text": "STOP"}
    assert httpx.post(f"{stack.url}/sandbox/reply", json=stop, timeout=SAFETY_NET).is_success
    # When the admin lifts the stop on the page as it was read
    lift.click()
    # Then the refusal says why in Indonesian, not in the server's English, and the lead
    # stays stopped
    expect(admin.get_by_role("status")).to_have_text(
        "Kontak ini berhenti berlangganan sendiri; hanya pesannya sendiri yang dapat mengubahnya."
    )
    read = stack.call("GET", f"/api/contacts/{contact_id}").json()
    assert (read["opted_out"], read["opted_out_by"]) == (True, "contact")
    assert [e for e in watched.errors if "status of 409" not in e] == []


@pytest.mark.slow
def test_a_counsellor_completes_a_task_from_a_journey(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, leads = site
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    page.get_by_role("link", name="My tasks").click()
    mine = page.get_by_test_id("task-row")
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text(TASK)
    expect(mine.first).to_contain_text("Applied: call, step 1")
    problems = checked(page, "tasks-en.png")
    # The contact page shows the task too, and the timeline says it was created
    page.goto(f"{stack.url}/#/contacts/{leads['tono']}")
    expect(page.get_by_test_id("task-row")).to_contain_text(TASK)
    expect(page.locator(".timeline")).to_contain_text(f"{TASK} (for {COUNSELLOR})")
    problems += checked(page, "contact-task-en.png")
    # Done from "My tasks": it leaves the open list and shows among the done ones
    page.goto(f"{stack.url}/#/tasks")
    page.get_by_role("button", name=f"Mark “{TASK}” done").click()
    expect(page.get_by_text("No open task: nothing to do right now.")).to_be_visible()
    page.get_by_label("Show").select_option("done")
    expect(mine).to_have_count(1)
    expect(mine.first).to_have_attribute("data-status", "done")
    [task] = stack.call("GET", f"/api/contacts/{leads['tono']}/tasks").json()["tasks"]
    assert (task["status"], task["done_at"] is not None) == ("done", True)
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_contacts_a_contact_and_tasks_fit_a_390_px_phone(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, leads = site
    page = on_a_phone(browser, pages, stack.url, "counselor", watched)
    wide: dict[str, int] = {}
    problems: list[str] = []
    for name, path, ready in (
        ("contacts", "contacts", page.get_by_test_id("contact-row").first),
        ("contact", f"contacts/{leads['tono']}", page.get_by_test_id("contact-edit")),
        ("tasks", "tasks", page.get_by_role("heading", name="My tasks")),
    ):
        page.goto(f"{stack.url}/#/{path}")
        expect(ready).to_be_visible()
        problems += checked(page, f"{name}-390.png")
        if sideways(page):
            wide[name] = sideways(page)
    assert wide == {}
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_a_lead_without_a_name_is_shown_by_their_number(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead imported with a number and no name
    stack, _ = site
    nameless = lead(stack, "6281199990199", "")
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    # When marketing finds them by the digits of their number
    page.goto(f"{stack.url}/#/contacts")
    page.get_by_label("Search", exact=True).fill("99990199")
    page.get_by_role("button", name="Find").click()
    rows = page.get_by_test_id("contact-row")
    expect(rows).to_have_count(1)
    # Then the list and their page name them by their number, not by an internal id
    expect(rows.first.get_by_role("link")).to_have_text("+6281199990199")
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("+6281199990199")
    assert nameless not in page.get_by_role("main").inner_text()
    assert watched.errors == []


READ_AS = {
    "en": ("lead · received", "Not interested", "follow-ups ended: not interested", "A question"),
    "id": (
        "prospek · diterima",
        "Tidak tertarik",
        "tindak lanjut dihentikan: tidak tertarik",
        "Sebuah pertanyaan",
    ),
    "pt-BR": (
        "lead · recebida",
        "Sem interesse",
        "follow-ups encerrados: sem interesse",
        "Uma pergunta",
    ),
}
SCHEDULED = {
    "en": "follow-up scheduled: Call back as asked, ",
    "id": "tindak lanjut dijadwalkan: Call back as asked, ",
    "pt-BR": "follow-up agendado: Call back as asked, ",
}
ALREADY_ENROLLED = {
    "en": "follow-ups ended; already at stage enrolled",
    "id": "tindak lanjut dihentikan; sudah di tahap enrolled",
    "pt-BR": "follow-ups encerrados; já na etapa enrolled",
}


def test_each_reply_says_what_it_was_read_as_and_what_it_did_in_the_readers_words(
    site: tuple[Running, dict[str, str]], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead who asked a question, then wrote that they are not interested, one who
    # asked to be called back tomorrow at 10 (the demo's call-back rule is on), and an
    # enrolled student who says they paid already
    stack, _ = site
    said = {
        "6281199990177": ("Is there a scholarship?", "not interested, thanks"),
        "6281199990178": ("lagi sibuk kak, telpon besok jam 10 aja ya",),
        "6281199990179": ("sudah bayar kak, sudah transfer kemarin",),
    }
    ids = [lead(stack, wa_id, "Rina Ragu") for wa_id in list(said)[:2]]
    ids.append(lead(stack, "6281199990179", "Sari Siswa", stage="enrolled"))
    for wa_id, texts in said.items():
        for text in texts:
            wrote = httpx.post(
                f"{stack.url}/sandbox/reply",
                json={"wa_id": wa_id, "text": text},
                timeout=SAFETY_NET,
            )
            assert wrote.status_code == 200
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    for locale, (who, refusal, ended, question) in READ_AS.items():
        choose_language(page, locale)
        # When their pages are opened
        page.goto(f"{stack.url}/#/contacts/{ids[0]}")
        # Then each reply says who wrote it, what it was read as and what that did, in the
        # reader's words rather than codes or the server's English
        lines = page.get_by_role("listitem")
        refused = lines.filter(has_text="not interested, thanks")
        expect(refused).to_contain_text(who)
        expect(refused.locator(".intent")).to_have_text(re.compile(f"^{refusal} 90% · {ended}$"))
        expect(lines.filter(has_text="Is there a scholarship?")).to_contain_text(question)
        expect(page.get_by_role("main")).not_to_contain_text("not_interested")
        page.goto(f"{stack.url}/#/contacts/{ids[1]}")
        expect(page.locator(".intent").last).to_contain_text(SCHEDULED[locale])
        expect(page.get_by_role("main")).not_to_contain_text("2026-")
        page.goto(f"{stack.url}/#/contacts/{ids[2]}")
        expect(page.locator(".intent").last).to_contain_text(ALREADY_ENROLLED[locale])
    choose_language(page, "en")
    assert watched.errors == []
