"""The queue sorted by send time over every follow-up of the period, not the rows loaded,
with counts per status of all of them as they stand now."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.e2e.test_app_pages import serious_problems
from tests.support.browser import Watched, sign_in, type_day
from tests.support.devstack import FRIDAY, AdminApi, Running, eventually, free_port, queued_by_hand

EARLIEST, LATEST = "Lena London", "Ravi Kolkata"
"""Planned first, so a page of the newest planned holds neither: London goes at once,
Kolkata opens last (Saturday 10:00 there is 04:30 UTC)."""
MIDDLE = ["Pacific/Auckland", "Asia/Tokyo", "Asia/Jakarta"]
"""Openings between the two (21:00 UTC Friday, 01:00 and 03:00 UTC Saturday)."""
PAGE = 50
"""Rows the queue loads at a time."""


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    """More follow-ups than a page, planned in an order unlike their send times: the one to
    go first and the one to go last are planned before all the others."""
    state = tmp_path_factory.mktemp("sort") / "state"
    # Friday 14:00 UTC: open in London, evening in Asia; each lead waits for its own opening
    running = Running(state, free_port(), contacts=2, clock=FRIDAY)
    api = AdminApi(running)
    leads = [(EARLIEST, "Europe/London"), (LATEST, "Asia/Kolkata")]
    leads += [(f"Lead {n:02d}", MIDDLE[n % len(MIDDLE)]) for n in range(PAGE + 2)]
    for n, (name, zone) in enumerate(leads):
        queued_by_hand(api, f"6281188800{n:02d}", name, zone)
    yield running, api
    running.stop()


def every_follow_up(api: AdminApi) -> list[dict[str, Any]]:
    first = api("GET", "/api/queue?limit=200")
    assert first["cursor"] is None
    rows: list[dict[str, Any]] = first["followups"]
    return rows


def shown_counts(badges: Locator) -> dict[str, int]:
    """The counts at the top of the queue, by status, read in one go."""
    found: list[list[str]] = badges.evaluate_all(
        "els => els.map((e) => [e.dataset.status, e.textContent])"
    )
    return {status: int(text.rsplit(":", 1)[1].strip().replace(",", "")) for status, text in found}


@pytest.mark.slow
def test_sorting_by_send_time_reorders_every_follow_up_and_the_counts_are_of_all_of_them(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    everything = every_follow_up(api)
    assert len(everything) > PAGE
    page = sign_in(browser, pages, running.url, "marketing", watched)
    rows = page.get_by_test_id("followup-row")
    names = rows.get_by_role("link")
    # Latest first: one page of rows, opened by the follow-up that goes last of all
    expect(rows).to_have_count(PAGE)
    expect(names.first).to_have_text(LATEST)
    # Earliest first: the server sorts again, and the one that goes first of all leads
    page.get_by_label("Send time", exact=True).select_option("oldest")
    expect(names.first).to_have_text(EARLIEST)
    expect(rows).to_have_count(PAGE)
    page.get_by_role("button", name="Load more").click()
    expect(rows).to_have_count(len(everything))
    expect(names.last).to_have_text(LATEST)
    # The counts are of every follow-up of the period by its status now, not of the rows
    badges = page.get_by_test_id("status-counts").get_by_role("listitem")
    expected = Counter(f["status"] for f in everything)
    assert eventually(lambda: shown_counts(badges) == expected or None)
    assert sum(expected.values()) == len(everything)
    # And a change of status moves them, live
    queued = [f["id"] for f in everything if f["status"] == "queued"][:2]
    api("POST", "/api/queue/cancel", json={"ids": queued})
    expected.update({"canceled": 2, "queued": -2})
    assert eventually(lambda: shown_counts(badges) == +expected or None)
    # A day in the workspace's zone (Jakarta) is two part days in UTC: the counts say so
    type_day(page.get_by_label("Send time from (day)", exact=True), "05/12/2026")
    type_day(page.get_by_label("Send time to (day)", exact=True), "05/12/2026")
    cover = page.get_by_test_id("counts-cover")
    expect(cover).to_have_text("Counts cover whole days in UTC, 4 Dec 2026 to 5 Dec 2026.")
    assert serious_problems(page) == []
    assert watched.errors == []
