"""The contact page's upcoming steps in a real headless Chromium against `followup dev`: a
journey's first step a counsellor sent by hand is shown as sent by hand, in the reader's
language, not as a step the rule will send; and while the workspace is paused, each send
says the workspace's pause holds it; a scheduled follow-up says since when the lead has
been quiet; and the journey a date rule will begin for the lead says so."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, Running, free_port

TUESDAY_8PM_JAKARTA = "2026-11-24T20:00:00+07:00"
"""Past the rule's send window: a send by hand waits, queued, for 08:00 on Wednesday."""
OFFICE_HOURS = [{"start": "08:00", "end": "17:00"}]
RULE = {
    "id": "e2e-upcoming-by-hand",
    "name": "Nudge and last call",
    "active": True,
    "send_window": {"hours": dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), OFFICE_HOURS)},
    "trigger": {"stages": ["new"], "idle": {"amount": 0, "unit": "minutes"}},
    "steps": [
        {"wait": {"amount": 0, "unit": "minutes"}, "text": "Still there?"},
        {"wait": {"amount": 2, "unit": "hours"}, "text": "Last call"},
    ],
}
BY_HAND = {
    "en": "; the rule will not send it again.",
    "id": "; aturan tidak akan mengirimnya lagi.",
    "pt-BR": "; a regra não vai enviá-lo de novo.",
}
SENT_BY_HAND = {"en": "sent by hand", "id": "dikirim manual", "pt-BR": "enviado manualmente"}
RENEWAL = {
    "id": "e2e-renewal-eve",
    "name": "Renewal eve",
    "active": True,
    "trigger": {
        "kind": "date",
        "attribute": "renewal_date",
        "offset": {"amount": 1, "unit": "days"},
        "before": True,
        "at": "10:00",
    },
    "steps": [{"wait": {"amount": 0, "unit": "minutes"}, "text": "Your plan renews tomorrow"}],
}
BEGINS = {
    "en": "Begins when the lead's date comes round.",
    "id": "Dimulai saat tanggal prospek tiba.",
    "pt-BR": "Começa quando a data do lead chegar.",
}
PAUSED = {
    "en": "Held: sending is paused for the workspace",
    "id": "Ditahan: pengiriman dijeda untuk seluruh workspace",
    "pt-BR": "Retido: o envio está pausado para o espaço de trabalho",
}
NUMBER_PAUSED = {
    "en": "the number it goes from",
    "id": "nomor pengirimnya",
    "pt-BR": "pelo número que o envia",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, str]]:
    """The demo with its rules off, a two-step journey, and a lead who wrote and was sent
    its first step by hand after hours; the tick then enrolled the lead, and queued the
    first step for the demo leads quiet for days whose send window is closed."""
    state = tmp_path_factory.mktemp("upcoming") / "state"
    running = Running(state, free_port(), contacts=6, clock=TUESDAY_8PM_JAKARTA)
    for rule in running.call("GET", "/api/rules").json()["rules"]:
        running.call("POST", f"/api/rules/{rule['id']}/deactivate")
    assert running.call("POST", "/api/rules", json=RULE).status_code == 201
    lead = {"wa_id": "6281199997301", "name": "Sari Manual", "stage": "new"}
    created = running.call("POST", "/api/contacts", json={**lead, "timezone": "Asia/Jakarta"})
    assert created.status_code in (200, 201)
    contact_id = created.json()["id"]
    wrote = {"wa_id": lead["wa_id"], "text": "Is there a scholarship?"}
    reply = httpx.post(f"{running.url}/sandbox/reply", json=wrote, timeout=SAFETY_NET)
    assert reply.status_code == 200
    sent = running.call(
        "POST", f"/api/contacts/{contact_id}/followups", json={"rule_id": RULE["id"]}
    )
    assert sent.status_code == 202
    running.call("POST", "/dev/tick").raise_for_status()
    upcoming = running.call("GET", f"/api/contacts/{contact_id}/upcoming").json()["steps"]
    assert [(s["step"], s["by_hand"]) for s in upcoming] == [(1, True), (2, False)]
    yield running, contact_id
    running.stop()


def upcoming_steps(page: Page, url: str, contact_id: str, locale: str) -> Locator:
    """The steps the contact's page lists to come, read in `locale`."""
    choose_language(page, locale)
    page.goto(f"{url}/#/contacts/{contact_id}")
    return page.get_by_test_id("upcoming").locator("li")


