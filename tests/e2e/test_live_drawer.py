"""The live queue beyond its rows: an open details drawer follows the feed, a dropped feed
catches up once it is back, and a row that stops matching the filters stays in place with
its new status."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, expect

from tests.e2e.test_app_pages import serious_problems
from tests.e2e.test_queue_details import fits_a_phone
from tests.support.browser import Watched, sign_in
from tests.support.devstack import SAFETY_NET, AdminApi, Running, queued_by_hand, queued_on_friday

LEADS = ["Sari Laci", "Budi Sambung", "Citra Saring"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Running, AdminApi]]:
    state = tmp_path_factory.mktemp("drawer") / "state"
    leads = [(f"62811777990{n}", name, "Asia/Jakarta") for n, name in enumerate(LEADS)]
    with queued_on_friday(state, 4, leads) as started:
        yield started


def followup_of(api: AdminApi, name: str) -> str:
    [found] = api("GET", f"/api/queue?q={name.replace(' ', '%20')}")["followups"]
    followup_id: str = found["id"]
    return followup_id


class Cable:
    """The feed between the page and the stack, with a plug to pull: while it is out, the
    open connection is closed and every new one is refused."""

    def __init__(self, page: Page) -> None:
        self.out = False
        self.opened = 0
        self.refused = 0
        self._open: list[tuple[WebSocketRoute, WebSocketRoute]] = []
        page.route_web_socket(re.compile(r"/ws"), self._route)

    def _route(self, socket: WebSocketRoute) -> None:
        if self.out:
            self.refused += 1
            socket.close()
            return
        server = socket.connect_to_server()
        self.opened += 1
        self._open.append((socket, server))

        def from_server(message: str | bytes) -> None:
            if not self.out:
                socket.send(message)

        server.on_message(from_server)
        socket.on_message(lambda message: server.send(message))

    def pull(self) -> None:
        self.out = True
        for socket, server in self._open:
            socket.close()
            server.close()
        self._open.clear()

    def plug(self, page: Page) -> None:
        """Back in once the page has tried again and been refused."""
        for _ in range(int(SAFETY_NET / 0.2)):
            if self.refused:
                break
            page.wait_for_timeout(200)  # the page's own events go on meanwhile
        assert self.refused
        self.out = False


WATCH_STATES = """() => {
    window.feedStates = [];
    const feed = document.querySelector('[role="status"][data-state]');
    new MutationObserver(() => window.feedStates.push(feed.dataset.state))
        .observe(feed, { attributes: true, attributeFilter: ["data-state"] });
}"""
"""Keeps every state the feed's corner says, in order, in `window.feedStates`."""


def test_an_open_details_drawer_shows_a_status_change_the_feed_brings(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    sari = followup_of(api, "Sari Laci")
    # Given an admin reading Sari's follow-up in its details, the queue live
    page = sign_in(browser, pages, running.url, "admin", watched)
    page.goto(f"{running.url}/#/queue?open={sari}")
    details = page.get_by_test_id("followup-details")
    expect(details).to_have_attribute("data-status", "queued")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    # When someone else cancels it
    api("POST", "/api/queue/cancel", json={"ids": [sari]})
    # Then the details say so, and their history ends with it, without closing them
    expect(details).to_have_attribute("data-status", "canceled")
    history = page.get_by_test_id("details-history").get_by_role("listitem")
    expect(history.last).to_contain_text("Canceled")
    row = page.locator(f'[data-testid="followup-row"][data-id="{sari}"]')
    expect(row).to_have_attribute("data-status", "canceled")
    assert watched.errors == []


def test_after_the_feed_drops_the_queue_catches_up_once_it_is_back(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    budi = followup_of(api, "Budi Sambung")
    # Given an admin watching the queue live
    page = sign_in(browser, pages, running.url, "admin", watched)
    cable = Cable(page)
    page.goto(f"{running.url}/#/queue?open={budi}")
    page.reload()  # the feed opens again, through the cable
    feed = page.get_by_role("status").filter(has_text=re.compile("Live|reconnecting"))
    expect(feed).to_have_attribute("data-state", "live")
    row = page.locator(f'[data-testid="followup-row"][data-id="{budi}"]')
    expect(row).to_have_attribute("data-status", "queued")
    page.evaluate(WATCH_STATES)
    # When the feed drops, it says so while it is down
    cable.pull()
    expect(feed).to_have_attribute("data-state", "disconnected")
    expect(feed).to_have_text("Disconnected — reconnecting")
    # and Budi's follow-up is cancelled meanwhile, which the feed cannot bring
    api("POST", "/api/queue/cancel", json={"ids": [budi]})
    expect(feed).to_have_attribute("data-state", "disconnected")
    assert row.get_attribute("data-status") == "queued"
    # Then once the feed is back, the queue and the open details catch up
    opened = cable.opened
    cable.plug(page)
    expect(feed).to_have_attribute("data-state", "live")
    expect(row).to_have_attribute("data-status", "canceled")
    expect(page.get_by_test_id("followup-details")).to_have_attribute("data-status", "canceled")
    assert cable.opened == opened + 1  # one connection once it is back, not one per try
    # and the corner said it was down until it was back, without flickering at each try
    assert page.evaluate("window.feedStates") == ["disconnected", "live"]
    assert watched.errors == []


def test_a_row_that_stops_matching_the_filter_stays_in_place_with_its_new_status(
    stack: tuple[Running, AdminApi], browser: Browser, pages: list[Page], watched: Watched
) -> None:
    running, api = stack
    citra = followup_of(api, "Citra Saring")
    # Given an admin reading the queued follow-ups, live
    page = sign_in(browser, pages, running.url, "admin", watched)
    page.goto(f"{running.url}/#/queue?status=queued")
    rows = page.get_by_test_id("followup-row")
    row = rows.filter(has_text="Citra Saring")
    expect(row).to_have_attribute("data-status", "queued")
    expect(page.get_by_role("status").filter(has_text="Live")).to_be_visible()
    shown = [r.get_attribute("data-id") for r in rows.all()]
    # When someone else cancels Citra's follow-up
    api("POST", "/api/queue/cancel", json={"ids": [citra]})
    # Then its row stays where it was, says its new status and that it no longer matches
    expect(row).to_have_attribute("data-status", "canceled")
    expect(row).to_contain_text("Canceled")
    expect(row.get_by_test_id("left-filter")).to_have_text("No longer matches the filters")
    assert [r.get_attribute("data-id") for r in rows.all()] == shown
    # and it stays when the list is asked for again (a new follow-up joins it)
    queued_by_hand(api, "6281177799099", "Dodi Baru", "Asia/Jakarta")
    expect(rows.filter(has_text="Dodi Baru")).to_have_count(1)
    expect(row).to_have_attribute("data-status", "canceled")
    assert serious_problems(page) == []
    assert fits_a_phone(page)
    # Changing the filters shows only what matches them
    page.get_by_label("Status", exact=True).select_option("canceled")
    expect(row).to_have_attribute("data-status", "canceled")
    expect(row.get_by_test_id("left-filter")).to_have_count(0)
    page.get_by_label("Status", exact=True).select_option("queued")
    expect(rows.filter(has_text="Dodi Baru")).to_have_count(1)
    expect(row).to_have_count(0)
    assert watched.errors == []
