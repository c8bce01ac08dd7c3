"""The journey builder in a real headless Chromium against `followup dev`: it reads in each
language, passes axe and fits a 390 px phone; a branching journey is built, reordered and
activated; a date rule is built and edited; the API's problems show beside their field in
plain words; a draft survives a reload; the rules list says each trigger in words; a dry
run says why each step went as it did in words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in, type_day
from tests.support.devstack import Running, free_port

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pages"
ADD_A_STEP = {"en": "Add a step", "id": "Tambah langkah", "pt-BR": "Adicionar um passo"}
ADD_A_BRANCH = {"en": "Add a branch", "id": "Tambah cabang", "pt-BR": "Adicionar ramificação"}
BRANCH_TITLE = {"en": "Step 3: Branch", "id": "Langkah 3: Cabang", "pt-BR": "Passo 3: Ramificação"}
NEEDS_PROGRAM = {
    "id": "e2e-needs-program",
    "name": "Program nudge",
    "active": False,
    "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
    "steps": [
        {"kind": "branch", "if": {"tag": "vip"}, "then": 2},
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "template": {
                "name": "new_lead_checkin",
                "language": "en",
                "params": [
                    {"field": "first_name", "default": "there"},
                    {"field": "attributes.program"},
                ],
            },
        },
    ],
}
"""A journey past a branch on a tag to a template that needs the lead's program."""
WHY_IN_WORDS = {
    "en": ("to step 2", "condition not met", "The lead has no program", "ended before its last"),
    "id": (
        "ke langkah 2",
        "syarat tidak terpenuhi",
        "Prospek tidak punya program",
        "berakhir sebelum langkah terakhir",
    ),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The demo with its template catalogue synced, and its rules off."""
    running = Running(tmp_path_factory.mktemp("editor") / "state", free_port(), contacts=8)
    assert running.call("POST", "/api/templates/sync").status_code == 200
    for rule in running.call("GET", "/api/rules").json()["rules"]:
        running.call("POST", f"/api/rules/{rule['id']}/deactivate")
    yield running
    running.stop()


def new_journey(page: Page, url: str) -> None:
    page.goto(f"{url}/#/rules/new")
    expect(page.locator(".editor")).to_be_visible()


@pytest.mark.slow
def test_the_builder_reads_in_each_language_passes_axe_and_fits_a_phone(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    problems: list[str] = []
    for locale in ("en", "id", "pt-BR"):
        choose_language(page, locale)
        new_journey(page, stack.url)
        # Every kind of step on the page: a message, a wait, a branch, an action
        for kind in range(1, 4):
            adding = page.get_by_role("group", name=ADD_A_STEP[locale])
            adding.get_by_role("button").nth(kind).click()
        expect(page.get_by_test_id("step-2")).to_contain_text(BRANCH_TITLE[locale])
        expect(page.get_by_role("button", name=ADD_A_BRANCH[locale])).to_be_visible()
        page.screenshot(path=str(SHOTS / f"rule-editor-{locale}.png"), full_page=True)
        problems += [f"{locale}: {problem}" for problem in serious_problems(page)]
        page.get_by_role("button", name=re.compile("^(Discard draft|Buang draf|Descartar)")).click()
    choose_language(page, "en")
    page.set_viewport_size({"width": 390, "height": 844})
    new_journey(page, stack.url)
    page.get_by_role("button", name="Add a branch").click()
    page.get_by_role("button", name="Add an action").click()
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    page.screenshot(path=str(SHOTS / "rule-editor-390.png"), full_page=True)
    problems += [f"390 px: {problem}" for problem in serious_problems(page)]
    assert scroll <= width
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_marketing_builds_a_branching_journey_reorders_it_and_activates_it(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_journey(page, stack.url)
    page.get_by_label("Id", exact=True).fill("e2e-journey")
    page.get_by_label("Name", exact=True).fill("Nudge, then tag the quiet ones")
    page.get_by_label("Stages (comma-separated)").fill("new, qualified")
    page.get_by_label("Quiet for (amount)").fill("1")
    page.get_by_label("Send at any time (ignore business hours)").check()
    # The template comes from the synced catalogue, with its status, body and parameters
    page.get_by_label("Step 1 template from the catalogue").select_option(
        label="follow_up_later (id) · Approved"
    )
    expect(page.get_by_test_id("template-0")).to_contain_text("Approved")
    expect(page.get_by_test_id("template-0")).to_contain_text("Follow up later: {{1}}")
    page.get_by_label("Step 1 parameter 1 source").select_option("field")
    page.get_by_label("Step 1 parameter 1", exact=True).fill("first_name")
    page.get_by_label("Step 1 parameter 1 if the lead has none").fill("Kak")
    # A wait, a branch on a reply (to the end), and an action for the others
    page.get_by_role("button", name="Add a wait").click()
    page.get_by_role("button", name="Add a branch").click()
    page.get_by_role("button", name="Add an action").click()
    page.get_by_label("Step 4 tag").fill("no-reply")
    expect(page.get_by_label("Step 3: if it holds, go to")).to_have_value("4")
    # Duplicating the wait and removing it again keeps the branch aimed at the end
    page.get_by_role("button", name="Duplicate step 2").click()
    expect(page.get_by_test_id("step-2")).to_contain_text("Step 3: Wait")
    expect(page.get_by_label("Step 4: if it holds, go to")).to_have_value("5")
    page.get_by_role("button", name="Remove step 3").click()
    expect(page.get_by_label("Step 3: if it holds, go to")).to_have_value("4")
    # Moved up by keyboard, the action keeps the focus; moved back down the same way
    page.get_by_role("button", name="Move step 4 up").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-2")).to_contain_text("Step 3: Action")
    expect(page.get_by_role("button", name="Move step 3 up")).to_be_focused()
    page.get_by_role("button", name="Move step 3 down").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("step-3")).to_contain_text("Step 4: Action")
    # Preview, then activate
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_test_id("preview")).to_contain_text(re.compile(r"Would message \d+ now"))
    expect(page.get_by_test_id("preview-cost")).to_contain_text("$")
    page.get_by_label("Active", exact=True).check()
    page.get_by_role("button", name="Save").click()
    row = page.locator('[data-testid="rule-row"][data-id="e2e-journey"]')
    confirm = page.get_by_role("button", name="Save and activate anyway")
    expect(row.or_(confirm)).to_be_visible()
    if confirm.is_visible():
        confirm.click()
    expect(row).to_be_visible()
    saved = stack.call("GET", "/api/rules/e2e-journey").json()
    assert saved["active"] is True
    assert [step.get("kind", "send") for step in saved["steps"]] == [
        "send",
        "wait",
        "branch",
        "action",
    ]
    assert saved["steps"][0]["template"]["params"] == [
        {"field": "first_name", "text": None, "default": "Kak", "ai": False}
    ]
    assert saved["steps"][2] | {"else": None} == {
        "kind": "branch",
        "if": saved["steps"][2]["if"],
        "then": 4,
        "else": None,
    }
    assert saved["steps"][2]["if"]["replied"] is True
    assert saved["steps"][3] == {"kind": "action", "do": "add_tag", "tag": "no-reply"}
    assert watched.errors == []


@pytest.mark.slow
def test_a_problem_shows_beside_its_field_in_plain_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "pt-BR")
    new_journey(page, stack.url)
    page.get_by_label("Id", exact=True).fill("Bad Id!")
    page.get_by_label("Nome", exact=True).fill("Com problemas")
    page.get_by_label("Etapas (separadas por vírgula)").fill("new, prospect")
    page.get_by_label("Nome do modelo do passo 1").fill("open_day_invite")
    page.get_by_role("button", name="Salvar").click()
    identifier = page.get_by_label("Id", exact=True)
    expect(identifier).to_have_attribute("aria-invalid", "true")
    expect(identifier).to_have_accessible_description(re.compile("letras minúsculas"))
    expect(page.get_by_role("main")).not_to_contain_text("should match pattern")
    # Once the id reads well, the unknown stage is marked, and the id no longer is
    identifier.fill("com-problemas")
    page.get_by_role("button", name="Salvar").click()
    stages = page.get_by_label("Etapas (separadas por vírgula)")
    expect(stages).to_have_attribute("aria-invalid", "true")
    expect(stages).to_have_accessible_description(re.compile("“prospect”"))
    expect(identifier).to_have_attribute("aria-invalid", "false")
    stages.fill("new")
    page.get_by_role("button", name="Salvar").click()
    # The template takes two parameters the step does not give: said in words, fixed in one go
    expect(page.get_by_test_id("params-problem-0")).to_have_text(
        "O modelo recebe 2 parâmetros; este passo dá 0."
    )
    page.get_by_role("button", name="Dar ao passo 1 os 2 parâmetros do modelo").click()
    page.get_by_label("Parâmetro 1 do passo 1", exact=True).fill("Sari")
    page.get_by_label("Parâmetro 2 do passo 1", exact=True).fill("Sabtu")
    page.get_by_role("button", name="Salvar").click()
    expect(page.locator('[data-testid="rule-row"][data-id="com-problemas"]')).to_be_visible()


@pytest.mark.slow
def test_a_draft_survives_a_reload_until_it_is_discarded(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/busy-nudge")
    page.get_by_label("Name", exact=True).fill("Busy, half written")
    page.get_by_role("button", name="Add a wait").click()
    page.reload()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Busy, half written")
    expect(page.get_by_test_id("step-2")).to_contain_text("Step 3: Wait")
    expect(page.get_by_test_id("draft")).to_contain_text("kept in this browser")
    # Nothing was saved; discarding the draft brings back the saved rule
    assert stack.call("GET", "/api/rules/busy-nudge").json()["name"] != "Busy, half written"
    page.get_by_role("button", name="Discard draft").click()
    expect(page.get_by_test_id("draft")).to_have_count(0)
    expect(page.get_by_test_id("step-2")).to_have_count(0)
    page.reload()
    expect(page.get_by_label("Name", exact=True)).not_to_have_value("Busy, half written")
    assert watched.errors == []


@pytest.mark.slow
def test_a_save_over_a_version_someone_saved_meanwhile_is_refused_in_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing with a rule open in the builder
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/busy-nudge")
    name = page.get_by_label("Name", exact=True)
    expect(name).not_to_have_value("")
    # When a colleague saves a new version meanwhile, then this page saves its own rename
    other = stack.call("GET", "/api/rules/busy-nudge").json()
    body = {k: v for k, v in other.items() if k not in ("held", "last_error")}
    assert stack.call("PUT", "/api/rules/busy-nudge", json={**body, "name": "Theirs"}).is_success
    name.fill("Mine")
    page.get_by_role("button", name="Save", exact=True).click()
    # Then the page says the save was refused and why; the colleague's version stands
    expect(page.get_by_test_id("rule-stale")).to_contain_text("Someone else saved this rule")
    assert stack.call("GET", "/api/rules/busy-nudge").json()["name"] == "Theirs"
    # The browser logs the refused request; nothing else went wrong
    assert [e for e in watched.errors if "status of 409" not in e] == []


@pytest.mark.slow
def test_a_save_keeps_the_rule_off_that_a_colleague_switched_off_meanwhile(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing with a rule open in the builder while it is on
    assert stack.call("POST", "/api/rules/busy-nudge/activate?confirm=true").is_success
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/busy-nudge")
    expect(page.get_by_label("Active", exact=True)).to_be_checked()
    # When a colleague switches it off from the list, then this page saves a rename
    assert stack.call("POST", "/api/rules/busy-nudge/deactivate").is_success
    page.get_by_label("Name", exact=True).fill("Renamed while off")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator('[data-testid="rule-row"][data-id="busy-nudge"]')).to_be_visible()
    # Then the rename is saved and the rule stays off
    saved = stack.call("GET", "/api/rules/busy-nudge").json()
    assert (saved["name"], saved["active"]) == ("Renamed while off", False)
    assert watched.errors == []


@pytest.mark.slow
def test_a_date_rule_is_built_listed_in_words_and_edited_in_the_builder(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing building a reminder a week before each lead's renewal date
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    new_journey(page, stack.url)
    page.get_by_label("Id", exact=True).fill("e2e-renewal")
    page.get_by_label("Name", exact=True).fill("Renewal reminder")
    page.get_by_label("Trigger", exact=True).select_option(label="A date comes round")
    page.get_by_label("Date field").fill("renewal_date")
    page.get_by_label("From the date (amount)").fill("7")
    label = page.get_by_text("From the date (amount)").bounding_box()
    assert label is not None
    assert label["height"] < 30, "the label keeps to one line"
    page.get_by_label("Step 1 template from the catalogue").select_option(
        label="follow_up_later (id) · Approved"
    )
    canvas = page.get_by_test_id("canvas").last
    trigger = canvas.get_by_role("button", name=re.compile("^Trigger"))
    expect(trigger).to_contain_text(
        "7 days before the date in renewal_date, at 09:00 in the lead's time"
    )
    # A time that is no time is refused beside its field, then the template's parameter
    # left empty (WhatsApp refuses an empty one), and nothing is saved
    at = page.get_by_label("At (HH:MM, the lead's time)")
    at.fill("9am")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(at).to_have_attribute("aria-invalid", "true")
    at.fill("09:00")
    page.get_by_role("button", name="Save", exact=True).click()
    parameter = page.get_by_label("Step 1 parameter 1", exact=True)
    expect(parameter).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Give this parameter a text, or take it from")).to_be_visible()
    assert stack.call("GET", "/api/rules/e2e-renewal").status_code == 404
    # When it is saved with a text for it, the rules list says when it fires
    parameter.fill("kak")
    page.get_by_role("button", name="Save", exact=True).click()
    row = page.locator('[data-testid="rule-row"][data-id="e2e-renewal"]')
    expect(row.get_by_test_id("trigger")).to_have_text(
        "7 days before the date in renewal_date, at 09:00 in the lead's time"
    )
    assert stack.call("GET", "/api/rules/e2e-renewal").json()["trigger"] == {
        "kind": "date",
        "attribute": "renewal_date",
        "offset": {"amount": 7, "unit": "days"},
        "before": True,
        "at": "09:00",
    }
    # And opened again, it moves to 2 days after the date, at the date's own time
    row.get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Date field")).to_have_value("renewal_date")
    page.get_by_label("From the date (amount)").fill("2")
    page.get_by_label("Before or after").select_option(label="After the date")
    page.get_by_label("At (HH:MM, the lead's time)").fill("")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(row.get_by_test_id("trigger")).to_have_text("2 days after the date in renewal_date")
    saved = stack.call("GET", "/api/rules/e2e-renewal").json()
    assert (saved["version"], saved["trigger"]) == (
        2,
        {
            "kind": "date",
            "attribute": "renewal_date",
            "offset": {"amount": 2, "unit": "days"},
            "before": False,
            "at": None,
        },
    )
    # And a dry run for a test contact plays it from the date given to that contact
    row.get_by_role("button", name="Edit").click()
    panel = page.get_by_test_id("dry-run")
    page.get_by_role("button", name="Dry run").click()
    expect(panel).to_contain_text("Nothing happens")
    renewal = date.today() + timedelta(days=5)
    type_day(
        page.get_by_label("The test contact's renewal_date", exact=True), f"{renewal:%d/%m/%Y}"
    )
    page.get_by_role("button", name="Dry run").click()
    entered = renewal + timedelta(days=2)
    expect(panel.get_by_role("row").filter(has_text="entered the journey")).to_contain_text(
        f"{entered:%Y-%m-%d} 00:00"
    )
    expect(panel.get_by_role("row").filter(has_text="send (WhatsApp)")).to_have_count(1)
    # The browser logs the refused save; nothing else went wrong
    assert [e for e in watched.errors if "status of 422" not in e] == []


@pytest.mark.slow
def test_a_dry_run_says_why_in_the_readers_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a journey whose template needs the lead's program, past a branch on a tag
    assert stack.call("POST", "/api/rules", json=NEEDS_PROGRAM).status_code == 201
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    for locale, (target, branch, skipped, ended) in WHY_IN_WORDS.items():
        choose_language(page, locale)
        page.goto(f"{stack.url}/#/rules/{NEEDS_PROGRAM['id']}")
        expect(page.locator(".editor")).to_be_visible()
        # When a test contact without either plays it
        panel = page.get_by_test_id("dry-run")
        panel.get_by_role("button").last.click()
        # Then the branch says which way it went and where to, and the skipped send and the
        # journey's end say what the lead lacks, in the reader's words rather than codes
        rows = panel.get_by_role("row")
        expect(rows.nth(2)).to_contain_text(target)
        expect(rows.nth(2)).to_contain_text(branch)
        expect(rows.nth(3)).to_contain_text(skipped)
        expect(rows.nth(4)).to_contain_text(ended)
        expect(rows.nth(4)).to_contain_text(skipped)
        expect(panel).not_to_contain_text("attribute_missing")
        expect(panel).not_to_contain_text("exited")
    choose_language(page, "en")
    assert watched.errors == []


@pytest.mark.slow
def test_a_placeholder_without_a_default_is_warned_of_in_the_readers_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing writing a message that greets the lead by first name, no default
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "id")
    new_journey(page, stack.url)
    page.get_by_label("Id", exact=True).fill("e2e-greeting")
    page.get_by_label("Nama", exact=True).fill("Greeting")
    text = page.get_by_label("Teks bebas langkah 1")
    text.fill("Halo {first_name}, program {attributes.program|kami} masih dibuka")
    # When it is saved
    page.get_by_role("button", name="Simpan", exact=True).click()
    # Then it is saved, and the step says a lead without a first name reads a gap there
    gap = page.get_by_text(
        "{first_name} tidak punya nilai bawaan: prospek tanpa data itu membaca celah kosong "
        "di sana. Beri nilai bawaan setelah garis tegak, seperti {first_name|…}."
    )
    expect(gap).to_be_visible()
    assert stack.call("GET", "/api/rules/e2e-greeting").status_code == 200
    expect(page.get_by_text("{attributes.program} tidak punya")).to_have_count(0)
    # And once given a default, saved again, the warning is gone
    text.fill("Halo {first_name|kak}, program {attributes.program|kami} masih dibuka")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(gap).to_have_count(0)
    assert stack.call("GET", "/api/rules/e2e-greeting").json()["version"] == 2
    choose_language(page, "en")
    assert watched.errors == []


@pytest.mark.slow
def test_the_rules_list_says_each_quiet_time_and_reply_in_the_readers_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    row = page.locator('[data-testid="rule-row"][data-id="new-idle-1h"]')
    busy = page.locator('[data-testid="rule-row"][data-id="busy-nudge"]')
    for locale, words, reply in (
        ("en", "new · quiet 1 hour", "reply: Busy"),
        ("id", "new · diam 1 jam", "balasan: Sibuk"),
    ):
        choose_language(page, locale)
        page.goto(f"{stack.url}/#/rules")
        expect(row.get_by_test_id("trigger")).to_have_text(words)
        expect(busy.get_by_test_id("trigger")).to_have_text(reply)
    choose_language(page, "en")
    assert watched.errors == []