def test_a_step_sent_by_hand_is_shown_so_in_the_contacts_upcoming_steps(
    stack: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, contact_id = stack
    page = sign_in(browser, pages, running.url, "counselor", watched)
    problems: list[str] = []
    for locale in ("en", "id", "pt-BR"):
        # When the contact's page is opened
        steps = upcoming_steps(page, running.url, contact_id, locale)
        # Then the first step says it was sent by hand, and only the last call is to come
        expect(steps).to_have_count(2)
        expect(steps.first).to_contain_text(SENT_BY_HAND[locale])
        expect(steps.first).to_contain_text(BY_HAND[locale])
        expect(steps.nth(1)).not_to_contain_text(SENT_BY_HAND[locale])
        problems += [f"{locale}: {problem}" for problem in serious_problems(page)]
    # And on a phone the list fits the page
    choose_language(page, "en")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{running.url}/#/contacts/{contact_id}")
    expect(page.get_by_test_id("upcoming")).to_contain_text(BY_HAND["en"])
    scroll, width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert scroll <= width
    assert problems == []
    assert watched.errors == []


def test_a_scheduled_follow_up_says_since_when_the_lead_has_been_quiet(
    stack: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a demo lead quiet for days, whose first step the tick queued at 20:00 for
    # Wednesday 08:00, when the journey's send window opens
    running, by_hand = stack
    queue = running.call("GET", "/api/queue?status=queued").json()["followups"]
    [queued, *_] = [f for f in queue if f["contact_id"] != by_hand]
    quiet = datetime.fromisoformat(queued["silence_key"]).astimezone(ZoneInfo(queued["zone"]))
    assert quiet.date() < date(2026, 11, 24)
    # When the contact's page is opened
    page = sign_in(browser, pages, running.url, "counselor", watched)
    page.goto(f"{running.url}/#/contacts/{queued['contact_id']}")
    # Then the scheduled step says since when the lead has been quiet, not when it was queued
    since = f"(quiet since {quiet.day} {quiet:%b %Y, %H:%M} ({queued['zone']}))"
    scheduled = page.get_by_role("listitem").filter(has_text="Nudge and last call: 25 Nov 2026")
    expect(scheduled).to_contain_text(since)
    assert watched.errors == []


def test_the_journey_a_date_rule_will_begin_is_listed_and_says_so(
    stack: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a reminder the day before a renewal, at 10:00, and a customer renewing on
    # Thursday (it is Tuesday evening), a paid one the nudge leaves alone
    running, _ = stack
    assert running.call("POST", "/api/rules", json=RENEWAL).status_code == 201
    lead = {"wa_id": "6281199997302", "name": "Rina Renewal", "stage": "paid"}
    created = running.call(
        "POST", "/api/contacts", json={**lead, "attributes": {"renewal_date": "2026-11-26"}}
    )
    assert created.status_code == 201
    page = sign_in(browser, pages, running.url, "counselor", watched)
    for locale in ("en", "id", "pt-BR"):
        # When her page is opened
        step = upcoming_steps(page, running.url, created.json()["id"], locale)
        # Then the reminder is listed for Wednesday 10:00, as a journey still to begin
        expect(step).to_have_count(1)
        expect(step).to_contain_text("Renewal eve")
        expect(step).to_contain_text(re.compile(r"\b10[:.]00\b"))
        expect(step).to_contain_text(BEGINS[locale])
    assert watched.errors == []


def test_while_sending_is_paused_each_upcoming_send_says_it_is_held(
    stack: tuple[Running, str], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given an admin paused sending
    running, contact_id = stack
    settings = running.call("GET", "/api/settings").json()
    assert running.call("PUT", "/api/settings", json={**settings, "paused": True}).is_success
    page = sign_in(browser, pages, running.url, "counselor", watched)
    for locale in ("en", "id", "pt-BR"):
        # When the contact's page is opened
        steps = upcoming_steps(page, running.url, contact_id, locale)
        # Then both sends to come say the workspace holds them, not the number they go from
        expect(steps).to_have_count(2)
        for step in (steps.first, steps.nth(1)):
            expect(step).to_contain_text(PAUSED[locale])
            expect(step).not_to_contain_text(NUMBER_PAUSED[locale])
    assert serious_problems(page) == []
    assert watched.errors == []
