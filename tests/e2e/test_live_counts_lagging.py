"""The queue's counts per status while live changes arrive: the stats function counts a
change within a minute (its stream batching window on AWS), so a change the feed brings is
counted again after that window, whether its row is among those loaded or not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import Watched, counted_late, sign_in
from tests.support.devstack import AdminApi, Running, queued_by_hand, queued_on_friday


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    state = tmp_path_factory.mktemp("counts") / "state"
    with queued_on_friday(state, 4, [("6281177799301", "Sari Hitung", "Asia/Jakarta")]) as started:
        yield started


def test_counts_move_for_a_new_follow_up_once_the_stats_have_counted_it(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    before = api("GET", "/api/queue?limit=1")["counts"]
    # Given an admin watching the whole queue live, its counts read
    page = sign_in(browser, pages, running.url, "admin", watched)
    page.clock.install()
    stats = counted_late(page)
    page.goto(f"{running.url}/#/queue")
    page.reload()  # the feed and the rows go through the routes, on the page's own clock
    counts = page.get_by_test_id("status-counts")
    expect(counts).to_contain_text(f"Queued: {before['queued']}")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    # When a new lead is sent the open-day invitation, and the stats function takes its
    # batching window to count it
    stats["lagging"] = before
    queued_by_hand(api, "6281177799302", "Tono Baru", "Asia/Jakarta")
    rows = page.get_by_test_id("followup-row")
    expect(rows.filter(has_text="Tono Baru")).to_have_count(1)  # pushed live, row fetched
    page.clock.fast_forward("00:05")
    stats["lagging"] = None  # counted now
    assert api("GET", "/api/queue?limit=1")["counts"]["queued"] == before["queued"] + 1
    # Then, after the stats function's window (65 s, as for a row already shown), the
    # counts say so, without a reload and long before the 5-minute read of the rows
    page.clock.fast_forward("01:10")
    expect(counts).to_contain_text(f"Queued: {before['queued'] + 1}")
    assert watched.errors == []
