"""The journey builder's preview in a real headless Chromium against `followup dev`: the
leads a rule would leave out are listed by name with why (a hot lead, one a counsellor
sent the message by hand), those a new number's warm-up puts off say so, a date rule
lists whom its date reaches in the next day, and turning on one whose date reaches more
than the mass-send limit on one day asks for confirmation saying how many on which day,
in the reader's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import Running, free_port

RULE = {
    "id": "e2e-preview",
    "name": "Preview nudge",
    "active": False,
    "trigger": {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}},
    "steps": [
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "text": "Hi {first_name|there}, still thinking about applying?",
        }
    ],
}
HOT_LEAD = {
    "en": "Hot lead: left to the counsellor",
    "id": "Prospek panas: diserahkan ke konselor",
    "pt-BR": "Lead quente: deixado para o consultor",
}
TWO_PARAMS = [
    {"field": "first_name", "default": "there"},
    {"field": "attributes.program", "default": "our programs"},
]
"""What the demo's templates take (the sandbox refuses a send with another count)."""
WARM_RULE = {
    "id": "e2e-warm-up",
    "name": "Interview invite",
    "active": False,
    "trigger": {"stages": ["qualified"], "idle": {"amount": 0, "unit": "minutes"}},
    "steps": [
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "template": {"name": "interview_invite", "language": "en", "params": TWO_PARAMS},
        }
    ],
}
WARMING_UP = {
    "en": "put off to a later day",
    "id": "ditunda ke hari lain",
    "pt-BR": "adiado para outro dia",
}
BY_HAND_RULE = {**WARM_RULE, "id": "e2e-by-hand", "name": "Nudge by hand"}
BY_HAND_RULE["trigger"] = {"stages": ["new"], "idle": {"amount": 1, "unit": "hours"}}
SENT_BY_HAND = {
    "en": "A counsellor already sent or queued this message by hand",
    "id": "Konselor sudah mengirim atau menjadwalkan pesan ini secara manual",
    "pt-BR": "Um consultor já enviou ou agendou esta mensagem manualmente",
}
PREVIEW_BUTTON = {"en": "Preview", "id": "Pratinjau", "pt-BR": "Pré-visualizar"}
DATE_RULE = {
    **WARM_RULE,
    "id": "e2e-renewal",
    "name": "Renewal reminder",
    "trigger": {"kind": "date", "attribute": "renewal_at"},
}
WELCOME_RULE = {
    **WARM_RULE,
    "id": "e2e-welcome",
    "name": "Welcome",
    "trigger": {"kind": "stage_entered", "stages": ["applied"]},
}
WHEN_IT_HAPPENS = {
    "en": "This rule messages a lead when its trigger happens to them",
    "id": "Aturan ini mengirim pesan ke prospek saat pemicunya terjadi",
    "pt-BR": "Esta regra envia mensagem a um lead quando o gatilho acontece com ele",
}
NO_ONE_NOW = {
    "en": "Would message no one now (a date already past is not replayed), 0 in the next hour "
    "and 22 in the next day",
    "id": "Tidak akan mengirim ke siapa pun sekarang (tanggal yang sudah lewat tidak diulang), "
    "0 dalam satu jam ke depan dan 22 dalam sehari ke depan",
    "pt-BR": "Não enviaria para ninguém agora (uma data que já passou não é repetida), 0 na "
    "próxima hora e 22 no próximo dia",
}
TWO_MORE = {"en": "…and 2 more.", "id": "…dan 2 lainnya.", "pt-BR": "…e mais 2."}
BUSIEST = {
    "en": r"The most it messages on one day: {n} leads, on {d} \S+ {y}\.",
    "id": r"Paling banyak dalam satu hari: {n} prospek, pada {d} \S+ {y}\.",
    "pt-BR": r"O máximo que envia num só dia: {n} leads, em {d} de \S+ de {y}\.",
}
CLASS_RULE = {
    **WARM_RULE,
    "id": "e2e-class",
    "name": "Class reminder",
    "trigger": {"kind": "date", "attribute": "class_start", "at": "09:00"},
}
SWITCH = {"en": "Active: ", "id": "Aktif: ", "pt-BR": "Ativa: "}
CROWD = {
    "en": r"Turning this on would message 3 leads on {d} \S+ {y}, when their class_start "
    r"comes round \(the limit is 2\)\. Mass sends get WhatsApp numbers banned\.",
    "id": r"Mengaktifkan ini akan mengirim pesan ke 3 prospek pada {d} \S+ {y}, saat "
    r"class_start mereka tiba \(batasnya 2\)\. Pengiriman massal membuat nomor WhatsApp "
    r"diblokir\.",
    "pt-BR": r"Ativar isto enviaria mensagens a 3 leads em {d} de \S+ de {y}, quando chegar o "
    r"class_start deles \(o limite é 2\)\. Envios em massa fazem números de WhatsApp "
    r"serem banidos\.",
}
BUTTONS = {
    "en": ("Activate anyway", "Cancel"),
    "id": ("Tetap aktifkan", "Batal"),
    "pt-BR": ("Ativar mesmo assim", "Cancelar"),
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The demo with its rules off, a rule to preview and a hot lead it would find."""
    running = Running(tmp_path_factory.mktemp("preview") / "state", free_port(), contacts=4)
    for rule in running.call("GET", "/api/rules").json()["rules"]:
        running.call("POST", f"/api/rules/{rule['id']}/deactivate")
    assert running.call("POST", "/api/rules", json=RULE).status_code == 201
    lead = {"wa_id": "6281199997001", "name": "Hana Hot", "stage": "new", "score": "hot"}
    created = running.call("POST", "/api/contacts", json={**lead, "timezone": "Asia/Jakarta"})
    assert created.status_code in (200, 201)
    yield running
    running.stop()


def preview(page: Page, url: str, locale: str, rule_id: str = str(RULE["id"])) -> None:
    """Open the rule in the builder and ask for its preview."""
    page.goto(f"{url}/#/rules/{rule_id}")
    expect(page.locator(".editor")).to_be_visible()
    page.locator(".editor").get_by_role("button", name=PREVIEW_BUTTON[locale]).click()


def test_the_preview_lists_who_is_left_out_and_why_in_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    problems: list[str] = []
    for locale in ("en", "id", "pt-BR"):
        choose_language(page, locale)
        # When the rule is previewed
        preview(page, stack.url, locale)
        # Then the hot lead is listed as left out, by name, with why in words
        left_out = page.get_by_test_id("preview-excluded")
        expect(left_out).to_be_visible()
        expect(page.get_by_test_id("preview-excluded-sample")).to_contain_text(
            f"Hana Hot: {HOT_LEAD[locale]}"
        )
        expect(left_out).not_to_contain_text("hot_contact")
        problems += [f"{locale}: {problem}" for problem in serious_problems(page)]
    # And on a phone the list fits the page
    choose_language(page, "en")
    page.set_viewport_size({"width": 390, "height": 844})
    preview(page, stack.url, "en")
    expect(page.get_by_test_id("preview-excluded")).to_contain_text("Hot lead")
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= width
    assert problems == []
    assert watched.errors == []


def test_the_preview_says_in_words_which_sends_a_new_numbers_warm_up_puts_off(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a number warming up today, allowed one business-initiated send, and a template
    # rule for two leads who never wrote (their window is closed)
    settings = stack.call("GET", "/api/settings").json()
    today = datetime.now(ZoneInfo(settings["timezone"])).date().isoformat()
    settings["messaging_limit"]["warm_up"] = {"started_on": today, "schedule": [1]}
    assert stack.call("PUT", "/api/settings", json=settings).status_code == 200
    assert stack.call("POST", "/api/rules", json=WARM_RULE).status_code == 201
    for n in range(2):
        lead = {"wa_id": f"628119999710{n}", "name": f"Qualified {n}", "stage": "qualified"}
        assert stack.call("POST", "/api/contacts", json=lead).status_code in (200, 201)
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    for locale in ("en", "id", "pt-BR"):
        choose_language(page, locale)
        # When the rule is previewed
        preview(page, stack.url, locale, str(WARM_RULE["id"]))
        # Then a send past the day's cap says in words that it waits for a later day
        expect(page.get_by_test_id("preview")).to_contain_text(WARMING_UP[locale])
        expect(page.get_by_test_id("preview")).not_to_contain_text("warm_up")
    assert watched.errors == []


def test_the_preview_leaves_out_a_lead_sent_the_message_by_hand_in_words(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead a counsellor sent the rule's message by hand while it was on, the rule
    # turned off since (send now takes only a rule that is on)
    on = {**BY_HAND_RULE, "active": True}
    assert stack.call("POST", "/api/rules", json=on).status_code == 201
    lead = {"wa_id": "6281199997201", "name": "Budi Manual", "stage": "new"}
    created = stack.call("POST", "/api/contacts", json=lead)
    assert created.status_code in (200, 201)
    sent = stack.call(
        "POST",
        f"/api/contacts/{created.json()['id']}/followups",
        json={"rule_id": BY_HAND_RULE["id"]},
    )
    assert sent.status_code == 202
    off = stack.call("POST", f"/api/rules/{BY_HAND_RULE['id']}/deactivate")
    assert off.status_code == 200
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    for locale in ("en", "id", "pt-BR"):
        choose_language(page, locale)
        # When the rule is previewed
        preview(page, stack.url, locale, str(BY_HAND_RULE["id"]))
        # Then that lead is listed as left out, with why in words
        expect(page.get_by_test_id("preview-excluded-sample")).to_contain_text(
            f"Budi Manual: {SENT_BY_HAND[locale]}"
        )
        expect(page.get_by_test_id("preview-excluded")).not_to_contain_text("sent_by_hand")
    assert watched.errors == []


def test_a_date_rules_preview_lists_whom_the_date_reaches_and_others_wait_for_their_trigger(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a renewal reminder and a welcome on entering "applied", both off, a customer
    # whose renewal comes in three hours, and 21 more renewing an hour after her
    assert stack.call("POST", "/api/rules", json=DATE_RULE).status_code == 201
    assert stack.call("POST", "/api/rules", json=WELCOME_RULE).status_code == 201
    zone = ZoneInfo(stack.call("GET", "/api/settings").json()["timezone"])
    soon_at = datetime.now(ZoneInfo("Asia/Jakarta")) + timedelta(hours=3)
    soon = soon_at.isoformat()
    lead = {"wa_id": "6281199997301", "name": "Rina Renewal", "attributes": {"renewal_at": soon}}
    assert stack.call("POST", "/api/contacts", json=lead).status_code in (200, 201)
    later_at = soon_at + timedelta(hours=1)
    later = later_at.isoformat()
    for n in range(21):
        more = {"wa_id": f"62811999974{n:02d}", "name": f"Renewing {n}"}
        created = stack.call(
            "POST", "/api/contacts", json={**more, "attributes": {"renewal_at": later}}
        )
        assert created.status_code in (200, 201)
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    for locale in ("en", "id", "pt-BR"):
        choose_language(page, locale)
        # When the rule is previewed
        preview(page, stack.url, locale, str(DATE_RULE["id"]))
        # Then it says no one is messaged now and 22 in the next day, lists twenty of them
        # by name (her too, unless a warm-up cap put her off with the others), and counts
        # the two past those
        shown = page.get_by_test_id("preview")
        expect(shown).to_contain_text(NO_ONE_NOW[locale])
        listed = shown.get_by_role("listitem").filter(has_text=re.compile("^(Rina )?Renew"))
        expect(listed).to_have_count(20)
        expect(page.get_by_test_id("preview-more")).to_have_text(TWO_MORE[locale])
        expect(page.get_by_test_id("preview-incomplete")).to_have_count(0)
        # And names its busiest day to come: the 21's, in the workspace's calendar (with her
        # when her day is theirs)
        day = later_at.astimezone(zone).date()
        crowd = 22 if soon_at.astimezone(zone).date() == day else 21
        said = BUSIEST[locale].format(n=crowd, d=day.day, y=day.year)
        expect(page.get_by_test_id("preview-busiest")).to_have_text(re.compile(said))
        # And a rule on a stage entered says it waits for it, with no count or cost
        preview(page, stack.url, locale, str(WELCOME_RULE["id"]))
        expect(page.get_by_test_id("preview-on-occurrence")).to_contain_text(
            WHEN_IT_HAPPENS[locale]
        )
        expect(page.get_by_test_id("preview-cost")).to_have_count(0)
    assert watched.errors == []


def test_turning_on_a_date_rule_that_reaches_a_crowd_on_one_day_says_how_many_on_which_day(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a mass-send limit of two, a class reminder that is off, and three students
    # whose class starts on the same day, ten days on
    settings = stack.call("GET", "/api/settings").json()
    assert stack.call("PUT", "/api/settings", json=settings | {"mass_send_limit": 2}).is_success
    assert stack.call("POST", "/api/rules", json=CLASS_RULE).status_code == 201
    starts = datetime.now(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=10)
    for n in range(3):
        student = {"wa_id": f"62811999975{n:02d}", "attributes": {"class_start": str(starts)}}
        assert stack.call("POST", "/api/contacts", json=student).status_code in (200, 201)
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    for locale in ("en", "id", "pt-BR"):
        choose_language(page, locale)
        page.goto(f"{stack.url}/#/rules")
        # When they switch it on
        page.get_by_role("checkbox", name=f"{SWITCH[locale]}{CLASS_RULE['name']}").click()
        # Then they are asked to confirm, told in their language how many it would message
        # on which day, the day in their language's words
        asked = page.get_by_role("alertdialog")
        said = CROWD[locale].format(d=starts.day, y=starts.year)
        expect(asked).to_contain_text(re.compile(said))
        expect(asked).not_to_contain_text(str(starts))
        asked.get_by_role("button", name=BUTTONS[locale][1]).click()
        expect(asked).to_have_count(0)
    assert not stack.call("GET", f"/api/rules/{CLASS_RULE['id']}").json()["active"]
    # And confirming turns it on
    page.get_by_role("checkbox", name=f"{SWITCH['pt-BR']}{CLASS_RULE['name']}").click()
    page.get_by_role("alertdialog").get_by_role("button", name=BUTTONS["pt-BR"][0]).click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert stack.call("GET", f"/api/rules/{CLASS_RULE['id']}").json()["active"]
    assert [e for e in watched.errors if "status of 409" not in e] == []  # the refusals
