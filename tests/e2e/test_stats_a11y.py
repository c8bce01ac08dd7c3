"""The Stats page proves a rule works: KPIs now, a date range checked before it is asked,
each journey's funnel per step, a CSV of what is shown, what each channel cost, and a
retry after a failed load; Settings shows each number's messaging-limit use and pacing;
the main flows work with the keyboard alone; the sandbox page passes axe, fits a 390 px
phone and explains itself when empty."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.support.browser import Watched, sign_in, type_day
from tests.support.devstack import FRIDAY, SAFETY_NET, Running, eventually, free_port

STANDBY = Path(__file__).resolve().parents[2] / "events" / "whatsapp" / "standby.json"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The demo after one tick: its rules sent to the quiet leads."""
    running = Running(
        tmp_path_factory.mktemp("stats") / "state", free_port(), contacts=8, clock=FRIDAY
    )
    httpx.post(f"{running.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    settled(running)
    yield running
    running.stop()


def settled(running: Running) -> None:
    """Wait until the sender took what the tick handed it: the queue and the sends stay
    the same over two reads a second apart, so the page and the API read the same."""
    last: list[object] = []

    def same() -> bool:
        stats = running.call("GET", "/api/stats").json()
        now = [stats["queue_now"], stats["sends"]]
        if now == last:
            return True
        last[:] = now
        time.sleep(1)
        return False

    eventually(same)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """The demo before its first tick: nothing sent, no chat in the sandbox."""
    running = Running(
        tmp_path_factory.mktemp("fresh") / "state", free_port(), contacts=8, clock=FRIDAY
    )
    yield running
    running.stop()


def open_stats(page: Page, url: str) -> None:
    page.goto(f"{url}/#/stats")
    expect(page.get_by_test_id("stats-total")).to_be_visible()
    # every rule together heads the table, whatever the rules are called
    expect(page.locator("tbody tr").first).to_have_attribute("data-testid", "stats-total")


@pytest.mark.slow
def test_stats_in_indonesian_read_a_range_a_journeys_funnel_and_export_a_csv(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing reading the stats in Bahasa Indonesia
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "id")
    open_stats(page, stack.url)
    stats = stack.call("GET", "/api/stats").json()
    # Then the queue now and the send success rate lead the page, with their counts
    expect(page.get_by_test_id("kpi-queue")).to_contain_text(str(stats["queue_now"]))
    sends = stats["sends"]
    expect(page.get_by_test_id("kpi-success")).to_contain_text(
        f"{sends['sent']} terkirim, {sends['failed']} gagal"
    )
    # And every rule is listed by its name, the rates beside their counts
    for rule in stack.call("GET", "/api/rules").json()["rules"]:
        row = page.locator(f'[data-testid="stats-row"][data-id="{rule["id"]}"]')
        expect(row).to_contain_text(rule["name"])
    busiest = max(stats["rules"], key=lambda r: r["sent"])
    assert busiest["sent"] > 0
    row = page.locator(f'[data-testid="stats-row"][data-id="{busiest["rule_id"]}"]')
    expect(row.locator('[data-col="sent"]')).to_have_text(str(busiest["sent"]))
    expect(row.locator('[data-col="responded"]')).to_contain_text(f"({busiest['responded']})")
    # And a rule with so few sends says it is too early to judge instead of a flag
    expect(row.get_by_test_id("too-few")).to_contain_text("terlalu sedikit")
    # And one that sent nothing has no rates, not rates of 0 %
    silent = next(r for r in stats["rules"] if r["sent"] == 0)
    unsent = page.locator(f'[data-testid="stats-row"][data-id="{silent["rule_id"]}"]')
    expect(unsent.locator('[data-col="responded"]')).to_have_text("– (0)")
    expect(unsent.locator('[data-col="opted_out"]')).to_have_text("– (0)")

    # When the range ends before it starts, the field says so and nothing is asked
    today = date.fromisoformat(stats["to"])
    start, end = page.get_by_label("Dari", exact=True), page.get_by_label("Hingga", exact=True)
    type_day(start, f"{today:%d/%m/%Y}")
    type_day(end, f"{today - timedelta(days=1):%d/%m/%Y}")
    expect(end).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Tanggal akhir harus sama atau setelah tanggal mulai.")).to_be_visible()
    # When it is today alone, the page reads today's stats
    type_day(end, f"{today:%d/%m/%Y}")
    expect(end).not_to_have_attribute("aria-invalid", "true")
    expect(page).to_have_url(re.compile(f"from={today}&to={today}"))
    expect(row.locator('[data-col="sent"]')).to_have_text(str(busiest["sent"]))

    # When marketing opens the rule, its funnel and each step show
    page.get_by_role("button", name=busiest["name"]).click()
    journey = stack.call(
        "GET", f"/api/rules/{busiest['rule_id']}/stats?from={today}&to={today}"
    ).json()
    expect(page.get_by_test_id("journey-funnel")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(f"Terkirim {journey['sent']}"))).to_be_visible()
    steps = page.locator(f'[data-testid="journey-steps"][data-id="{busiest["rule_id"]}"]')
    first = steps.locator('[data-testid="step-row"][data-step="0"]')
    expect(first.locator('[data-col="sent"]')).to_have_text(str(journey["steps"][0]["sent"]))
    expect(first.locator('[data-col="opted_out"]')).to_have_text(
        str(journey["steps"][0]["opted_out"])
    )

    # When marketing downloads the CSV, it holds the table as shown, in Indonesian
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh CSV", exact=True).click()
    saved = Path(download.value.path()).read_text(encoding="utf-8")
    assert saved.startswith("\ufeff")  # marked UTF-8, for Excel
    lines = saved.removeprefix("\ufeff").splitlines()
    assert lines[0].startswith("Aturan,Terkirim,Dibalas,Tingkat balasan")
    assert len(lines) == 1 + 1 + len(stats["rules"])
    assert lines[1].startswith(f"Semua aturan,{stats['total']['sent']},")  # every rule first
    assert any(line.startswith(f"{busiest['name']},{busiest['sent']},") for line in lines)
    assert any(line.startswith(f"{silent['name']},0,0,,0,,0,") for line in lines)  # no rates
    # And the journey's own CSV has a line per step and the total
    with page.expect_download() as download:
        page.get_by_role("button", name=f"Unduh CSV {busiest['name']}").click()
    steps_csv = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert len(steps_csv) == 1 + len(journey["steps"]) + 1
    assert steps_csv[1].startswith("1. Kirim pesan,")  # the step's kind in Indonesian too
    assert steps_csv[-1].startswith(f"Perjalanan,{journey['active']},{journey['entered']},")
    assert serious_problems(page) == []
    assert watched.errors == []


