"""The admin app's finishing touches in a real headless Chromium against `followup dev`:
tasks name their lead, a journey's versions say who saved them and when, a recipe whose
template is missing says which, and settings the API objects to are said beside their
fields; none of these flows makes the browser log an error. Each page passes axe and fits a
390 px phone.

Screenshots go to test-artifacts/polish/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import (
    SAFETY_NET,
    Running,
    call_task_journey,
    eventually,
    free_port,
)

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "polish"
COUNSELLOR = "counselor@followup.local"
TASK = "Call about the application"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The demo with its template catalogue synced, a journey that gives the counsellor a
    call task when a lead reaches `applied`, and one lead who has."""
    running = Running(tmp_path_factory.mktemp("polish") / "state", free_port(), contacts=6)
    assert running.call("POST", "/api/templates/sync").status_code == 200
    journey = call_task_journey(TASK, COUNSELLOR)
    created = running.call("POST", "/api/rules", json=journey, role="marketing")
    assert created.status_code == 201, created.text
    lead = {"wa_id": "6281199990203", "name": "Tono Tugas", "timezone": "Asia/Jakarta"}
    assert running.call("POST", "/api/contacts", json=lead).status_code == 201
    assert running.call("POST", "/api/contacts", json={**lead, "stage": "applied"}).is_success
    httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    yield running
    running.stop()


