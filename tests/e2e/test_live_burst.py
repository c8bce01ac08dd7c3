"""The live queue while the feed is busy: a follow-up queued in the middle of a steady run of
pushes about other follow-ups (another rule's sends, their receipts) shows at once, not only
once the feed falls quiet for a second, even where each read of the rows takes longer than
the pause between two pushes (a busy API); and the counts per status move while the burst
goes on, even where each read of them takes longer than the pause between two recounts."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, WebSocketRoute, expect

from tests.support.browser import Watched, counted_late, sign_in
from tests.support.devstack import AdminApi, Running, queued_by_hand, queued_on_friday

PUSH_EVERY_MS = 400
"""A busy queue: the broadcaster's batches (one a second per stream shard, several shards,
each split in messages of 25) reach the app more often than once a second."""
BURST_SECONDS = 12.0
SLOW_READ_MS = 1_500
"""A read of the rows slower than the app's wait before it reads them again after a push."""
SLOW_COUNT_MS = 2_500
"""A read of the counts slower than the app's wait between two recounts after pushes."""
ROWS = r"/api/queue\?limit=50"
COUNTS = r"/api/queue\?limit=1(&|$)"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    state = tmp_path_factory.mktemp("burst") / "state"
    with queued_on_friday(state, 4, [("6281177799201", "Sari Tenang", "Asia/Jakarta")]) as started:
        yield started


def held_feed(page: Page) -> dict[str, Any]:
    """The feed between the page and the stack, passed through as it is; the socket to the
    page is kept, so the test can push what a busy broadcaster would push too."""
    held: dict[str, Any] = {"pushed": []}

    def route(socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        held["socket"] = socket

        def from_server(message: str | bytes) -> None:
            held["pushed"].append(json.loads(message))
            socket.send(message if isinstance(message, str) else message.decode())

        server.on_message(from_server)
        socket.on_message(lambda message: server.send(message))

    page.route_web_socket(re.compile(r"/ws"), route)
    return held


def slow_reads(page: Page, delay_ms: int, reads: str = ROWS) -> None:
    """Each read of the queue whose address matches `reads` (`ROWS`, `COUNTS`) comes back
    `delay_ms` late, as from an API slowed by a busy store."""
    late = f"await new Promise((done) => setTimeout(done, {delay_ms}))"
    page.add_init_script(
        f"""(() => {{
          const fetchNow = window.fetch.bind(window);
          window.fetch = async (input, init) => {{
            const response = await fetchNow(input, init);
            const url = String(input instanceof Request ? input.url : input);
            if (new RegExp({json.dumps(reads)}).test(url)) {late};
            return response;
          }};
        }})();"""
    )


def watching_open_days(page: Page, url: str) -> tuple[dict[str, Any], Locator]:
    """The queue of the open-day invitations open live on `page`, its feed held (`held_feed`):
    the feed and the rows, once Sari's shows."""
    feed = held_feed(page)
    page.goto(f"{url}/#/queue?rule=open-day-invite")
    page.reload()  # the feed opens again, through the route
    rows = page.get_by_test_id("followup-row")
    expect(rows.filter(has_text="Sari Tenang")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    return feed, rows


@pytest.mark.parametrize(
    ("read_delay_ms", "wa_id", "name"),
    [(0, "6281177799202", "Tono Ramai"), (SLOW_READ_MS, "6281177799203", "Tini Lambat")],
    ids=["reads-in-time", "reads-slower-than-pushes"],
)
def test_a_follow_up_queued_during_a_burst_of_pushes_shows_while_the_burst_goes_on(
    stack: tuple[Running, AdminApi],
    browser: Browser,
    pages: list[Page],
    watched: Watched,
    read_delay_ms: int,
    wa_id: str,
    name: str,
) -> None:
    running, api = stack
    everything = api("GET", "/api/queue?limit=200")["followups"]
    # another rule's follow-up, whose changes keep coming while it is busy sending
    busy = next(f for f in everything if f["rule_id"] != "open-day-invite")
    # Given an admin watching the open-day invitations live
    page = sign_in(browser, pages, running.url, "admin", watched)
    slow_reads(page, read_delay_ms)
    feed, rows = watching_open_days(page, running.url)
    # When another rule is busy (a push about it every 400 ms) and, meanwhile, a new lead is
    # sent the open-day invitation
    new_row = rows.filter(has_text=name)
    started = time.monotonic()
    queued_at = None
    shown_during_burst = False
    while time.monotonic() - started < BURST_SECONDS:
        feed["socket"].send(json.dumps({"type": "followups", "followups": [busy]}))
        page.wait_for_timeout(PUSH_EVERY_MS)
        if queued_at is None and time.monotonic() - started > 1:
            queued_by_hand(api, wa_id, name, "Asia/Jakarta")
            queued_at = time.monotonic()
        if queued_at is not None and not shown_during_burst and new_row.count() == 1:
            shown_during_burst = True
    pushed_new = any(
        f.get("contact_id")
        and f["rule_id"] == "open-day-invite"
        and f["id"] not in {busy["id"], *(known["id"] for known in everything)}
        for m in feed["pushed"]
        if m.get("type") == "followups"
        for f in m["followups"]
    )
    # (the stack did push it, and once the burst is over it does show)
    assert pushed_new
    expect(new_row).to_have_count(1)
    # Then it showed while the burst went on, not once it was over
    assert shown_during_burst, (
        f"{name}'s follow-up stayed off the live queue for the whole {BURST_SECONDS:.0f} s burst"
    )
    assert watched.errors == []


def test_the_counts_move_during_a_burst_of_pushes_even_when_each_count_is_slow(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    of_rule = "/api/queue?limit=1&rule=open-day-invite"
    # Given an admin watching the open-day invitations live, each count read slower than the
    # pause between two recounts
    page = sign_in(browser, pages, running.url, "admin", watched)
    slow_reads(page, SLOW_COUNT_MS, COUNTS)
    stats = counted_late(page)  # the stats function yet to count the last change
    feed, rows = watching_open_days(page, running.url)
    [sari] = api("GET", "/api/queue?q=Sari%20Tenang")["followups"]
    # When a new lead is sent the invitation, its row read before the stats counted it
    before = api("GET", of_rule)["counts"]
    stats["lagging"] = before
    queued_by_hand(api, "6281177799204", "Tuti Hitung", "Asia/Jakarta")
    expect(rows.filter(has_text="Tuti Hitung")).to_have_count(1)
    counts = page.get_by_test_id("status-counts")
    expect(counts).to_contain_text(f"Queued: {before['queued']}")
    stats["lagging"] = None
    assert api("GET", of_rule)["counts"]["queued"] == before["queued"] + 1
    # and changes to a row shown keep coming, a push every 400 ms
    started = time.monotonic()
    moved = False
    while time.monotonic() - started < BURST_SECONDS and not moved:
        feed["socket"].send(json.dumps({"type": "followups", "followups": [sari]}))
        page.wait_for_timeout(PUSH_EVERY_MS)
        moved = f"Queued: {before['queued'] + 1}" in (counts.text_content() or "")
    # (the app keeps recounting: reads still on their way when the page closes are let go)
    page.unroute_all(behavior="ignoreErrors")
    # Then the counts say so while the changes go on, not only once they stop
    assert moved, f"the counts stayed put for the whole {BURST_SECONDS:.0f} s burst"
    assert watched.errors == []