@pytest.mark.slow
def test_the_per_day_chart_draws_every_day_of_the_period_those_without_sends_too(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a week in which the demo sent on its last day alone
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    open_stats(page, stack.url)
    stats = stack.call("GET", "/api/stats").json()
    first, last = date.fromisoformat(stats["from"]), date.fromisoformat(stats["to"])
    week = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    assert {d["day"] for d in stats["days"] if d.get("sent")} == {last.isoformat()}
    # Then the chart has a place for each of its seven days, in order
    chart = page.get_by_role("img", name="Sent per day, and how many of those got a reply")
    days = chart.locator(".recharts-xAxis .recharts-cartesian-axis-tick-value")
    expect(days).to_have_text([f"{day.day} {day:%b}" for day in week])
    assert watched.errors == []


@pytest.mark.slow
def test_a_failed_load_says_so_and_try_again_brings_the_stats(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given the stats API failing
    page = sign_in(browser, pages, stack.url, "marketing", watched)

    def failing(route: Route) -> None:
        route.fulfill(status=503, content_type="application/json", body='{"error": {}}')

    page.route(re.compile(r"/api/stats(\?|$)"), failing)
    page.goto(f"{stack.url}/#/stats")
    # Then the page says what happened in plain words, with a retry
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("503")
    # When the API is back and the user tries again, the stats show
    page.unroute(re.compile(r"/api/stats(\?|$)"))
    alert.get_by_role("button", name="Try again").click()
    expect(page.get_by_test_id("stats-total")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert [e for e in watched.errors if "503" not in e] == []


@pytest.mark.slow
def test_a_page_the_role_may_not_read_says_so_without_offering_to_try_again(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given marketing opening the audit log, an admin's page, by its address
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    page.goto(f"{stack.url}/#/audit")
    # Then the page says the role may not, and offers no retry that would be refused again
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your role may not do this.")
    expect(alert.get_by_role("button", name="Try again")).to_have_count(0)
    assert [e for e in watched.errors if "403" not in e] == []


@pytest.mark.slow
def test_a_gateway_error_page_instead_of_json_still_says_its_status(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a gateway in front of the API answering with its own HTML error page
    page = sign_in(browser, pages, stack.url, "marketing", watched)

    def gateway_down(route: Route) -> None:
        route.fulfill(status=502, content_type="text/html", body="<html>Bad Gateway</html>")

    page.route(re.compile(r"/api/stats(\?|$)"), gateway_down)
    page.goto(f"{stack.url}/#/stats")
    # Then the page names the status it got, not an unknown one
    expect(page.get_by_role("alert")).to_contain_text("(502)")
    assert [e for e in watched.errors if "502" not in e] == []


@pytest.mark.slow
def test_each_number_shows_its_messaging_limit_use_and_pacing(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Before WhatsApp reported on it, the configured number shows its pace and the limit
    page = sign_in(browser, pages, stack.url, "admin", watched)
    page.goto(f"{stack.url}/#/settings")
    listed = stack.call("GET", "/api/numbers").json()
    limit = listed["messaging_limit"]
    allowance = limit["allowance"]
    use = re.compile(rf"^(\d+) of {allowance} new leads in 24 h \(tier {limit['tier']}\)$")
    row = page.get_by_test_id("number-row").first
    expect(row.get_by_test_id("limit-use")).to_have_text(use)
    expect(row.get_by_test_id("number-default")).to_have_text("Default number")
    expect(row).to_contain_text("No report from WhatsApp yet")
    rate = listed["numbers"][0]["sends_per_second"]
    expect(row.get_by_test_id("pace")).to_have_text(f"{rate} messages a second at most")
    # Given a number that reported (a takeover by Meta's agent, then resumed)
    secret = (stack.state / "webhook-secret").read_text().strip()
    httpx.post(
        f"{stack.url}/webhooks/whatsapp/{secret}",
        content=STANDBY.read_bytes(),
        headers={"Content-Type": "application/json"},
        timeout=SAFETY_NET,
    ).raise_for_status()
    page.reload()
    expect(row.get_by_test_id("pacing")).to_have_text("Paused: nothing goes from this number")
    expect(page.get_by_test_id("number-row")).to_have_count(1)  # the report names it: listed once
    row.get_by_role("button", name="Resume number").click()
    # Then its row shows the limit's use against the allowance, and how it paces
    expect(row.get_by_test_id("limit-use")).to_have_text(use)
    shown = use.match(row.get_by_test_id("limit-use").inner_text())
    assert shown is not None
    reached = int(shown.group(1))
    assert 0 < reached <= stack.call("GET", "/api/numbers").json()["messaging_limit"]["reached"]
    expect(row.get_by_role("progressbar")).to_have_attribute(
        "aria-valuenow", str(int(100 * reached / allowance + 0.5))
    )
    expect(row.get_by_test_id("pacing")).to_have_text(
        f"Sending: {allowance - reached} more new leads before the limit"
    )
    expect(row).to_contain_text(f"Shared by every number of portfolio {limit['portfolio']}")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(row.get_by_test_id("limit-use")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert serious_problems(page) == []
    assert watched.errors == []


def tab_to(page: Page, role: str, name: str, limit: int = 80) -> None:
    """Press Tab until the focused element is `role` named `name`."""
    target = page.get_by_role(role, name=name, exact=True).first  # type: ignore[arg-type]
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"Tab never reached the {role} {name!r}")


@pytest.mark.slow
def test_the_main_flows_work_with_the_keyboard_alone(
    fresh: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    page = watched.watch(browser.new_context().new_page())
    pages.append(page)
    page.goto(fresh.url)
    # Sign in
    tab_to(page, "button", "Sign in as marketing")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Queue")).to_be_visible()
    # Navigation: the Rules tab, then back to the Queue
    tab_to(page, "link", "Rules")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#/rules$"))
    tab_to(page, "link", "Queue")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("#/queue"))
    # The queue's status filter, moved by arrow keys once focused with Tab
    tab_to(page, "combobox", "Status")
    status = page.get_by_role("combobox", name="Status", exact=True)
    expect(status).to_have_value("")
    page.keyboard.press("ArrowDown")  # "Any status" is first, "Queued" next
    expect(status).to_have_value("queued")
    expect(page).to_have_url(re.compile("status=queued"))
    # The rule editor: open a rule, rename it, save with Enter
    tab_to(page, "link", "Rules")
    page.keyboard.press("Enter")
    first = fresh.call("GET", "/api/rules").json()["rules"][0]
    tab_to(page, "button", "Edit")
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(f"#/rules/{first['id']}$"))
    tab_to(page, "textbox", "Name")
    page.keyboard.press("End")
    page.keyboard.type(" (keyboard)")
    tab_to(page, "button", "Save")
    page.keyboard.press("Enter")
    # Then it is saved as a new version, and the list shows the new name
    expect(page).to_have_url(re.compile("#/rules$"))
    expect(page.get_by_text(f"{first['name']} (keyboard)", exact=True).first).to_be_visible()
    saved = fresh.call("GET", f"/api/rules/{first['id']}").json()
    renamed = f"{first['name']} (keyboard)"
    assert (saved["name"], saved["version"]) == (renamed, first["version"] + 1)
    assert watched.errors == []


@pytest.mark.slow
def test_the_sandbox_explains_itself_passes_axe_and_fits_a_phone(
    fresh: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = watched.watch(phone.new_page())
    pages.append(page)
    # Before any send, the page says what it is for and why it is empty
    page.goto(f"{fresh.url}/sandbox")
    hint = page.get_by_test_id("sandbox-hint")
    expect(hint).to_contain_text("No lead has a chat yet")
    expect(page.get_by_test_id("outbox")).to_contain_text("No SMS or email yet")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert serious_problems(page) == []
    # Once a tick sent follow-ups, a lead's chat opens and takes a reply on the phone
    httpx.post(f"{fresh.url}/dev/tick", timeout=SAFETY_NET).raise_for_status()
    chat = page.locator("button[data-wa-id]").first
    expect(chat).to_be_visible()
    chat.click()
    page.get_by_label("Reply as the lead").fill("Oke, terima kasih")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#conversation .lead").last).to_contain_text("terima kasih")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert serious_problems(page) == []
    assert watched.errors == []


SMS_RULE = {
    "id": "sms-nudge",
    "name": "SMS nudge",
    "active": True,
    "steps": [
        {
            "wait": {"amount": 0, "unit": "minutes"},
            "channel": "sms",
            "text": "Hi {first_name|there}, your place is still open.",
        }
    ],
}


@pytest.mark.slow
def test_a_rule_that_sends_by_sms_shows_what_each_channel_cost(
    stack: Running, browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a rule whose message goes by SMS, sent by hand to the leads it takes
    [first, *_] = stack.call("GET", "/api/rules").json()["rules"]
    trigger = stack.call("GET", f"/api/rules/{first['id']}").json()["trigger"]
    created = stack.call("POST", "/api/rules", json={**SMS_RULE, "trigger": trigger})
    assert created.status_code == 201, created.text
    send = {"rule_id": "sms-nudge"}
    for contact in stack.call("GET", "/api/contacts").json()["contacts"]:
        stack.call("POST", f"/api/contacts/{contact['id']}/followups", json=send)

    # When SNS took one and the stats counted it
    def sms_cost() -> dict[str, float] | None:
        stats = stack.call("GET", "/api/stats").json()
        row = next(r for r in stats["rules"] if r["rule_id"] == "sms-nudge")
        return row["messaging_cost_by_channel"] if row["messaging_cost_by_channel"]["sms"] else None

    settled(stack)
    split = eventually(sms_cost)
    shown = f"{split['sms']:.2f}" if split["sms"] >= 0.01 else f"{split['sms']:.4f}"
    # Then the Stats page shows under the rule's messaging cost what the SMS cost
    page = sign_in(browser, pages, stack.url, "marketing", watched)
    choose_language(page, "en")
    open_stats(page, stack.url)
    row = page.locator('[data-testid="stats-row"][data-id="sms-nudge"]')
    by_channel = row.get_by_test_id("cost-by-channel")
    expect(by_channel).to_have_text(re.compile(rf"^SMS (US)?\${re.escape(shown)}$"))
    # And the CSV has a column for each channel's cost
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV", exact=True).click()
    header = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()[0]
    assert "Messaging cost,WhatsApp cost,SMS cost,Email cost," in header
    assert watched.errors == []
