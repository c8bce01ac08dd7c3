"""The journey builder's map, history and recipes in a real headless Chromium against
`followup dev`: a branching journey built and switched on through the map, two versions
compared in words and the older one restored, a recipe installed from the builder; each
passes axe and fits a 390 px phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The demo with its template catalogue synced."""
    running = Running(tmp_path_factory.mktemp("canvas") / "state", free_port(), contacts=6)
    assert running.call("POST", "/api/templates/sync").status_code == 200
    yield running
    running.stop()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def on_a_phone(page: Page, path: str, name: str) -> list[str]:
    """The page at 390 px: no sideways scroll, axe's serious findings (empty when none)."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(path)
    expect(page.get_by_test_id("canvas").first).to_be_visible()
    shot(page, f"{name}-390")
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= width
    return [f"390 px: {problem}" for problem in serious_problems(page)]


@pytest.mark.slow
def test_a_branching_journey_is_built_and_switched_on_through_the_map(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/new")
    canvas = page.get_by_test_id("canvas").last
    page.get_by_label("Id", exact=True).fill("map-journey")
    page.get_by_label("Name", exact=True).fill("Nudge, then tag the quiet ones")
    # The trigger's node opens the trigger's fields
    canvas.get_by_role("button", name=re.compile("^Trigger")).click()
    expect(page.get_by_label("Trigger", exact=True)).to_be_focused()
    page.get_by_label("Stages (comma-separated)").fill("new, qualified")
    page.get_by_label("Quiet for (amount)").fill("1")
    expect(canvas).to_contain_text("Quiet for 1 hour in new, qualified")
    page.get_by_label("Send at any time (ignore business hours)").check()
    # A message on WhatsApp from the catalogue, falling back to SMS
    page.get_by_label("Step 1 template from the catalogue").select_option(
        label="follow_up_later (id) · Approved"
    )
    page.get_by_label("Step 1 parameter 1 source").select_option("field")
    page.get_by_label("Step 1 parameter 1", exact=True).fill("first_name")
    page.get_by_label("Step 1 free text").fill("Still interested?")
    page.get_by_label("Step 1: then try SMS").check()
    expect(canvas.get_by_role("button", name=re.compile("^Channels"))).to_contain_text(
        "WhatsApp; if it cannot reach the lead: SMS"
    )
    # A branch on a reply, both arms drawn, and an action for those who did not reply
    page.get_by_role("button", name="Add a branch").click()
    page.get_by_role("button", name="Add an action").click()
    page.get_by_label("Step 3 tag").fill("no-reply")
    arms = canvas.get_by_role("list", name="The two ways out of step 2")
    expect(arms.get_by_role("button", name="If yes The end of the journey")).to_be_visible()
    expect(arms.get_by_role("button", name="If not The next step")).to_be_visible()
    expect(canvas.get_by_role("button", name=re.compile("^Step 3: Action"))).to_contain_text(
        "no-reply"
    )
    # Clicking an arm lands on its field; the arrow keys walk the map, Enter opens a node
    arms.get_by_role("button", name=re.compile("^If not")).click()
    expect(page.get_by_label("Step 2: otherwise go to")).to_be_focused()
    canvas.get_by_role("button", name=re.compile("^Trigger")).focus()
    page.keyboard.press("ArrowDown")
    expect(canvas.get_by_role("button", name=re.compile("^Who"))).to_be_focused()
    page.keyboard.press("End")
    expect(canvas.get_by_role("button", name=re.compile("^Goal"))).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(canvas.get_by_role("button", name=re.compile("^Step 3: Action"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label("Step 3 kind")).to_be_focused()
    shot(page, "journey-canvas")
    problems = serious_problems(page)
    # Switched on from the map, then saved
    canvas.get_by_label("Active", exact=True).check()
    page.get_by_role("button", name="Save").click()
    row = page.locator('[data-testid="rule-row"][data-id="map-journey"]')
    confirm = page.get_by_role("button", name="Save and activate anyway")
    expect(row.or_(confirm)).to_be_visible()
    if confirm.is_visible():
        confirm.click()
    expect(row).to_be_visible()
    saved = stack.call("GET", "/api/rules/map-journey").json()
    assert saved["active"] is True
    assert [step.get("kind", "send") for step in saved["steps"]] == ["send", "branch", "action"]
    assert saved["steps"][0]["fallbacks"] == ["sms"]
    assert saved["steps"][1]["if"]["replied"] is True
    assert (saved["steps"][1]["then"], saved["steps"][1]["else"]) == (3, None)
    problems += on_a_phone(page, f"{stack.url}/#/rules/map-journey", "journey-canvas")
    box = page.locator(".canvas-box")
    assert box.evaluate("(box) => getComputedStyle(box).overflowY") == "auto"
    assert problems == []
    assert watched.errors == []


def nudge(name: str, wait_days: int, text: str) -> dict[str, Any]:
    return {
        "id": "history-nudge",
        "name": name,
        "active": False,
        "send_anytime": True,
        "trigger": {"kind": "idle", "stages": ["new"], "idle": {"amount": 1, "unit": "days"}},
        "steps": [{"wait": {"amount": wait_days, "unit": "days"}, "text": text}],
    }


@pytest.mark.slow
def test_two_versions_compare_in_words_and_the_older_one_comes_back(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    assert stack.call("POST", "/api/rules", json=nudge("Sapa v1", 1, "Hai")).status_code == 201
    edited = stack.call("PUT", "/api/rules/history-nudge", json=nudge("Sapa v2", 3, "Halo"))
    assert edited.status_code == 200
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "id")
    page.goto(f"{stack.url}/#/rules/history-nudge")
    history = page.get_by_test_id("history")
    expect(history).to_contain_text("Riwayat versi")
    diff = history.get_by_test_id("diff")
    expect(diff).to_contain_text("Nama: “Sapa v1” menjadi “Sapa v2”")
    expect(diff).to_contain_text("Langkah 1, tunggu sebelum mengirim: 1 hari menjadi 3 hari")
    expect(diff).to_contain_text("Langkah 1, teks bebas: “Hai” menjadi “Halo”")
    expect(diff).not_to_contain_text("steps.")
    # The same version on both sides: nothing differs
    history.get_by_label("Bandingkan versi").select_option("2")
    expect(history).to_contain_text("Tidak ada perbedaan")
    history.get_by_label("Bandingkan versi").select_option("1")
    expect(diff).to_contain_text("Sapa v2")
    shot(page, "journey-history-id")
    problems = serious_problems(page)
    # Version 1 comes back into the builder and is saved as version 3
    history.get_by_role("button", name="Pulihkan versi 1").click()
    expect(page.get_by_test_id("restored")).to_contain_text("Versi 1")
    expect(page.get_by_label("Nama", exact=True)).to_have_value("Sapa v1")
    expect(page.get_by_test_id("canvas")).to_contain_text("Tunggu1 hari")
    page.get_by_role("button", name="Simpan", exact=True).click()
    done = page.get_by_role("button", name="Selesai")
    expect(done.or_(page.get_by_test_id("rule-row").first)).to_be_visible()
    saved = stack.call("GET", "/api/rules/history-nudge").json()
    assert (saved["version"], saved["name"], saved["steps"][0]["wait"]["amount"]) == (
        3,
        "Sapa v1",
        1,
    )
    problems += on_a_phone(page, f"{stack.url}/#/rules/history-nudge", "journey-history-id")
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_a_recipe_is_read_then_installed_from_the_builder(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "pt-BR")
    page.goto(f"{stack.url}/#/rules/new")
    recipes = page.get_by_test_id("recipes")
    recipes.get_by_label("Receita", exact=True).select_option(label="Qualificado, dia 2")
    chosen = recipes.get_by_test_id("recipe")
    expect(chosen).to_contain_text("convide-o para uma entrevista")
    expect(chosen.get_by_test_id("canvas")).to_contain_text("Modelo interview_invite")
    expect(chosen.get_by_test_id("canvas")).to_contain_text("Em silêncio por 2 dias em qualified")
    shot(page, "journey-recipe-pt-BR")
    problems = serious_problems(page)
    # The demo already runs this recipe under its own id: said in words
    recipes.get_by_role("button", name="Instalar como rascunho").click()
    expect(recipes.get_by_role("alert")).to_have_text(
        "Já existe uma jornada com o id “qualified-day2”: escolha outro id."
    )
    # Under a new id it installs at once: the synced catalogue's approved interview_invite
    # takes 2 parameters, and the recipe fills them as the demo's own journey does
    recipes.get_by_label("Id da nova jornada").fill("entrevista-dia-2")
    recipes.get_by_role("button", name="Instalar como rascunho").click()
    expect(page).to_have_url(re.compile(r"#/rules/entrevista-dia-2$"))
    expect(page.get_by_label("Nome", exact=True)).to_have_value("Qualificado, dia 2")
    expect(page.get_by_test_id("canvas").last).to_contain_text("Modelo interview_invite")
    installed = stack.call("GET", "/api/rules/entrevista-dia-2").json()
    assert (installed["active"], installed["name"]) == (False, "Qualificado, dia 2")
    template = installed["steps"][0]["template"]
    assert (template["name"], len(template["params"])) == ("interview_invite", 2)
    problems += on_a_phone(page, f"{stack.url}/#/rules/new", "journey-recipe-pt-BR")
    assert problems == []
    # The taken id was said before asking the API: no refused request, nothing logged
    assert watched.errors == []
