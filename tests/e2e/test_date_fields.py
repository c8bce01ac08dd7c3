"""Date fields follow the language chosen in the app, not the browser's: in Bahasa
Indonesia and Português (Brasil) the day comes first and the calendar names the months in
that language, even in an English browser. A day typed with the keyboard filters the queue
exactly as the API's from/to do (from the day's own midnight, also where the clocks change before
UTC's), a field empties again, and a custom holiday is saved and
shown back."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, Request, expect

from tests.e2e.test_app_pages import choose_language, serious_problems
from tests.e2e.test_queue_details import fits_a_phone
from tests.support.browser import Watched, sign_in, type_day
from tests.support.devstack import AdminApi, Running, queued_on_friday

SATURDAY = {"from": "2026-12-04T17:00:00Z", "to": "2026-12-05T16:59:59Z"}
"""Saturday 5 December in Jakarta, as the API's from/to."""


@dataclass(frozen=True)
class Words:
    locale: str
    send_from: str
    send_to: str
    typed: str
    """Saturday 5 December as the reader types it: the day first."""
    month: str
    """The calendar's heading for December 2026."""
    day: str
    """Saturday 5 December, as the calendar names it."""
    weekdays: list[str]
    """The calendar's weekday row, from the week's first day in that country."""
    clear: str