def checked(page: Page, name: str) -> list[str]:
    """axe-core's serious and critical findings, with a screenshot of the page, then the
    same at 390 px: sideways scroll counts as a problem too."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    found = [f"{name}: {problem}" for problem in serious_problems(page)]
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    # The layout settles after the resize; a page that still scrolls sideways fails here
    fits = "() => document.documentElement.scrollWidth <= innerWidth"
    try:
        page.wait_for_function(fits, timeout=SAFETY_NET * 1000)
    except PlaywrightTimeout:
        found.append(f"{name} at 390 px scrolls sideways")
    found += [f"{name} at 390 px: {problem}" for problem in serious_problems(page)]
    if size:
        page.set_viewport_size(size)
    return found


def lines(page: Page, text: str) -> list[int]:
    """How many lines each shown element whose whole text is `text` takes, as the browser
    laid out its words."""
    counted: list[int] = page.evaluate(
        """(text) => [...document.querySelectorAll("main *")]
            .filter((el) => el.children.length === 0 && el.textContent.trim() === text
              && el.offsetParent !== null)
            .map((el) => {
              const range = document.createRange();
              range.selectNodeContents(el);
              return new Set([...range.getClientRects()].map((box) => Math.round(box.top))).size;
            })""",
        text,
    )
    return counted


@pytest.mark.slow
def test_my_tasks_name_the_lead_and_their_number(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    choose_language(page, "id")
    page.goto(f"{stack.url}/#/tasks")
    rows = page.get_by_test_id("task-row")
    expect(rows).to_have_count(1)
    task = rows.first
    expect(task).to_contain_text(TASK)
    # The lead by name, linked to their page, and their number beside it
    expect(task.get_by_test_id("task-contact")).to_have_text("Tono Tugas")
    expect(task.get_by_test_id("task-number")).to_have_text("+6281199990203")
    problems = checked(page, "tasks-id")
    task.get_by_role("link", name="Tono Tugas").click()
    expect(page.get_by_role("heading", name="Tono Tugas")).to_be_visible()
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_a_number_stays_whole_on_one_line_in_the_queue_and_the_contacts_on_a_laptop(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "id")
    page.set_viewport_size({"width": 1024, "height": 768})
    number = "+6281199990203"
    page.goto(f"{stack.url}/#/queue")
    rows = page.get_by_test_id("followup-row")
    expect(rows.first).to_be_visible()
    shown = [text for text in rows.locator("td").all_inner_texts() for text in text.split("\n")]
    numbers = sorted({text for text in shown if text.startswith("+")})
    assert numbers, "the queue names each lead's number"
    # Every number in the queue reads on one line, beside its lead's name
    for each in numbers:
        assert set(lines(page, each)) == {1}, each
    page.goto(f"{stack.url}/#/contacts")
    expect(page.get_by_role("cell", name=number)).to_be_visible()
    assert lines(page, number) == [1]
    assert watched.errors == []


def greeting(n: int) -> dict[str, Any]:
    """A journey greeting a lead as they reach `qualified`, at once."""
    return {
        "id": f"welcome-{n}",
        "name": f"Welcome {n}",
        "active": True,
        "trigger": {"kind": "stage_entered", "stages": ["qualified"]},
        "steps": [{"wait": {"amount": 0, "unit": "minutes"}, "text": f"Selamat datang ({n})"}],
    }


@pytest.mark.slow
def test_a_follow_up_kept_apart_from_the_last_message_says_why_in_its_row(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given two journeys that greet a lead reaching `qualified`, and a lead who wrote
    for n in (1, 2):
        assert stack.call("POST", "/api/rules", json=greeting(n)).status_code == 201
    lead = {"wa_id": "6281199990311", "name": "Gita Jeda", "timezone": "Asia/Jakarta"}
    created = stack.call("POST", "/api/contacts", json=lead)
    assert created.status_code == 201
    contact_id = created.json()["id"]
    wrote = {"wa_id": lead["wa_id"], "text": "Halo, mau tanya kelas"}
    assert httpx.post(f"{stack.url}/sandbox/reply", json=wrote, timeout=SAFETY_NET).is_success
    # When the lead reaches `qualified`: one greeting goes, the other is queued after it
    assert stack.call("POST", "/api/contacts", json={**lead, "stage": "qualified"}).is_success

    def kept_apart() -> dict[str, Any] | None:
        httpx.post(f"{stack.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
        rows = stack.call("GET", "/api/queue?status=queued&limit=50").json()["followups"]
        mine = [f for f in rows if f["contact_id"] == contact_id]
        return next((f for f in mine if f["history"][0]["reason"] == "spaced"), None)

    queued = eventually(kept_apart)
    # Then its row in the queue says why it waits, in the reader's words
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "id")
    page.goto(f"{stack.url}/#/queue")
    row = page.locator(f'[data-testid="followup-row"][data-id="{queued["id"]}"]')
    expect(row).to_contain_text("Diberi jeda dari pesan terakhir yang dikirim ke prospek")
    assert watched.errors == []


@pytest.mark.slow
def test_each_version_of_a_journey_says_who_saved_it_and_when(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    body: dict[str, Any] = {
        "id": "saved-by",
        "name": "Sapa v1",
        "active": False,
        "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "days"}},
        "steps": [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Halo {first_name|Kak}"}],
    }
    assert stack.call("POST", "/api/rules", json=body, role="marketing").status_code == 201
    edited = {**body, "name": "Sapa v2"}
    assert stack.call("PUT", "/api/rules/saved-by", json=edited).status_code == 200
    versions = stack.call("GET", "/api/rules/saved-by/versions").json()["versions"]
    zone = stack.call("GET", "/api/settings").json()["timezone"]
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "pt-BR")
    page.goto(f"{stack.url}/#/rules/saved-by")
    saves = page.get_by_test_id("history").get_by_test_id("version-saved")
    expect(saves).to_have_count(2)
    # Newest first, each with who saved it and when, in Portuguese dates and the zone named
    expect(saves.nth(0)).to_contain_text("Versão 2: salva por admin@followup.local em")
    expect(saves.nth(1)).to_contain_text("Versão 1: salva por marketing@followup.local em")
    when = page.evaluate(
        """([at, zone]) => new Intl.DateTimeFormat("pt-BR",
            {timeZone: zone, dateStyle: "medium", timeStyle: "short"}).format(new Date(at))""",
        [versions[1]["saved_at"], zone],
    )
    expect(saves.nth(0)).to_contain_text(when)
    expect(saves.nth(0)).to_contain_text(zone)
    problems = checked(page, "history-pt-BR")
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_a_recipe_whose_template_is_missing_says_which_without_a_refused_request(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/new")
    recipes = page.get_by_test_id("recipes")
    recipes.get_by_label("Recipe", exact=True).select_option(label="Lead nurture")
    recipes.get_by_role("button", name="Install as a draft").click()
    # The synced catalogue has no nurture templates: a draft opens, naming each one missing
    arrival = page.get_by_test_id("arrival")
    expect(arrival).to_contain_text("Lead nurture")
    missing = arrival.get_by_test_id("missing-template")
    expect(missing.first).to_have_text(
        "Step 1 needs the WhatsApp template “nurture_intro” (en, 1 parameter), and the "
        "synced catalogue has no approved copy of it: create it in WhatsApp Manager and "
        "sync, or choose another template for the step."
    )
    assert missing.count() >= 4
    expect(page.get_by_label("Id", exact=True)).to_have_value("lead-nurture")
    expect(page.get_by_role("main")).to_contain_text(
        "No template “nurture_case_study” in “en” in the synced catalogue."
    )
    problems = checked(page, "recipe-missing-en")
    # Nothing was installed, and the browser logged nothing: no request was refused
    assert stack.call("GET", "/api/rules/lead-nurture").status_code == 404
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_a_recipe_installed_under_a_deleted_journey_s_id_says_why_beside_the_id(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a journey installed from a recipe, then deleted
    recipe = "/api/recipes/apply-reminder-24h/install"
    installed = stack.call("POST", recipe, json={"id": "gone-reminder"}, role="marketing")
    assert installed.status_code == 201, installed.text
    assert stack.call("DELETE", "/api/rules/gone-reminder").status_code == 200
    # When a marketer installs the recipe again under that id
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/new")
    recipes = page.get_by_test_id("recipes")
    recipes.get_by_label("Recipe", exact=True).select_option(label="Apply reminder after 24 h")
    recipes.get_by_label("Id of the new journey").fill("gone-reminder")
    recipes.get_by_role("button", name="Install as a draft").click()
    # Then the id field says why it is refused and what to do, and nothing is installed
    expect(recipes).to_contain_text(
        "The id “gone-reminder” belonged to a journey that was deleted: its sends stay "
        "counted under it in the stats, so choose another id."
    )
    assert stack.call("GET", "/api/rules/gone-reminder").status_code == 404


@pytest.mark.slow
def test_settings_the_api_objects_to_are_said_beside_their_fields_without_an_error(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    before = stack.call("GET", "/api/settings").json()
    page = sign_in(browser, pages, stack.url, "admin", watched)
    choose_language(page, "id")
    page.goto(f"{stack.url}/#/settings")
    zone = page.get_by_label("Zona waktu")
    zone.fill("Mars/Olympus")
    page.get_by_role("button", name="Simpan pengaturan").click()
    expect(zone).to_have_attribute("aria-invalid", "true")
    described = zone.get_attribute("aria-describedby") or ""
    expect(page.locator(f"#{described.split()[0]}")).to_contain_text("Mars/Olympus")
    problems = checked(page, "settings-check-id")
    # Nothing was saved, and the browser logged nothing: the API answered a check
    assert stack.call("GET", "/api/settings").json() == before
    assert problems == []
    assert watched.errors == []
