"""Every page of the admin app, in English, Bahasa Indonesia and Português (Brasil), on a
desktop and on a 390 px phone: it renders, reads in the chosen language (with none of the
app's English words left in the other two), has no serious or critical axe-core finding,
never scrolls sideways, and logs no error.

Screenshots of every page go to test-artifacts/pages/.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from followup_local.demo import AI_RULE
from tests.support.browser import Watched, sign_in
from tests.support.catalogues import LOCALES, catalogue
from tests.support.devstack import SAFETY_NET, Running, free_port
from tests.support.hosted_ui import CLIENT_ID, HostedUi

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "pages"
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
LANGUAGE = re.compile(r"^(Language|Bahasa|Idioma)$")
HOT_LEAD = {
    "en": "Hot lead: left to the counsellor",
    "id": "Prospek panas: diserahkan ke konselor",
    "pt-BR": "Lead quente: deixado para o consultor",
}
EDITED: dict[str, Any] = {
    "id": "history-in-words",
    "name": "Reminder",
    "active": False,
    "send_anytime": True,
    "trigger": {"kind": "idle", "stages": ["new"], "idle": {"amount": 1, "unit": "days"}},
    "steps": [{"wait": {"amount": 1, "unit": "days"}, "text": "Hi {first_name}"}],
}
"""A rule edited once, by EDITS, in fields only its history names."""
EDITS = {
    "trigger": {**EDITED["trigger"], "last_speaker": "agent"},
    "conditions": {"no_agent_message_within": {"amount": 2, "unit": "days"}},
    "reentry": {"policy": "never"},
    "steps": [
        {
            **EDITED["steps"][0],
            "fallbacks": ["sms"],
            "fallback_when": {
                "undeliverable": False,
                "no_reply_within": {"amount": 1, "unit": "days"},
            },
            "repeat": {"every": {"amount": 3, "unit": "days"}, "times": 2},
        }
    ],
}
PAUSES_MS = (None, 0, 1, 2, 4, 8, 16, 32, 64)
"""Between two filter changes: none (one task), then a timer of so many milliseconds."""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, str]]:
    """The demo after one tick, and a lead in Jakarta whose conversation the pages show."""
    running = Running(tmp_path_factory.mktemp("pages") / "state", free_port(), contacts=8)
    lead = {"wa_id": "6281199990077", "name": "Sari Halaman", "stage": "new"}
    created = running.call("POST", "/api/contacts", json={**lead, "timezone": "Asia/Jakarta"})
    httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    yield running, created.json()["id"]
    running.stop()


def pages_of(contact_id: str) -> list[tuple[str, str, dict[str, str]]]:
    """(name, path, what the page says in each language)."""
    return [
        ("queue", "queue", {"en": "Queue", "id": "Antrean", "pt-BR": "Fila"}),
        ("rules", "rules", {"en": "Rules", "id": "Aturan", "pt-BR": "Regras"}),
        (
            "rule",
            f"rules/{AI_RULE}",
            {"en": "Back to rules", "id": "Kembali ke aturan", "pt-BR": "Voltar às regras"},
        ),
        ("stats", "stats", {"en": "Stats,", "id": "Statistik,", "pt-BR": "Estatísticas,"}),
        ("contacts", "contacts", {"en": "Contacts", "id": "Kontak", "pt-BR": "Contatos"}),
        (
            "contact",
            f"contacts/{contact_id}",
            {"en": "Close conversation", "id": "Tutup percakapan", "pt-BR": "Encerrar conversa"},
        ),
        (
            "settings",
            "settings",
            {
                "en": "Settings and health",
                "id": "Pengaturan dan kesehatan",
                "pt-BR": "Configurações e saúde",
            },
        ),
    ]


class EnglishLeft:
    """English messages of the app that a language says otherwise: those of four characters
    or more with no placeholder, which no message of that language reads as. A message of
    several words is found anywhere, as whole words; a single word only as the whole of a
    text or of a part of one between quotes or punctuation (a rule named "Open day invite"
    is data, not the word "Open" left in English)."""

    PARTS = re.compile(r"[“”\"():;,·→]")

    def __init__(self, locale: str) -> None:
        english = catalogue("en")
        theirs = catalogue(locale)
        assert english.keys() == theirs.keys()
        own = set(theirs.values())
        left = [
            said
            for key, said in english.items()
            if len(said) >= 4 and "{" not in said and said != theirs[key] and said not in own
        ]
        phrases = sorted((said for said in left if " " in said), key=len, reverse=True)
        self.phrases = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, phrases))})(?!\w)")
        self.words = {said for said in left if " " not in said}

    def found_in(self, text: str) -> list[str]:
        parts = {part.strip() for part in [text, *self.PARTS.split(text)]}
        return self.phrases.findall(text) + sorted(parts & self.words)


WORDS_SHOWN = """() => {
    const shown = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        const listed = parent.closest("select");
        if (node.data.trim() && (listed || parent.checkVisibility({ visibilityProperty: true })))
            shown.push(node.data.trim());
    }
    const named = ["aria-label", "title", "placeholder", "alt", "aria-valuetext"];
    for (const element of document.body.querySelectorAll("*"))
        for (const attribute of named) {
            const said = element.getAttribute(attribute);
            if (said && said.trim()) shown.push(said.trim());
        }
    return shown;
}"""
"""The page's words a reader meets: its visible text, its lists' choices and the names
assistive technology reads out."""


def ready(page: Page, name: str) -> Locator:
    """What shows once a page has its data."""
    return {
        "queue": page.get_by_test_id("followup-row").first,
        "rules": page.get_by_test_id("rule-row").first,
        "rule": page.locator(".editor"),
        "stats": page.get_by_test_id("stats-total"),
        "contacts": page.get_by_test_id("contact-row").first,
        "contact": page.get_by_test_id("conversation-state"),
        "settings": page.get_by_test_id("opening").first,
        "history": page.get_by_test_id("diff"),
    }[name]


SETTLED = """async () => {
    await new Promise((frame) => requestAnimationFrame(() => requestAnimationFrame(frame)));
    const ending = document.getAnimations().filter(
        (a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity
    );
    await Promise.all(ending.map((a) => a.finished.catch(() => null)));
}"""
"""Waits two frames, for transitions to start, then for every running one that ends (a
spinner's never does)."""


def serious_problems(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page once its transitions end (a
    dialog fading in reads as faint text until it is in). axe is run as the test's own
    script, not added to the page as one: the page's policy lets no inline script in."""
    page.evaluate(SETTLED)
    page.evaluate(f"() => {{ {AXE.read_text()}\n}}")
    found: list[str] = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)"""
    )
    return found


def choose_language(page: Page, locale: str) -> None:
    page.get_by_role("combobox", name=LANGUAGE).select_option(locale)
    expect(page.locator("html")).to_have_attribute("lang", locale)


def visit(page: Page, url: str, name: str, path: str, says: str, shot: str) -> list[str]:
    page.goto(f"{url}/#/{path}")
    expect(ready(page, name)).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(says)
    page.screenshot(path=str(SHOTS / shot), full_page=True)
    return [f"{shot}: {problem}" for problem in serious_problems(page)]


@pytest.mark.slow
def test_every_page_reads_in_each_language_and_passes_axe(
    site: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, contact_id = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.set_viewport_size({"width": 1280, "height": 900})
    problems: list[str] = []
    for locale in LOCALES:
        choose_language(page, locale)
        for name, path, says in pages_of(contact_id):
            problems += visit(page, stack.url, name, path, says[locale], f"{name}-{locale}.png")
        # The queue says why the hot lead got nothing, in the reader's words
        page.goto(f"{stack.url}/#/queue")
        skipped = page.locator('[data-testid="followup-row"][data-status="skipped"]')
        expect(skipped.first).to_contain_text(HOT_LEAD[locale])
    # Times name the lead's zone, in the reader's date format
    expect(page.get_by_test_id("followup-row").first).to_contain_text(
        re.compile(r"\d{1,2} de \w+\.? de \d{4}.*\(\w+/\w+\)")
    )
    # The language chosen is kept across a reload
    page.reload()
    expect(page.get_by_role("link", name="Fila")).to_be_visible()
    assert problems == []
    assert watched.errors == []
    assert watched.missing == []


@pytest.mark.slow
def test_in_bahasa_indonesia_and_portuguese_no_page_shows_the_apps_english_words(
    site: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given the demo, and a rule whose second version changed fields the builder does not
    # show, so that its history names them
    stack, contact_id = site
    assert stack.call("POST", "/api/rules", json=EDITED).status_code == 201
    edited = stack.call("PUT", f"/api/rules/{EDITED['id']}", json={**EDITED, **EDITS})
    assert edited.status_code == 200
    history = ("history", f"rules/{EDITED['id']}", {"id": "Riwayat versi", "pt-BR": "Histórico"})
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.set_viewport_size({"width": 1280, "height": 900})
    found: list[str] = []
    for locale in ("id", "pt-BR"):
        # When a marketer reads every page in Bahasa Indonesia, then in Portuguese
        choose_language(page, locale)
        english = EnglishLeft(locale)
        for name, path, says in [*pages_of(contact_id), history]:
            page.goto(f"{stack.url}/#/{path}")
            expect(ready(page, name)).to_be_visible()
            expect(page.get_by_role("main")).to_contain_text(says[locale])
            page.evaluate(SETTLED)
            for words in page.evaluate(WORDS_SHOWN):
                hits = english.found_in(words)
                found += [f"{name} ({locale}): {hit!r} in {words!r}" for hit in hits]
    # Then no text, list choice or accessible name is one of the app's English messages
    assert found == []
    assert watched.errors == []


@pytest.mark.slow
def test_on_a_390_px_phone_no_page_scrolls_sideways_and_the_menu_reaches_every_page(
    site: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, contact_id = site
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = watched.watch(phone.new_page())
    pages.append(page)
    page.goto(stack.url)
    page.get_by_role("button", name="Sign in as marketing").click()
    expect(page.get_by_role("button", name="Menu")).to_be_visible()
    problems: list[str] = []
    wide: list[str] = []
    for name, path, says in pages_of(contact_id):
        problems += visit(page, stack.url, name, path, says["en"], f"{name}-390.png")
        scroll, width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if scroll > width:
            wide.append(f"{name}: {scroll} px wide in a {width} px window")
    assert wide == []
    # The menu opens, takes the reader to the rules and closes again
    page.goto(f"{stack.url}/#/queue")
    rules_link = page.get_by_role("link", name="Rules")
    expect(rules_link).not_to_be_in_viewport()
    page.get_by_role("button", name="Menu").click()
    rules_link.click()
    expect(page.get_by_test_id("rule-row").first).to_be_visible()
    expect(rules_link).not_to_be_in_viewport()
    assert problems == []
    assert watched.errors == []


@pytest.mark.slow
def test_the_queue_finds_a_lead_by_name_and_filters_by_status(
    site: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, _ = site
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    rows = page.get_by_test_id("followup-row")
    expect(rows.first).to_be_visible()
    # Counts per status sit above the list
    skipped = page.locator('[data-testid="followup-row"][data-status="skipped"]')
    expect(page.get_by_test_id("status-counts")).to_contain_text(f"Skipped: {skipped.count()}")
    # A search by a lead's name keeps only that lead's follow-ups
    # (names come with the contacts: until then a row shows the contact's id)
    expect(rows.get_by_role("link", name=re.compile(r"^ct_"))).to_have_count(0)
    name = rows.first.get_by_role("link").inner_text()
    theirs = rows.filter(has=page.get_by_role("link", name=name, exact=True)).count()
    page.get_by_label("Search by name or number").fill(name)
    expect(rows).to_have_count(theirs)
    # A status filter keeps only that status, and the URL keeps the filter
    page.get_by_label("Search by name or number").fill("")
    page.get_by_label("Status", exact=True).select_option("skipped")
    expect(rows).to_have_count(skipped.count())
    expect(rows.first).to_have_attribute("data-status", "skipped")
    assert "status=skipped" in page.url
    assert watched.errors == []


@pytest.mark.slow
def test_a_filter_changed_while_the_page_draws_the_one_before_keeps_both(
    site: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    stack, _ = site
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    search = page.get_by_label("Search by name or number")
    status = page.get_by_label("Status", exact=True)
    # A slow browser: the router draws a new URL as a transition, cut into slices, so the
    # next input may land before it starts, between its slices or after it (each pause
    # tries another point)
    page.context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": 20})
    for pause in PAUSES_MS:
        page.goto(f"{stack.url}/#/queue?q=Budi")
        expect(search).to_have_value("Budi")
        expect(status).to_have_value("")
        page.evaluate(
            """async ([search, status, pause]) => {
                const put = (field, value) => {
                    const own = Object.getPrototypeOf(field);
                    Object.getOwnPropertyDescriptor(own, "value").set.call(field, value);
                    const kind = field.tagName === "SELECT" ? "change" : "input";
                    field.dispatchEvent(new Event(kind, { bubbles: true }));
                };
                put(search, "");
                if (pause !== null) await new Promise((done) => setTimeout(done, pause));
                put(status, "skipped");
            }""",
            [search.element_handle(), status.element_handle(), pause],
        )
        # Then both changes are kept: the status filter, and no search
        expect(page).to_have_url(re.compile(r"status=skipped"))
        expect(search).to_have_value("")
        assert "q=" not in page.url, f"the cleared search came back after {pause} ms"
    assert watched.errors == []


@pytest.mark.slow
def test_signing_in_with_cognito_takes_a_code_only_the_tab_that_asked_can_exchange(
    site: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given the app deployed with Cognito's hosted UI, which signs people in as marketing
    running, _ = site
    marketing = running.token("marketing")["Authorization"].removeprefix("Bearer ")
    with HostedUi(lambda: marketing, f"{running.url}/") as ui:
        config = {"mode": "cognito", "cognitoDomain": ui.url, "clientId": CLIENT_ID}
        # (the deployment's policy names its hosted UI; the local gateway's names none)
        context = browser.new_context(bypass_csp=True)
        context.route("**/config.json", lambda route: route.fulfill(json=config))
        # And an attacker's links: a code the hosted UI gave for the attacker's own sign-in
        # (its verifier theirs), and a token in the fragment as the implicit flow sent one
        verifier = "the-attackers-own-verifier-of-forty-three-chars"
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        asked = {
            "response_type": "code",
            "client_id": CLIENT_ID,
            "redirect_uri": f"{running.url}/",
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
            "state": "attackers-state",
        }
        _, back = ui.authorize(asked)
        code = parse_qs(urlsplit(back["Location"]).query)["code"][0]
        links = (
            f"{running.url}/?code={code}&state=attackers-state",
            f"{running.url}/#id_token={marketing}",
        )
        for link, says in zip(links, (True, False), strict=True):
            # When a victim opens either in a new tab
            tab = watched.watch(context.new_page())
            pages.append(tab)
            tab.goto(link)
            # Then it signs nobody in, and the code is never exchanged
            expect(tab.get_by_role("button", name="Sign in", exact=True)).to_be_visible()
            unfinished = tab.get_by_role("alert").filter(has_text="Signing in did not finish")
            expect(unfinished).to_have_count(1 if says else 0)
            assert "code=" not in tab.url
        assert (ui.exchanged, ui.refused) == (0, [])
        # When the user signs in from the app
        page = watched.watch(context.new_page())
        pages.append(page)
        page.goto(running.url)
        page.get_by_role("button", name="Sign in", exact=True).click()
        # Then the hosted UI sends them back with a code their tab exchanges, once, and
        # the app opens signed in, with no code nor token left in its address
        expect(page.get_by_role("link", name="Queue")).to_be_visible()
        assert ui.exchanged == 1
        assert "code=" not in page.url
        assert "token" not in page.url
    assert watched.errors == []