INDONESIAN = Words(
    locale="id",
    send_from="Waktu kirim dari (hari)",
    send_to="Waktu kirim sampai (hari)",
    typed="05/12/2026",
    month="Desember 2026",
    day="5 Desember 2026",
    weekdays=["Sn", "Sl", "Rb", "Km", "Jm", "Sb", "Mg"],
    clear="Kosongkan “Waktu kirim sampai (hari)”",
)
PORTUGUESE = Words(
    locale="pt-BR",
    send_from="Envio a partir de (dia)",
    send_to="Envio até (dia)",
    typed="05/12/2026",
    month="dezembro 2026",
    day="5 de dezembro de 2026",
    weekdays=["Do", "2ª", "3ª", "4ª", "5ª", "6ª", "Sá"],
    clear="Limpar “Envio até (dia)”",
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    """The demo after one tick on a Friday evening, and two leads sent the open-day
    invitation by hand: theirs go on Saturday in Jakarta, the demo's on Friday."""
    state = tmp_path_factory.mktemp("dates") / "state"
    leads = [
        ("628117770100", "Dewi Tanggal", "Asia/Jakarta"),
        ("628117770101", "Kenji Hizuke", "Asia/Tokyo"),
    ]
    with queued_on_friday(state, 8, leads) as started:
        yield started


def english_browser(page: Page) -> None:
    """The browser itself speaks English: whatever the fields show comes from the app."""
    assert page.evaluate("navigator.language").startswith("en")


def rows_range(request: Request) -> dict[str, str] | None:
    """The from/to of a request for the queue's rows, as the API reads them (None for any
    other request, such as one for the counts alone, which a live change sends at any
    moment)."""
    query = parse_qs(urlsplit(request.url).query)
    if urlsplit(request.url).path != "/api/queue" or "from" not in query:
        return None
    if query.get("limit") == ["1"]:
        return None
    return {"from": query["from"][0], "to": query["to"][0]}


def range_is(expected: dict[str, str], request: Request) -> bool:
    return rows_range(request) == expected


def ranges_asked(asked: list[Request]) -> list[dict[str, str]]:
    """The from/to of each request the page made for the queue's rows."""
    return [found for found in map(rows_range, asked) if found is not None]


@pytest.mark.slow
@pytest.mark.parametrize("words", [INDONESIAN, PORTUGUESE], ids=["id", "pt-BR"])
def test_the_queue_s_days_read_day_first_in_the_chosen_language_and_filter_as_before(
    words: Words,
    stack: tuple[Running, AdminApi],
    browser: Browser,
    pages: list[Page],
    watched: Watched,
) -> None:
    running, api = stack
    everything = api("GET", "/api/queue?limit=200")["followups"]
    saturday = api("GET", f"/api/queue?limit=200&from={SATURDAY['from']}&to={SATURDAY['to']}")
    expected = sorted(f["id"] for f in saturday["followups"])
    assert 0 < len(expected) < len(everything)
    # Given a counsellor in an English browser who chose the app's language
    page = sign_in(browser, pages, running.url, "marketing", watched)
    english_browser(page)
    choose_language(page, words.locale)
    rows = page.get_by_test_id("followup-row")
    expect(rows).to_have_count(len(everything))
    asked: list[Request] = []
    page.on("request", lambda request: asked.append(request))

    # When they type Saturday, day first, into the first day of the range
    start = page.get_by_label(words.send_from, exact=True)
    start.focus()
    start.press_sequentially(words.typed)
    # Then its calendar opens on that month, in their language, the day chosen
    calendar = page.locator("[data-dates-dropdown]")
    expect(calendar.get_by_role("button", name=words.month, exact=True)).to_be_visible()
    expect(calendar.locator("thead th")).to_have_text(words.weekdays)
    chosen = calendar.get_by_role("button", name=words.day, exact=True)
    expect(chosen).to_have_attribute("data-selected", "true")
    assert serious_problems(page) == []
    # And with the last day typed too, the queue holds exactly the API's rows for that day
    start.press("Tab")
    expect(calendar).to_have_count(0)
    end = page.get_by_label(words.send_to, exact=True)
    with page.expect_request(lambda request: rows_range(request) == SATURDAY):
        type_day(end, words.typed)
    page.wait_for_function(
        """(ids) => JSON.stringify([...document.querySelectorAll('[data-testid="followup-row"]')]
            .map((row) => row.dataset.id).sort()) === ids""",
        arg=json.dumps(expected, separators=(",", ":")),
    )
    assert ranges_asked(asked)[-1] == SATURDAY
    assert "sendFrom=2026-12-05" in page.url
    assert "sendTo=2026-12-05" in page.url
    expect(start).to_have_value(words.typed)
    expect(end).to_have_value(words.typed)
    # And after a reload the fields still show the day first
    page.reload()
    expect(page.get_by_label(words.send_from, exact=True)).to_have_value(words.typed)
    expect(rows).to_have_count(len(expected))

    # When they empty the first field with the keyboard and the last with its clear button
    start = page.get_by_label(words.send_from, exact=True)
    start.focus()
    start.press("ControlOrMeta+a")
    start.press("Backspace")
    start.press("Escape")
    expect(start).to_have_value("")
    page.get_by_role("button", name=words.clear).click()
    # Then the whole queue is back, and nothing asks for a range
    expect(page.get_by_label(words.send_to, exact=True)).to_have_value("")
    expect(rows).to_have_count(len(everything))
    assert "sendFrom" not in page.url
    assert "sendTo" not in page.url
    assert fits_a_phone(page)
    assert watched.errors == []


@pytest.mark.slow
def test_a_custom_holiday_typed_day_first_is_saved_and_shown_back(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    before = api("GET", "/api/settings")["send_window"]["custom_holidays"]
    assert "2026-12-24" not in before
    # Given an admin in an English browser who reads the app in Bahasa Indonesia
    page = sign_in(browser, pages, running.url, "admin", watched)
    english_browser(page)
    choose_language(page, "id")
    page.goto(f"{running.url}/#/settings")
    holiday = page.get_by_label("Tanggal khusus", exact=True)
    # When they type Christmas Eve, day first, and add it
    holiday.focus()
    holiday.press_sequentially("24/12/2026")
    calendar = page.locator("[data-dates-dropdown]")
    expect(calendar.get_by_role("button", name="Desember 2026", exact=True)).to_be_visible()
    expect(calendar.get_by_role("button", name="24 Desember 2026", exact=True)).to_have_attribute(
        "data-selected", "true"
    )
    holiday.press("Escape")
    page.get_by_role("button", name="Tambah tanggal").click()
    # Then it joins the list in Indonesian words and the field is empty for the next one
    chips = page.get_by_test_id("custom-holidays")
    expect(chips).to_contain_text("24 Des 2026")
    expect(holiday).to_have_value("")
    # And saved, the API holds the day as before, next to the ones it had
    page.get_by_role("button", name="Simpan pengaturan").click()
    expect(page.get_by_test_id("settings-saved")).to_be_visible()
    saved = api("GET", "/api/settings")["send_window"]["custom_holidays"]
    assert saved == sorted([*before, "2026-12-24"])
    # And after a reload the page shows it back
    page.reload()
    expect(page.get_by_test_id("custom-holidays")).to_contain_text("24 Des 2026")
    assert serious_problems(page) == []
    # And on a 390 px phone the field's calendar opens without the page scrolling sideways
    assert fits_a_phone(page)
    page.get_by_label("Tanggal khusus", exact=True).focus()
    expect(page.locator("[data-dates-dropdown]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert watched.errors == []


@pytest.mark.slow
def test_a_day_whose_clocks_change_is_filtered_from_its_own_first_instant(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    # Given a workspace in Sydney, where the clocks change at 02:00 local, before UTC's
    # midnight (10:00 or 11:00 there); then one in Santiago, whose clocks skip from
    # Saturday 23:59:59 to Sunday 01:00 on 6 September 2026
    running, api = stack
    settings = api("GET", "/api/settings")
    try:
        page = sign_in(browser, pages, running.url, "marketing", watched)
        for zone, days in [
            (
                "Australia/Sydney",
                [
                    ("2026-10-04", "2026-10-03T14:00:00Z", "2026-10-04T12:59:59Z"),
                    ("2026-04-05", "2026-04-04T13:00:00Z", "2026-04-05T13:59:59Z"),
                ],
            ),
            (
                "America/Santiago",
                [
                    ("2026-09-05", "2026-09-05T04:00:00Z", "2026-09-06T03:59:59Z"),
                    ("2026-09-06", "2026-09-06T04:00:00Z", "2026-09-07T02:59:59Z"),
                ],
            ),
        ]:
            revision = api("GET", "/api/settings")["revision"]
            api("PUT", "/api/settings", json={**settings, "timezone": zone, "revision": revision})
            # When the queue is filtered to each day around a change: each runs from its
            # own first instant to the second before the next day's
            for day, since, until in days:
                with page.expect_request(partial(range_is, {"from": since, "to": until})):
                    page.goto(f"{running.url}/#/queue?sendFrom={day}&sendTo={day}")
                    page.reload()
        assert watched.errors == []
    finally:
        revision = api("GET", "/api/settings")["revision"]
        api("PUT", "/api/settings", json={**settings, "revision": revision})
