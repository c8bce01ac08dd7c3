"""The live queue while its rows are read: a follow-up queued while the rows for new filters
are on their way, or while the first rows are read before a slow feed has opened, still
shows, without waiting for the app's next read of its rows."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, Route, WebSocketRoute, expect
from websockets.sync.client import connect

from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, AdminApi, Running, queued_by_hand, queued_on_friday

ROWS_FIRST_READ = "/api/queue?limit=50"
"""The queue's first rows, unfiltered."""
QUEUED = "status=queued"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    state = tmp_path_factory.mktemp("filter") / "state"
    with queued_on_friday(state, 4, [("6281177799101", "Sari Tetap", "Asia/Jakarta")]) as started:
        yield started


class LateFeed:
    """The feed between the page and the stack, where the connections the page opens while
    it is `holding` (from the start, or once `hold` is called) reach the stack only once
    `release` is called (until then the page waits for them to open), as a slow connection
    does. Which connection the page opens first (one the app opens just after signing in,
    or the one a reload opens) does not matter."""

    def __init__(self, page: Page, *, holding: bool = False) -> None:
        self.holding = holding
        self.released = False
        page.route_web_socket(re.compile(r"/ws"), self._route)
        self._page = page

    def _route(self, socket: WebSocketRoute) -> None:
        held = self.holding
        while held and not self.released and not self._page.is_closed():
            self._page.wait_for_timeout(50)  # the page's own events go on meanwhile
        if not self._page.is_closed():
            socket.connect_to_server()

    def hold(self) -> None:
        self.holding = True

    def release(self) -> None:
        self.released = True


def pushed_after(running: Running, queue: Callable[[], None]) -> None:
    """`queue` done while another app listens to the feed, returning once the stack has
    pushed the change to every app then listening."""
    token = running.token("admin")["Authorization"].split()[1]
    url = f"ws://127.0.0.1:{running.port}/ws?token={token}"
    with connect(url, open_timeout=SAFETY_NET) as feed:
        queue()
        frame = json.loads(feed.recv(timeout=SAFETY_NET))
    assert frame["type"] == "followups"


def queued_once_read(
    running: Running, api: AdminApi, feed: LateFeed | None, name: str, wa_id: str
) -> tuple[Callable[[Route], None], list[str]]:
    """A handler of a request for rows: the stack reads them, then `name`'s follow-up is
    queued and pushed to the apps listening, then `feed` lets its connections through, then
    the rows reach the page. Answers the handler and the names of the rows read."""
    served: list[str] = []

    def read_then_queue(route: Route) -> None:
        rows_read = route.fetch()
        served.extend(f["contact_name"] for f in rows_read.json()["followups"])
        pushed_after(running, lambda: queued_by_hand(api, wa_id, name, "Asia/Jakarta"))
        if feed:
            feed.release()
        route.fulfill(response=rows_read)

    return read_then_queue, served


def test_a_follow_up_queued_while_the_filtered_rows_load_shows_without_waiting(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    # Given an admin watching the whole queue live
    page = sign_in(browser, pages, running.url, "admin", watched)
    feed = LateFeed(page)
    page.goto(f"{running.url}/#/queue")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    page.reload()  # the feed opens again, through the route
    rows = page.get_by_test_id("followup-row")
    expect(rows.filter(has_text="Sari Tetap")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    feed.hold()  # a feed the app opens again from here on is slow
    # When they filter to queued follow-ups, and a new lead's follow-up is queued and pushed
    # just after the stack has read those rows, before the page has them
    read_then_queue, served = queued_once_read(running, api, feed, "Dodi Celah", "6281177799102")
    page.route(lambda url: "/api/queue?" in url and QUEUED in url, read_then_queue, times=1)
    page.get_by_label("Status", exact=True).select_option("queued")
    # Then the new follow-up shows among them, long before the app reads its rows again
    expect(rows.filter(has_text="Dodi Celah")).to_have_count(1)
    expect(rows.filter(has_text="Sari Tetap")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    assert "Sari Tetap" in served
    assert "Dodi Celah" not in served
    assert watched.errors == []


def test_a_queue_whose_feed_is_slow_to_open_shows_its_rows_and_what_changed_meanwhile(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    # Given an admin opening the queue while its feed takes long to open, and a new lead's
    # follow-up queued just after the stack has read the queue's rows
    page = sign_in(browser, pages, running.url, "admin", watched)
    feed = LateFeed(page, holding=True)
    read_then_queue, served = queued_once_read(running, api, feed, "Fajar Lambat", "6281177799104")
    page.route(lambda url: url.endswith(ROWS_FIRST_READ), read_then_queue, times=1)
    page.goto(f"{running.url}/#/queue")
    page.reload()  # the feed and the rows go through the routes
    # Then the rows show, and once the feed is live the new follow-up too
    rows = page.get_by_test_id("followup-row")
    expect(rows.filter(has_text="Sari Tetap")).to_have_count(1)
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    expect(rows.filter(has_text="Fajar Lambat")).to_have_count(1)
    assert "Sari Tetap" in served
    assert "Fajar Lambat" not in served
    assert watched.errors == []
